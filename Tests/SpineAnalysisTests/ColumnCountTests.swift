import SpineImaging
import Testing

@testable import SpineAnalysis

/// Counting from C2 on a whole-spine view (hand-made columns: bodies 30 mm apart on a line, the sacrum below).
@Suite struct ColumnCountTests {
    static let thoracic: [Vertebra] = [.t1, .t2, .t3, .t4, .t5, .t6, .t7, .t8, .t9, .t10, .t11, .t12]
    static let usual: [Vertebra] = [.c2, .c3, .c4, .c5, .c6, .c7] + thoracic + [.l1, .l2, .l3, .l4, .l5]

    /// `n` bodies; the most cranial is the axis (id 1).
    static func label(
        _ n: Int, lumbarTypeCount: Int? = nil, lowestRibBearing: Int? = nil, axis: Bool = true
    ) -> ([Vertebra], [Finding]) {
        let c = EnumerationTests.column(n)
        let ribs = lowestRibBearing.flatMap { r in
            RibCount(
                orderedBodies: c.bodies,
                ribs: [.init(bodyID: Int32(r + 1), side: .left, headLPS: .zero, volumeMM3: 900, lengthMM: 45)],
                ribsInView: { _ in true })
        }
        let (named, findings) = VertebraLabeller.labelBodies(
            c.bodies, curve: c.curve, sacrumCentroidLPS: c.sacrum, anchor: .automatic, lumbarTypeCount: lumbarTypeCount,
            ribCount: ribs, axisID: axis ? 1 : nil)
        return (named.map(\.vertebra), findings)
    }

    static func anomalies(_ f: [Finding]) -> [String] {
        f.filter { $0.code == "enumeration-anomaly" }.compactMap(\.level).sorted()
    }

    /// The usual 23 bodies are the usual column, even where the wedges misread the junction.
    @Test(arguments: [5, 6, 4])
    func twentyThreeBodiesFromC2AreTheUsualColumn(lumbarTypeCount: Int) {
        let (names, findings) = Self.label(23, lumbarTypeCount: lumbarTypeCount, lowestRibBearing: 17)
        #expect(names == Self.usual)
        #expect(Self.anomalies(findings).isEmpty)
        #expect(findings.contains { $0.code == "counted-from-c2" && $0.message.contains("by the usual count") })
        #expect(!findings.contains { $0.code == "thoracic-count-assumed" }, "the thoracic count is known from C2")
    }

    @Test func ribsConfirmingTheWedgesAreSaidToAgree() {
        let (_, findings) = Self.label(24, lumbarTypeCount: 5, lowestRibBearing: 18)
        #expect(findings.contains { $0.code == "counted-from-c2" && $0.message.contains("ribs and disc wedges agree") })
    }

    /// 24 bodies: the wedges put five lumbar-type bodies over the sacrum, so the extra one is thoracic — a T13, which a
    /// lumbar field of view cannot show (counted from the sacrum the same column reads T12 … L5 with no finding).
    @Test func oneMoreBodyWithFiveLumbarTypeOnesIsAT13() {
        let (names, findings) = Self.label(24, lumbarTypeCount: 5)
        #expect(names == Self.usual.prefix(18) + [.t13, .l1, .l2, .l3, .l4, .l5])
        #expect(Self.anomalies(findings) == ["T13"])
        let (fromSacrum, sacrumFindings) = Self.label(24, lumbarTypeCount: 5, axis: false)
        #expect(fromSacrum.suffix(6) == [.t12, .l1, .l2, .l3, .l4, .l5])
        #expect(Self.anomalies(sacrumFindings).isEmpty)
    }

    @Test func oneMoreBodyWithSixLumbarTypeOnesIsAnL6() {
        let (names, findings) = Self.label(24, lumbarTypeCount: 6)
        #expect(names == Self.usual + [.l6])
        #expect(Self.anomalies(findings) == ["L6"])
    }

    /// A rib on a body the wedges call lumbar moves the junction down, and the disagreement is reported.
    @Test func ribsSplitTheColumnAndDisagreementIsReported() {
        // Lowest rib-bearing body at position 18 (the 19th body from C2): thirteen thoracic.
        let (names, findings) = Self.label(24, lumbarTypeCount: 6, lowestRibBearing: 18)
        #expect(names == Self.usual.prefix(18) + [.t13, .l1, .l2, .l3, .l4, .l5])
        #expect(findings.contains { $0.code == "count-cues-disagree" })
        let (agreeing, agreeFindings) = Self.label(24, lumbarTypeCount: 5, lowestRibBearing: 18)
        #expect(agreeing == names)
        #expect(!agreeFindings.contains { $0.code == "count-cues-disagree" })
    }

    /// Ribs seen only down to T11 (the lower ones merged with their arches) do not overrule the wedges' T13.
    @Test func ribsSeenShortOfTheWedgesJunctionAreIncompleteNotContradictory() {
        let (names, findings) = Self.label(24, lumbarTypeCount: 5, lowestRibBearing: 16)
        #expect(names == Self.usual.prefix(18) + [.t13, .l1, .l2, .l3, .l4, .l5])
        #expect(!findings.contains { $0.code == "count-cues-disagree" || $0.code == "presacral-count-unusual" })
    }

    /// Wedges that misread the junction far from T12-L1 (three lumbar-type bodies of 24: fifteen thoracic) give way
    /// to the ribs (twelve thoracic: an L6), as on whole-spine phantom seed 9017 with a kyphotic L2-L3.
    @Test func anImpossibleWedgeSplitGivesWayToTheRibs() {
        let (names, findings) = Self.label(24, lumbarTypeCount: 3, lowestRibBearing: 17)
        #expect(names == Self.usual + [.l6])
        #expect(Self.anomalies(findings) == ["L6"])
        #expect(findings.contains { $0.code == "counted-from-c2" && $0.message.contains("by ribs") })
        #expect(!findings.contains { $0.code == "presacral-count-unusual" })
    }

    @Test func fourLumbarBodiesOverTheSacrumAreReported() {
        let (names, findings) = Self.label(22, lumbarTypeCount: 4)
        #expect(names == Array(Self.usual.prefix(22)))
        #expect(Self.anomalies(findings) == ["L4"])
    }

    /// Without ribs or wedges five lumbar bodies are assumed (the extra body is named T13) and the count is reported
    /// as unusual.
    @Test func anUnusualCountWithoutCuesAssumesFiveLumbarAndIsReported() {
        let (names, findings) = Self.label(24)
        #expect(names == Self.usual.prefix(18) + [.t13, .l1, .l2, .l3, .l4, .l5])
        #expect(findings.contains { $0.code == "counted-from-c2" && $0.message.contains("by assumed five lumbar") })
        #expect(findings.contains { $0.code == "presacral-count-unusual" })
    }

    /// A count no human column has (here 30 bodies) falls back to the count from the sacrum, with a warning.
    @Test func anImpossibleCountFallsBackToTheSacrum() {
        let (names, findings) = Self.label(30, lumbarTypeCount: 5)
        #expect(names.last == .l5)
        #expect(findings.contains { $0.code == "presacral-count-unusual" })
        #expect(!findings.contains { $0.code == "counted-from-c2" })
    }

    @Test func theAxisIsTheBodyWithTheDens() {
        #expect(ColumnCount.looksLikeAxis(extentMM: 32, nextExtentsMM: [13, 13, 12]), "C2 with its dens over C3-C5")
        #expect(!ColumnCount.looksLikeAxis(extentMM: 14, nextExtentsMM: [13, 13, 12]), "C3 at the top")
        #expect(!ColumnCount.looksLikeAxis(extentMM: 22, nextExtentsMM: [23, 24, 25]), "T10 at the top")
        #expect(!ColumnCount.looksLikeAxis(extentMM: 30, nextExtentsMM: []))
    }

    /// End to end through SpineAnalyzer on a hand-made whole column (bodies and discs only, 2 mm voxels): 6 cervical
    /// bodies under lordotic discs, 13 thoracic under kyphotic ones, 5 lumbar under lordotic ones. With C2's dens on
    /// the top body the count from C2 finds the T13; the same column without the dens is counted from the sacrum and
    /// reads as a normal T12 … L5.
    @Test func aWholeColumnWithTheAxisIsCountedFromC2() throws {
        func column(dens: Bool) throws -> AnalysisReport {
            var levels =
                Array(repeating: ColumnPhantom.Level(discWedgeDeg: 3), count: 6)
                + Array(repeating: ColumnPhantom.Level(discWedgeDeg: -4), count: 13)
                + (0..<5).map { k in ColumnPhantom.Level(discWedgeDeg: 3 + 1.5 * Double(k)) }
            if dens { levels[0].bodyHeightMM = 52 }
            let map = ColumnPhantom.map(levels, halfWidthMM: 20, spacingMM: 2)
            let bodiesOnly = Volume<UInt8>(geometry: map.geometry, voxels: map.voxels.map { $0 == 2 ? 0 : $0 })
            return try SpineAnalyzer.analyze(labelMap: AnyVolume(bodiesOnly), classMap: .spineKit)
        }
        let r = try column(dens: true)
        #expect(r.vertebrae.map(\.label) == Self.usual.prefix(18).map(\.name) + ["T13", "L1", "L2", "L3", "L4", "L5"])
        #expect(Self.anomalies(r.findings) == ["T13"])
        #expect(r.findings.contains { $0.code == "counted-from-c2" && $0.message.contains("by disc wedges") })
        let flat = try column(dens: false)
        #expect(flat.vertebrae.map(\.label).suffix(6) == ["T12", "L1", "L2", "L3", "L4", "L5"])
        #expect(!flat.findings.contains { $0.code == "counted-from-c2" })
    }
}
