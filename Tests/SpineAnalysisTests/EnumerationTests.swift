import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

/// Counting levels from the sacrum: an L6 seen at the thoracolumbar junction is named and reported; thoracic names
/// counted from below are marked as assuming twelve thoracic vertebrae.
@Suite struct EnumerationTests {
    /// `n` bodies 30 mm apart along LPS z, the lowest at z = 0, and a sacrum below.
    static func column(_ n: Int) -> (bodies: [LabellingCandidate], curve: SpineCurve?, sacrum: SIMD3<Double>) {
        let bodies = (0..<n).map { k in
            LabellingCandidate(id: Int32(k + 1), centroidLPS: SIMD3(0, 0, Double(n - 1 - k) * 30))
        }
        return (bodies, SpineCurve(throughLPS: bodies.map(\.centroidLPS)), SIMD3(0, 0, -35))
    }

    @Test(arguments: [
        // Thoracic discs kyphotic, lumbar lordotic: the bodies below the junction are counted.
        ([-1.5, -1.5, 1.0, 2.0, 5.0, 9.0] as [Double?], 5 as Int?),
        ([-3.0, -1.5, -1.5, 1.0, 1.0, 2.0, 5.0, 9.0], 6),
        // No kyphotic disc (the field of view starts in the lumbar spine): undecided.
        ([1.0, 2.0, 3.0, 5.0, 9.0], nil),
        // One flat or kyphotic (degenerate) lumbar disc, or an unmeasured one, does not move the junction.
        ([-3.0, -2.5, -1.5, 1.0, 2.0, -1.0, 5.0, 9.0], 6),
        ([-3.0, -2.5, -1.5, 1.0, 0.1, 3.0, nil, 9.0], 6),
        ([-2.5, -1.5, 1.0, 2.0, -0.7, 9.0], 5),
        // A junction disc in the neutral band leaves two splits equally good by votes: its sign decides (slightly
        // kyphotic: thoracic-type above it; slightly lordotic: lumbar-type below the kyphotic disc above it).
        ([-3.0, -2.5, -0.2, 2.0, 3.0, 5.0, 9.0], 5),
        ([-3.0, -2.5, 0.2, 2.0, 3.0, 5.0, 9.0], 6),
        // Exactly flat: undecided.
        ([-3.0, -2.5, 0.0, 2.0, 3.0, 5.0, 9.0], nil),
    ])
    func lumbarTypeCount(angles: [Double?], expected: Int?) {
        #expect(ThoracolumbarJunction.lumbarTypeCount(discAnglesDeg: angles) == expected)
    }

    @Test func sixLumbarTypeBodiesNameAnL6AndReportIt() {
        let c = Self.column(9)
        let (named, findings) = VertebraLabeller.labelBodies(
            c.bodies, curve: c.curve, sacrumCentroidLPS: c.sacrum, anchor: .automatic, lumbarTypeCount: 6)
        #expect(named.map(\.vertebra) == [.t10, .t11, .t12, .l1, .l2, .l3, .l4, .l5, .l6])
        #expect(findings.contains { $0.code == "enumeration-anomaly" && $0.level == "L6" })
        #expect(named.last!.confidence < 0.95)
        // The discs between L5 and L6 and below L6 are named as such, with no adjacency warning.
        let discs = (0..<8).map { k in
            LabellingCandidate(id: Int32(100 + k), centroidLPS: SIMD3(0, 0, Double(7 - k) * 30 + 15))
        } + [LabellingCandidate(id: 200, centroidLPS: SIMD3(0, 0, -17))]
        let (levels, discFindings) = VertebraLabeller.labelDiscs(
            discs, bodies: named, curve: c.curve, sacrumCentroidLPS: c.sacrum, anchor: .automatic)
        #expect(levels.map(\.level.name).suffix(3) == ["L4-L5", "L5-L6", "L6-S1"])
        #expect(!discFindings.contains { $0.code == "disc-between-non-adjacent" })
    }

    @Test(arguments: [nil, 5, 4, 7] as [Int?])
    func otherCountsKeepL5OverTheSacrum(count: Int?) {
        let c = Self.column(8)
        let (named, findings) = VertebraLabeller.labelBodies(
            c.bodies, curve: c.curve, sacrumCentroidLPS: c.sacrum, anchor: .automatic, lumbarTypeCount: count)
        #expect(named.map(\.vertebra) == [.t10, .t11, .t12, .l1, .l2, .l3, .l4, .l5])
        #expect(!findings.contains { $0.code == "enumeration-anomaly" })
    }

    @Test func thoracicNamesCountedFromBelowAreMarkedAsAssumed() {
        let c = Self.column(8)
        let (named, findings) = VertebraLabeller.labelBodies(
            c.bodies, curve: c.curve, sacrumCentroidLPS: c.sacrum, anchor: .automatic)
        for v in named where v.vertebra.region == .thoracic {
            #expect(v.confidence <= VertebraLabeller.countedThoracicConfidence)
            #expect(v.cue.contains("twelve thoracic"))
        }
        for v in named where v.vertebra.region == .lumbar { #expect(v.confidence > 0.9) }
        let f = findings.first { $0.code == "thoracic-count-assumed" }
        #expect(f?.severity == .info)
        // Lumbar bodies only: nothing assumed about the thoracic count.
        let lumbar = Self.column(5)
        let (_, lumbarFindings) = VertebraLabeller.labelBodies(
            lumbar.bodies, curve: lumbar.curve, sacrumCentroidLPS: lumbar.sacrum, anchor: .automatic)
        #expect(!lumbarFindings.contains { $0.code == "thoracic-count-assumed" })
    }

    @Test func namesFromTheClassMapAreNotMarked() {
        var c = Self.column(3)
        for (n, v) in [Vertebra.t12, .l1, .l2].enumerated() { c.bodies[n].knownVertebra = v }
        let (named, findings) = VertebraLabeller.labelBodies(
            c.bodies, curve: c.curve, sacrumCentroidLPS: nil, anchor: .automatic)
        #expect(named.map(\.confidence) == [1, 1, 1])
        #expect(!findings.contains { $0.code == "thoracic-count-assumed" })
    }
}
