import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

/// Vertebral bodies joined across a segmented disc, and discs that fall on one level.
@Suite struct DiscCuttingTests {
    /// Two 20 mm bodies (z 0…20 and 30…50) with a 10 mm disc between them, joined by a 2×2 mm bridge
    /// through the disc at its posterior rim — as a segmentation model leaves them.
    static func bridgedBodies(bridge: Bool = true) -> Volume<UInt8> {
        Phantoms.labelMap(size: SIMD3(30, 40, 56)) { p in
            guard (5...25).contains(p.x), (5...35).contains(p.y), p.z >= 2, p.z < 52 else { return 0 }
            if p.z >= 22 && p.z < 32 {
                if bridge && (14...15).contains(p.x) && (34...35).contains(p.y) { return 1 }
                return 3
            }
            return 1
        }
    }

    static func discPlanes(_ v: Volume<UInt8>) -> [DiscPlane] {
        let discs = Volume<UInt8>(geometry: v.geometry, voxels: v.voxels.map { $0 == 3 ? 1 : 0 })
            .connectedComponents()
        let members = InstanceVoxels(discs.labels)
        return discs.components.compactMap { DiscPlane(pointsLPS: members.pointsLPS([$0.id], geometry: v.geometry)) }
    }

    static func bodies(_ v: Volume<UInt8>) -> ConnectedComponents {
        Volume<UInt8>(geometry: v.geometry, voxels: v.voxels.map { $0 == 1 ? 1 : 0 }).connectedComponents()
    }

    @Test func discPlaneIsTheThinAxis() throws {
        let plane = try #require(Self.discPlanes(Self.bridgedBodies(bridge: false)).first)
        #expect(abs(abs(plane.normalLPS.z) - 1) < 1e-6)
        #expect(abs(plane.centroidLPS.z - 26.5) < 1e-6)
        #expect(plane.radiusMM > 15)
    }

    @Test func bodiesJoinedAcrossADiscAreCut() {
        let v = Self.bridgedBodies()
        let joined = Self.bodies(v)
        #expect(joined.components.count == 1)
        let cut = joined.cuttingAcrossDiscs(Self.discPlanes(v))
        #expect(cut.components.count == 2)
        // Cranial first; each body 21 × 31 × 20 voxels plus the half of the 2 × 2 × 10 bridge on its side.
        #expect(cut.components.map(\.voxelCount) == [21 * 31 * 20 + 20, 21 * 31 * 20 + 20])
        #expect(abs(cut.components[0].centroidLPS.z - 41.5) < 0.2)
        #expect(abs(cut.components[1].centroidLPS.z - 11.5) < 0.2)
    }

    @Test func bodiesNextToADiscAreNotCut() {
        let v = Self.bridgedBodies(bridge: false)
        let apart = Self.bodies(v)
        #expect(apart.components.count == 2)
        let cut = apart.cuttingAcrossDiscs(Self.discPlanes(v))
        #expect(cut.labels.voxels == apart.labels.voxels)
        #expect(cut.components.map(\.voxelCount) == apart.components.map(\.voxelCount))
    }

    @Test func aSmallPieceJoinsTheBodyInItsDiscSpace() {
        // The upper body (z 32…51) is split by an empty plane at z = 48 into 16 and 3 slices.
        let v = Phantoms.labelMap(size: SIMD3(30, 40, 56)) { p in
            guard (5...25).contains(p.x), (5...35).contains(p.y), p.z >= 2, p.z < 52, p.z != 48 else { return 0 }
            return p.z >= 22 && p.z < 32 ? 3 : 1
        }
        let pieces = Self.bodies(v)
        #expect(pieces.components.count == 3)
        let merged = pieces.mergingPiecesWithinDiscSpaces(Self.discPlanes(v))
        #expect(merged.components.map(\.voxelCount).sorted() == [21 * 31 * 19, 21 * 31 * 20])
    }

    @Test func aSmallPieceAcrossADiscStaysApart() {
        // A 3 mm slab of the next body (z 26…28, cut by the image edge) above a 4 mm disc: its own vertebra.
        let v = Phantoms.labelMap(size: SIMD3(30, 40, 29)) { p in
            guard (5...25).contains(p.x), (5...35).contains(p.y), p.z >= 2 else { return 0 }
            return p.z >= 22 && p.z < 26 ? 3 : 1
        }
        let pieces = Self.bodies(v)
        #expect(pieces.components.count == 2)
        let merged = pieces.mergingPiecesWithinDiscSpaces(Self.discPlanes(v))
        #expect(merged.components.count == 2)
    }

    @Test func analyzerNamesBridgedBodiesApart() throws {
        // Bridged pair above a sacrum block: the two bodies must come out as L4 and L5.
        let v = Phantoms.labelMap(size: SIMD3(30, 40, 80)) { p in
            guard (5...25).contains(p.x), (5...35).contains(p.y), p.z >= 2, p.z < 76 else { return 0 }
            switch p.z {
            case ..<16: return 7
            case ..<26: return 3
            case ..<46: return 1
            case ..<56: return (14...15).contains(p.x) && (34...35).contains(p.y) ? 1 : 3
            default: return 1
            }
        }
        let report = try SpineAnalyzer.analyze(labelMap: AnyVolume(v), classMap: .spineKit)
        #expect(report.vertebrae.map(\.label) == ["L4", "L5"])
        #expect(report.discs.map(\.level) == ["L4-L5", "L5-S1"])
        #expect(report.findings.contains { $0.code == "bodies-cut-at-discs" })
        var off = AnalysisOptions()
        off.discCutting = nil
        let uncut = try SpineAnalyzer.analyze(labelMap: AnyVolume(v), classMap: .spineKit, options: off)
        #expect(uncut.vertebrae.map(\.label) == ["L5"])
    }
}

@Suite struct DuplicateDiscLevelTests {
    static let curve = SpineCurve(throughLPS: (0..<5).map { SIMD3(0, 0, Double(-30 * $0)) })

    static func body(_ v: Vertebra, z: Double, id: Int32) -> LabelledVertebra {
        LabelledVertebra(id: id, vertebra: v, confidence: 0.9, cue: "test", centroidLPS: SIMD3(0, 0, z))
    }

    @Test func twoDiscsBetweenTheSameBodiesGetTwoLevels() {
        // L1 at z = 0 and L2 at z = −60 (a body between them was missed); discs at −15 and −40.
        let bodies = [Self.body(.l1, z: 0, id: 1), Self.body(.l2, z: -60, id: 2)]
        let discs = [-15.0, -40].enumerated().map {
            LabellingCandidate(id: Int32(10 + $0.offset), centroidLPS: SIMD3(0, 0, $0.element))
        }
        let (named, findings) = VertebraLabeller.labelDiscs(
            discs, bodies: bodies, curve: Self.curve, sacrumCentroidLPS: nil, anchor: .automatic)
        // The disc nearest the bodies' midpoint keeps L1-L2; the other is counted one level up.
        #expect(named.map(\.level.name) == ["T12-L1", "L1-L2"])
        #expect(named.map(\.id) == [10, 11])
        #expect(findings.contains { $0.code == "duplicate-disc" })
    }

    @Test func aDuplicateWithNoFreeLevelStaysUnnamed() {
        // Three discs caudal to the lowest body L5: L5-S1 is the only level below it.
        let bodies = [Self.body(.l4, z: 0, id: 1), Self.body(.l5, z: -30, id: 2)]
        let discs = [-15.0, -45, -60, -75].enumerated().map {
            LabellingCandidate(id: Int32(10 + $0.offset), centroidLPS: SIMD3(0, 0, $0.element))
        }
        let (named, _) = VertebraLabeller.labelDiscs(
            discs, bodies: bodies, curve: Self.curve, sacrumCentroidLPS: nil, anchor: .automatic)
        #expect(named.map(\.level.name) == ["L4-L5", "L5-S1"])
        #expect(named.last?.id == 11)
    }
}

/// Label maps predicted by the bundled lumbar-sagittal-11class model on phantom studies where naming
/// used to fail (bodies joined across a disc); see `Tests/Fixtures/naming/README.md`.
@Suite struct PredictedLabelMapNamingTests {
    struct Truth: Decodable {
        struct Named: Decodable {
            var name: String?
            var level: String?
            var centreLPS: [Double]
            var point: SIMD3<Double> { SIMD3(centreLPS[0], centreLPS[1], centreLPS[2]) }
        }
        var vertebrae: [Named]
        var discs: [Named]
    }

    static let folder = AnalysisTestData.fixtures.appendingPathComponent("naming")

    @Test(arguments: [9003, 9004, 9008, 9010, 9014, 9015])
    func everyVertebraAndDiscIsNamedOnce(seed: Int) throws {
        let all = try JSONDecoder().decode(
            [String: Truth].self, from: Data(contentsOf: Self.folder.appendingPathComponent("truth.json")))
        let truth = try #require(all["\(seed)"])
        let map = try NIfTI.read(path: Self.folder.appendingPathComponent("mri-\(seed)-predicted.nii.gz").path)
        let report = try SpineAnalyzer.analyze(labelMap: map, classMap: .spineKit)

        // Each reported body is the truth vertebra nearest its centroid (≤ 20 mm), as `spine evaluate` scores.
        for v in report.vertebrae {
            let c = v.centroidLPS
            let nearest = try #require(truth.vertebrae.min { ($0.point - c).length < ($1.point - c).length })
            #expect(nearest.name == v.label && (nearest.point - c).length <= 20, "seed \(seed): \(v.label)")
        }
        let reported = Set(report.vertebrae.map(\.label))
        for name in ["L1", "L2", "L3", "L4", "L5"] { #expect(reported.contains(name), "seed \(seed): \(name) missing") }
        #expect(reported.count == report.vertebrae.count, "seed \(seed): a name given twice")

        // Each disc level once, and each at its truth disc (the truth lists T10-T11 and below only).
        let levels = report.discs.map(\.level)
        #expect(Set(levels).count == levels.count, "seed \(seed): \(levels)")
        for d in report.discs {
            let c = d.centroidLPS
            let nearest = try #require(truth.discs.min { ($0.point - c).length < ($1.point - c).length })
            if (nearest.point - c).length > 10 {
                #expect(d.level == "T9-T10" && c.z > nearest.point.z, "seed \(seed): disc \(d.level) off the truth")
                continue
            }
            #expect(nearest.level == d.level, "seed \(seed): disc \(d.level)")
        }
        #expect(!report.findings.contains { $0.code == "duplicate-disc" || $0.code == "duplicate-vertebra" })
    }
}
