import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

/// A synthetic lumbar spine in SpineKit classes: L1–L5 bodies, discs, a sacrum block, a dural sac tube.
enum SyntheticSpine {
    /// Bodies 24 mm tall, discs 10 mm, depth 30 mm; `slipL4MM` shifts L4 forward; `canalRadiusMM` at every level.
    static func make(
        slipL4MM: Double = 0, canalRadiusMM: Double = 7, spacing: Double = 1, direction: Matrix3 = .identity
    ) -> Volume<UInt8> {
        // World: +z superior, −y anterior. L1 top at z = 0; going down: body 24, disc 10.
        let size = SIMD3(Int(60 / spacing), Int(90 / spacing), Int(200 / spacing))
        let centre = SIMD3<Double>(0, 10, -95)
        // Place the grid so its centre is `centre` whatever the direction.
        let half = SIMD3<Double>(Double(size.x - 1), Double(size.y - 1), Double(size.z - 1)) * spacing / 2
        let origin = centre - direction * half
        return Phantoms.labelMap(size: size, spacing: SIMD3(repeating: spacing), origin: origin, direction: direction) {
            p in
            let a = -p.y  // anterior
            guard abs(p.x) <= 20 else { return 0 }
            // Dural sac: a tube behind the bodies (centre 8 mm behind the posterior wall at a = −15).
            let canalCentre = -15.0 - 2 - canalRadiusMM
            if (a - canalCentre) * (a - canalCentre) + p.x * p.x <= canalRadiusMM * canalRadiusMM && p.z < 0
                && p.z > -185
            {
                return 4
            }
            guard abs(p.x) <= 18 else { return 0 }
            var top = 0.0
            for n in 0..<5 {
                let shift = n == 3 ? slipL4MM : 0
                if p.z <= top && p.z > top - 24 && abs(a - shift) <= 15 { return 1 }
                top -= 24
                if n < 4 || true {
                    if p.z <= top && p.z > top - 10 && abs(a) <= 14 { return 3 }
                }
                top -= 10
            }
            // Sacrum block below the L5-S1 disc.
            if p.z <= top && p.z > top - 25 && abs(a) <= 16 { return 7 }
            return 0
        }
    }
}

@Suite struct AnalyzerTests {
    @Test func syntheticSpineIsNamedAndMeasured() throws {
        let map = SyntheticSpine.make(slipL4MM: 7.5)
        let report = try SpineAnalyzer.analyze(labelMap: AnyVolume(map), classMap: .spineKit)
        #expect(report.vertebrae.map(\.label) == ["L1", "L2", "L3", "L4", "L5"])
        #expect(report.vertebrae.allSatisfy { $0.cue.contains("sacrum") })
        #expect(report.discs.map(\.level) == ["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"])
        for v in report.vertebrae {
            #expect(abs((v.middleHeightMM ?? 0) - 24) < 1.0, "\(v.label)")
        }
        for d in report.discs {
            #expect(abs((d.middleHeightMM ?? 0) - 10) < 1.0, "\(d.level)")
            let area = try #require(d.canal?.areaMM2)
            #expect(abs(area - .pi * 49) / (.pi * 49) < 0.08, "\(d.level) \(area)")
            #expect(d.canal?.grade == "normal")
        }
        let l45 = try #require(report.discs.first { $0.level == "L4-L5" })
        let slip = try #require(l45.slip)
        #expect(abs(slip.distanceMM - 7.5) < 1.0)
        #expect(slip.meyerdingGrade == "II" || slip.meyerdingGrade == "I")
        #expect(report.findings.contains { $0.code == "spondylolisthesis" && $0.level == "L4-L5" })
        let l34 = try #require(report.discs.first { $0.level == "L3-L4" })
        #expect(abs((l34.slip?.distanceMM ?? 99) + 7.5) < 1.0)  // L3 over the slipped L4: backward by 7.5
        #expect(abs(report.alignment.lordosisL1S1Deg ?? 99) < 2)
        let csv = report.csv()
        #expect(csv.contains("disc,L4-L5,slip_distance,"))
        let back = try JSONDecoder().decode(AnalysisReport.self, from: try report.json())
        #expect(back.schemaVersion == 3 && back.vertebrae.count == 5)
    }

    @Test func stenosisIsGraded() throws {
        let report = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(SyntheticSpine.make(canalRadiusMM: 4.5)), classMap: .spineKit)
        #expect(report.discs.allSatisfy { $0.canal?.grade == "severe" })  // π·4.5² ≈ 64 mm² < 75
        #expect(report.findings.contains { $0.code == "central-canal-stenosis" })
    }

    @Test func orientationDoesNotChangeResults() throws {
        // The same spine stored as a sagittal stack (axes P, I, R) gives the same names and heights.
        let lps = SyntheticSpine.make()
        let pir = lps.reoriented(to: AxisCodes("PIR")!)
        #expect(pir.geometry.axisCodes.description == "PIR")
        let a = try SpineAnalyzer.analyze(labelMap: AnyVolume(lps), classMap: .spineKit)
        let b = try SpineAnalyzer.analyze(labelMap: AnyVolume(pir), classMap: .spineKit)
        #expect(a.vertebrae.map(\.label) == b.vertebrae.map(\.label))
        for (x, y) in zip(a.discs, b.discs) {
            #expect(abs((x.middleHeightMM ?? 0) - (y.middleHeightMM ?? 0)) < 0.5)
            #expect(abs((x.canal?.areaMM2 ?? 0) - (y.canal?.areaMM2 ?? 0)) < 8)
        }
    }

    @Test func badInputsGiveErrorsOrFindings() throws {
        let g = ImageGeometry(size: SIMD3(20, 20, 20))
        #expect(throws: ImagingError.self) {
            try SpineAnalyzer.analyze(labelMap: AnyVolume(Volume<UInt8>(geometry: g)), classMap: .spineKit)
        }
        let flat = Volume<UInt8>(geometry: ImageGeometry(size: SIMD3(20, 20, 1)), repeating: 1)
        #expect(throws: ImagingError.self) { try SpineAnalyzer.analyze(labelMap: AnyVolume(flat), classMap: .spineKit) }
        // Only unknown labels: an error naming the class map.
        var unknown = Volume<UInt8>(geometry: g)
        unknown[3, 3, 3] = 200
        #expect(throws: ImagingError.self) {
            try SpineAnalyzer.analyze(labelMap: AnyVolume(unknown), classMap: .spineKit)
        }
        // One vertebra plus an unknown label: measured, with findings.
        let one = Phantoms.labelMap(size: SIMD3(40, 40, 40)) { p in
            if abs(p.x - 20) <= 10 && abs(p.y - 20) <= 10 && abs(p.z - 20) <= 8 { return 1 }
            return p.x < 2 && p.y < 2 ? 99 : 0
        }
        let r = try SpineAnalyzer.analyze(labelMap: AnyVolume(one), classMap: .spineKit)
        #expect(r.vertebrae.count == 1)
        #expect(abs((r.vertebrae[0].middleHeightMM ?? 0) - 17) < 1)
        #expect(r.findings.contains { $0.code == "unknown-labels" })
        #expect(r.findings.contains { $0.code == "single-structure" })
    }

    @Test func namedMapsKeepNamesAndFlagVariants() throws {
        // VerSe instance labels with an L6 (25): reported, not renumbered.
        let map = Phantoms.labelMap(size: SIMD3(30, 40, 150)) { p in
            guard abs(p.x - 15) <= 10, abs(p.y - 20) <= 12 else { return 0 }
            let labels: [UInt8] = [22, 23, 24, 25]  // L3, L4, L5, L6 from the top
            for (n, l) in labels.enumerated() {
                let top = 140.0 - Double(n) * 34
                if p.z <= top && p.z > top - 24 { return l }
            }
            return 0
        }
        let r = try SpineAnalyzer.analyze(labelMap: AnyVolume(map), classMap: .verse)
        #expect(r.vertebrae.map(\.label) == ["L3", "L4", "L5", "L6"])
        #expect(r.findings.contains { $0.code == "enumeration-anomaly" && $0.level == "L6" })
    }
}

@Suite(.enabled(if: AnalysisTestData.isAvailable, "needs ../shared/data"))
struct RealMaskLabellingTests {
    static let vb3Cases = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]

    /// VB3 masks (labels 1…5 = L1…L5 bodies): binarised, then named from "the lowest body is L5".
    @Test(arguments: vb3Cases)
    func vb3BodiesAreNamedInOrder(caseID: String) throws {
        let path = try AnalysisTestData.path("lumbar-mri-real/VB3/VB3_\(caseID)_seg.nii.gz")
        let truth = try NIfTI.read(path: path).converted(to: Int32.self)
        let binary = truth.map { $0 > 0 ? UInt8(1) : 0 }
        var options = AnalysisOptions()
        options.anchor = .lowestVisibleBody(.l5)
        let report = try SpineAnalyzer.analyze(labelMap: AnyVolume(binary), classMap: .spineKit, options: options)
        let stats = truth.labelStatistics()
        #expect(report.vertebrae.count == 5)
        for v in report.vertebrae {
            // The truth label whose centroid is nearest must be the same level (label n = L n).
            let nearest = stats.min {
                ($0.value.centroidLPS - v.centroidLPS).length < ($1.value.centroidLPS - v.centroidLPS).length
            }!
            #expect("L\(nearest.key)" == v.label, "case \(caseID)")
            #expect(v.cue.contains("caller"))
        }
    }

    /// The VB3 volunteers are healthy: Genant grade 0 on (nearly) every body. Compared with each other,
    /// the heights of a healthy body called a fracture on 11 of 50 (concave endplates, L5's wedge, frames
    /// tilted by rounded corners); against the neighbours' heights, 1 of 50 (case 02 L5, grade 1).
    @Test func vb3HealthyBodiesAreNotFractures() throws {
        var graded: [String] = []
        let names = ClassMap(
            name: "vb3", version: "1",
            labels: Dictionary(
                uniqueKeysWithValues: (1...5).map {
                    ($0, LabelMeaning.vertebra(Vertebra(name: "L\($0)")!, part: .body))
                }))
        for caseID in Self.vb3Cases {
            let path = try AnalysisTestData.path("lumbar-mri-real/VB3/VB3_\(caseID)_seg.nii.gz")
            let report = try SpineAnalyzer.analyze(labelMap: try NIfTI.read(path: path), classMap: names)
            #expect(report.vertebrae.count == 5, "case \(caseID)")
            for v in report.vertebrae {
                #expect(v.middleHeightMM != nil, "case \(caseID) \(v.label)")
                // Real lumbar bodies are 20–35 mm tall at every margin: no height read off a clipped corner.
                for h in [v.anteriorHeightMM, v.middleHeightMM, v.posteriorHeightMM] {
                    #expect((h ?? 0) > 18 && (h ?? 99) < 36, "case \(caseID) \(v.label)")
                }
                if (v.genantGrade ?? 0) > 0 { graded.append("\(caseID) \(v.label)") }
            }
        }
        #expect(graded.count <= 2, "graded as fractures: \(graded)")
    }

    /// IVD masks (labels 1…5 = L5/S1 … L1/L2): binarised, named from "the lowest disc is L5-S1".
    @Test(arguments: ["11", "20", "25"])
    func ivdDiscsAreNamed(caseID: String) throws {
        let path = try AnalysisTestData.path("lumbar-mri-real/IVD/IVD_\(caseID)_seg.nii.gz")
        let truth = try NIfTI.read(path: path).converted(to: Int32.self)
        let binary = truth.map { $0 > 0 ? UInt8(3) : 0 }
        var options = AnalysisOptions()
        options.anchor = .lowestVisibleDisc(DiscLevel(upper: .l5, lower: .s1))
        let report = try SpineAnalyzer.analyze(labelMap: AnyVolume(binary), classMap: .spineKit, options: options)
        let names = [1: "L5-S1", 2: "L4-L5", 3: "L3-L4", 4: "L2-L3", 5: "L1-L2"]
        let stats = truth.labelStatistics()
        #expect(report.discs.count == 5)
        for d in report.discs {
            let nearest = stats.min {
                ($0.value.centroidLPS - d.centroidLPS).length < ($1.value.centroidLPS - d.centroidLPS).length
            }!
            #expect(names[nearest.key] == d.level, "case \(caseID)")
            #expect((d.middleHeightMM ?? 0) > 4 && (d.middleHeightMM ?? 0) < 20)
        }
    }
}
