import Foundation
import SpineAnalysis
import SpineImaging
import Testing

@testable import SpinePipeline

/// The dural sac measured on axial stacks (``AxialCanal``): on hand-made stacks whose answer is known by
/// construction, and through `spine analyze` on a phantom study with axial stacks against the phantom's truth.
@Suite struct AxialCanalTests {
    /// A stack of 3 axial slices 3 mm apart (0.5 mm pixels, LPS axes, centred on the origin) with an elliptic sac
    /// of half axes (6 + k) mm left-right and 5 mm anterior-posterior on slice k; its one-hot probabilities.
    static func ellipseStack() -> (Volume<UInt8>, [[Float]]) {
        let g = ImageGeometry(
            size: SIMD3(80, 80, 3), spacing: SIMD3(0.5, 0.5, 3), origin: SIMD3(-19.75, -19.75, -3),
            direction: .identity)
        var labels = Volume<UInt8>(geometry: g)
        for k in 0..<3 {
            for j in 0..<80 {
                for i in 0..<80 {
                    let p = g.worldLPS(voxelIJK: SIMD3(Double(i), Double(j), Double(k)))
                    let a = 6 + Double(k), b = 5.0
                    if (p.x / a) * (p.x / a) + (p.y / b) * (p.y / b) <= 1 { labels[i, j, k] = 1 }
                }
            }
        }
        let sac = labels.voxels.map { Float($0) }
        return (labels, [sac.map { 1 - $0 }, sac])
    }

    /// Points of a straight tube of radius 5 mm through the origin along `direction` (a sagittal sac).
    static func tube(_ direction: SIMD3<Double>) -> [SIMD3<Double>] {
        let t = direction.normalized
        let u = SIMD3<Double>(1, 0, 0), v = t.cross(u).normalized
        var points: [SIMD3<Double>] = []
        for s in stride(from: -40.0, through: 40, by: 1) {
            for r in stride(from: 0.0, through: 5, by: 1) {
                for a in stride(from: 0.0, to: 2 * .pi, by: .pi / 8) {
                    points.append(t * s + u * (r * cos(a)) + v * (r * sin(a)))
                }
            }
        }
        return points
    }

    @Test func theSacIsInterpolatedToTheDiscPlaneAndCorrectedForObliquity() throws {
        let (labels, p) = Self.ellipseStack()
        // Disc centre 20 mm anterior of the sac, 1.5 mm above the middle slice: half way between slices 1 and 2.
        let disc = SIMD3<Double>(0, -20, 1.5)
        let straight = try #require(
            AxialCanal.measure(
                labels: labels, probabilities: p, sacClasses: [1], discCentreLPS: disc,
                sagittalSac: Self.tube(SIMD3(0, 0, 1))))
        let expected = Double.pi * 7.5 * 5  // half axes 7.5 mm (between 7 and 8) and 5 mm
        #expect(straight.slices == [1, 2])
        #expect(abs(straight.planeAreaMM2 - expected) < 0.03 * expected)
        #expect(abs(straight.discOffsetMM - 1.5) < 1e-9)
        #expect(try #require(straight.obliquityDeg) < 1)
        #expect(abs(straight.apDiameterMM - 10) < 1)

        // The canal runs 20° off the stack's normal: the section perpendicular to it is cos 20° of the plane's.
        let tilted = try #require(
            AxialCanal.measure(
                labels: labels, probabilities: p, sacClasses: [1], discCentreLPS: disc,
                sagittalSac: Self.tube(SIMD3(0, sin(20 * Double.pi / 180), cos(20 * Double.pi / 180)))))
        #expect(abs(try #require(tilted.obliquityDeg) - 20) < 0.5)
        #expect(abs(tilted.areaMM2 - straight.planeAreaMM2 * cos(20 * Double.pi / 180)) < 0.5)
        #expect(tilted.planeAreaMM2 == straight.planeAreaMM2)
    }

    @Test func noSacOnTheStackMeasuresNothing() {
        let (labels, p) = Self.ellipseStack()
        var empty = labels
        empty.voxels = labels.voxels.map { _ in 0 }
        #expect(
            AxialCanal.measure(
                labels: empty, probabilities: [p[0].map { _ in 1 }, p[1].map { _ in 0 }], sacClasses: [1],
                discCentreLPS: SIMD3(0, -20, 0), sagittalSac: []) == nil)
        // A sac more than 60 mm from the disc is another structure, not this level's sac.
        #expect(
            AxialCanal.measure(
                labels: labels, probabilities: p, sacClasses: [1], discCentreLPS: SIMD3(0, -80, 0), sagittalSac: [])
                == nil)
    }

    /// `spine analyze` on a phantom study (DICOM) with axial stacks through every lumbar disc but L1-L2, with the
    /// phantom's own sagittal label map and the bundled axial model: the four levels with a stack report the sac
    /// area measured there, close to the truth; L1-L2 keeps the sagittal estimate.
    @Test(.enabled(if: ModelRegistry.standard().model(named: AxialCanal.defaultModel)?.name == AxialCanal.defaultModel))
    func analyzeGradesLevelsWithAnAxialStackOnItAndKeepsTheSagittalEstimateElsewhere() throws {
        let dir = try AnalyzeCLITests.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try AnalyzeCLITests.run(["phantom", "mri", "--axial", "--seed", "9100", "--out", dir + "/p"])
        try #require(made.status == 0, "\(made.stderr)")
        let study = dir + "/p/mri-9100"
        try FileManager.default.removeItem(atPath: study + "/dicom/AX_L1L2_T2")
        let r = try AnalyzeCLITests.run([
            "analyze", study + "/dicom", "--labels", study + "/nifti/SAG_labels_class.nii.gz", "--axial-model",
            AxialCanal.defaultModel, "--out", dir + "/out",
        ])
        try #require(r.status == 0, "\(r.stderr)")
        let report = try StudyFixture.reportJSON(dir + "/out")
        let truthData = try Data(contentsOf: URL(fileURLWithPath: study + "/truth.json"))
        let truth = try #require(try JSONSerialization.jsonObject(with: truthData) as? [String: Any])
        let truthArea = Dictionary(
            uniqueKeysWithValues: try #require(truth["discs"] as? [[String: Any]]).compactMap { d in
                (d["level"] as? String).flatMap { l in (d["duralSacAreaMM2"] as? Double).map { (l, $0) } }
            })
        let discs = try #require(report["discs"] as? [[String: Any]])
        var axial: [String] = []
        for d in discs {
            guard let level = d["level"] as? String, level.hasPrefix("L"), let canal = d["canal"] as? [String: Any]
            else { continue }
            let area = try #require(canal["areaMM2"] as? Double)
            if canal["source"] as? String == "axial" {
                axial.append(level)
                let t = try #require(truthArea[level])
                #expect(abs(area - t) <= max(12, 0.12 * t), "\(level): \(area) mm² on the axial stack, truth \(t)")
                #expect((canal["series"] as? String)?.contains(level.replacingOccurrences(of: "-", with: "")) == true)
                #expect(canal["sagittalAreaMM2"] is Double)
            } else {
                #expect(canal["source"] as? String == "sagittal", "\(level)")
            }
        }
        #expect(axial == ["L2-L3", "L3-L4", "L4-L5", "L5-S1"])
        let l1 = try #require(discs.first { $0["level"] as? String == "L1-L2" }?["canal"] as? [String: Any])
        #expect(l1["source"] as? String == "sagittal")
        let inputs = try #require(report["inputs"] as? [String: Any])
        #expect(inputs["axialModel"] as? String == AxialCanal.defaultModel)
        #expect((inputs["axialCanal"] as? [Any])?.count == 4)
    }
}
