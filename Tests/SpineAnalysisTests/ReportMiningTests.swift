import Foundation
import Testing

@testable import SpineAnalysis

/// Report snippets with the labels a reader would take from them.
@Suite struct ReportMiningTests {
    /// What one snippet must say about one level ("-" for the unassigned statements).
    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var level: String
        var central: ReportSeverity?? = .none
        var foraminal: SidedSeverity?? = .none
        var subarticular: SidedSeverity?? = .none
        var listhesis: ListhesisLabel?? = .none
        var disc: [DiscLabel]? = nil
        var testDescription: String { text }
    }

    typealias S = SidedSeverity
    static func both(_ s: ReportSeverity) -> SidedSeverity { SidedSeverity(left: s, right: s) }

    static let cases: [Case] = [
        // Level phrasings.
        Case(text: "Mild central canal stenosis at L4-5.", level: "L4-L5", central: .mild),
        Case(text: "Moderate spinal canal stenosis at L4/L5.", level: "L4-L5", central: .moderate),
        Case(text: "At the L4-L5 level there is severe central stenosis.", level: "L4-L5", central: .severe),
        Case(text: "Severe canal narrowing at L5-S1.", level: "L5-S1", central: .severe),
        Case(text: "Moderate left foraminal stenosis at L4-L5 level.", level: "L4-L5", foraminal: S(left: .moderate)),
        Case(
            text: "L4/5: small right subarticular disc protrusion narrowing the right lateral recess.", level: "L4-L5",
            subarticular: S(right: .present), disc: [DiscLabel(kind: .protrusion, present: true, side: .right)]),
        Case(text: "L3-4: Mild disc bulge.", level: "L3-L4", disc: [DiscLabel(kind: .bulge, present: true)]),
        Case(text: "There is mild stenosis at L4 - L5.", level: "L4-L5", central: .mild),
        Case(
            text: "Grade 1 anterolisthesis of L4 on L5.", level: "L4-L5",
            listhesis: ListhesisLabel(present: true, kind: .anterolisthesis, grade: 1)),
        Case(
            text: "L5S1 central disc protrusion.", level: "L5-S1", disc: [DiscLabel(kind: .protrusion, present: true)]),
        Case(text: "Disc bulge at T12-L1.", level: "T12-L1", disc: [DiscLabel(kind: .bulge, present: true)]),
        // Negations.
        Case(
            text: "L2-3: No significant stenosis.", level: "L2-L3", central: .absent, foraminal: both(.absent),
            subarticular: both(.absent)),
        Case(
            text: "At L1-L2, there is no disc herniation or stenosis.", level: "L1-L2", central: .absent,
            foraminal: both(.absent),
            subarticular: both(.absent), disc: [DiscLabel(kind: .herniation, present: false)]),
        Case(
            text: "L3-4 disc bulge without central canal stenosis.", level: "L3-L4", central: .absent, foraminal: .none,
            disc: [DiscLabel(kind: .bulge, present: true)]),
        Case(
            text: "L4-5 is negative for foraminal stenosis.", level: "L4-L5", central: .none, foraminal: both(.absent)),
        Case(
            text: "L5-S1: The central canal and neural foramina are patent.", level: "L5-S1", central: .absent,
            foraminal: both(.absent)),
        Case(
            text: "At L2-3 there is no disc bulge, protrusion or extrusion.", level: "L2-L3",
            disc: [
                DiscLabel(kind: .bulge, present: false), DiscLabel(kind: .protrusion, present: false),
                DiscLabel(kind: .extrusion, present: false),
            ]),
        Case(
            text: "No central stenosis at L3-4, but mild left foraminal narrowing.", level: "L3-L4", central: .absent,
            foraminal: S(left: .mild)),
        Case(text: "L4-5: Stenosis is not seen.", level: "L4-L5", central: .absent),
        // Lists and several findings.
        Case(text: "Mild bilateral foraminal narrowing at L3-4 and L4-5.", level: "L3-L4", foraminal: both(.mild)),
        Case(text: "Mild bilateral foraminal narrowing at L3-4 and L4-5.", level: "L4-L5", foraminal: both(.mild)),
        Case(
            text: "Moderate central canal stenosis and mild right foraminal narrowing at L4-5.", level: "L4-L5",
            central: .moderate, foraminal: S(right: .mild)),
        Case(
            text:
                "At L4-5, a broad-based disc bulge and facet arthropathy cause moderate central canal stenosis and severe left and mild right foraminal narrowing.",
            level: "L4-L5", central: .moderate, foraminal: S(left: .severe, right: .mild),
            disc: [DiscLabel(kind: .bulge, present: true)]),
        Case(
            text: "Mild spinal stenosis at L3-4, moderate at L4-5 and severe at L5-S1.", level: "L3-L4", central: .mild),
        Case(
            text: "Mild spinal stenosis at L3-4, moderate at L4-5 and severe at L5-S1.", level: "L4-L5",
            central: .moderate),
        Case(
            text: "Mild spinal stenosis at L3-4, moderate at L4-5 and severe at L5-S1.", level: "L5-S1",
            central: .severe),
        Case(
            text: "Multilevel mild foraminal stenosis from L3 to L5.", level: "L3-L4",
            foraminal: S(unspecifiedSide: .mild)),
        Case(
            text: "Multilevel mild foraminal stenosis from L3 to L5.", level: "L4-L5",
            foraminal: S(unspecifiedSide: .mild)),
        Case(
            text: "Mild to moderate bilateral subarticular recess narrowing at L4-5.", level: "L4-L5",
            subarticular: both(.moderate)),
        Case(
            text: "Moderate foraminal narrowing at L5-S1, left greater than right.", level: "L5-S1",
            foraminal: both(.moderate)),
        Case(
            text: "Narrowing of the right neural foramen at L4-5 is severe.", level: "L4-L5", central: .none,
            foraminal: S(right: .severe)),
        Case(
            text: "Left paracentral disc extrusion at L5-S1 contacting the descending left S1 nerve root.",
            level: "L5-S1",
            disc: [DiscLabel(kind: .extrusion, present: true, side: .left)]),
        Case(
            text: "Mild lateral recess stenosis at L4-5.", level: "L4-L5", central: .none,
            subarticular: S(unspecifiedSide: .mild)),
        // Level carried over to the next sentence.
        Case(
            text:
                "At L4-5 there is a broad-based disc bulge. This results in moderate central canal stenosis. The foramina are patent.",
            level: "L4-L5", central: .moderate, foraminal: both(.absent), disc: [DiscLabel(kind: .bulge, present: true)]
        ),
        Case(
            text: "L4-L5:\nDisc desiccation and a small central protrusion.\nNo foraminal stenosis.", level: "L4-L5",
            foraminal: both(.absent),
            disc: [DiscLabel(kind: .protrusion, present: true)]),
        // Listhesis.
        Case(
            text: "There is a 4 mm retrolisthesis of L2 on L3.", level: "L2-L3",
            listhesis: ListhesisLabel(present: true, kind: .retrolisthesis, distanceMM: 4)),
        Case(
            text: "Grade II spondylolisthesis at L5-S1 with bilateral pars defects.", level: "L5-S1",
            listhesis: ListhesisLabel(present: true, kind: .spondylolisthesis, grade: 2)),
        Case(
            text: "Anterolisthesis of L4 is noted.", level: "L4-L5",
            listhesis: ListhesisLabel(present: true, kind: .anterolisthesis)),
        Case(text: "No spondylolisthesis.", level: "-", listhesis: ListhesisLabel(present: false)),
        Case(
            text: "L1-2: Unremarkable.", level: "L1-L2", central: .absent, foraminal: both(.absent),
            subarticular: both(.absent)),
        Case(
            text: "L2-3: Normal.", level: "L2-L3", central: .absent, foraminal: both(.absent),
            subarticular: both(.absent)),
    ]

    @Test(arguments: cases)
    func snippet(_ c: Case) throws {
        let r = ReportMiner.labels(from: c.text)
        let l = try #require(c.level == "-" ? r.unassigned : r[level: c.level], "no labels for \(c.level): \(r)")
        if let x = c.central { #expect(l.centralCanal == x, "central") }
        if let x = c.foraminal { #expect(l.foraminal == x, "foraminal: \(String(describing: l.foraminal))") }
        if let x = c.subarticular {
            #expect(l.subarticular == x, "subarticular: \(String(describing: l.subarticular))")
        }
        if let x = c.listhesis { #expect(l.listhesis == x, "listhesis: \(String(describing: l.listhesis))") }
        if let x = c.disc { #expect(l.disc == x, "disc: \(l.disc)") }
    }

    @Test func snippetCount() { #expect(Set(Self.cases.map(\.text)).count >= 25) }

    @Test func levelsOfAFullReport() throws {
        let report = """
            FINDINGS:
            Alignment: Grade 1 anterolisthesis of L4 on L5. Vertebral body heights are maintained.
            L1-L2: Unremarkable.
            L2-L3: Mild disc bulge without stenosis.
            L3-L4: Mild disc bulge and facet hypertrophy with mild bilateral foraminal narrowing. No central canal stenosis.
            L4-L5: Disc bulge with superimposed right paracentral protrusion. Moderate central canal stenosis. Severe right and moderate left neural foraminal narrowing.
            L5-S1: No disc herniation. Neural foramina are patent.

            IMPRESSION:
            1. Moderate central canal stenosis at L4-5 and severe right foraminal stenosis.
            2. No significant stenosis at L5-S1.
            """
        let r = ReportMiner.labels(from: report)
        #expect(r.levels.compactMap(\.level) == ["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"])
        #expect(r[level: "L2-3"]?.centralCanal == .absent && r[level: "L2-3"]?.foraminal == Self.both(.absent))
        #expect(r[level: "L3-4"]?.foraminal == Self.both(.mild) && r[level: "L3-4"]?.centralCanal == .absent)
        let l45 = try #require(r[level: "L4-5"])
        #expect(l45.centralCanal == .moderate)
        #expect(l45.foraminal == SidedSeverity(left: .moderate, right: .severe))
        #expect(l45.listhesis == ListhesisLabel(present: true, kind: .anterolisthesis, grade: 1))
        #expect(
            l45.disc == [
                DiscLabel(kind: .bulge, present: true), DiscLabel(kind: .protrusion, present: true, side: .right),
            ])
        #expect(r[level: "L5-S1"]?.disc == [DiscLabel(kind: .herniation, present: false)])
        #expect(r[level: "L5-S1"]?.centralCanal == .absent)
        #expect(r.unassigned == nil)
    }

    @Test func tokensAndLevels() {
        #expect(ReportToken.tokens("L4-5") == [.levels([DiscLevel(upper: .l4, lower: .l5)])])
        #expect(ReportToken.tokens("l3-4 through l5-s1").first?.levels?.map(\.name) == ["L3-L4", "L4-L5", "L5-S1"])
        #expect(ReportToken.tokens("L5-L6").first?.levels?.map(\.name) == ["L5-L6"])
        #expect(ReportToken.tokens("3.5 mm") == [.number(3.5), .word("mm")])
        #expect(ReportToken.sentences("A at L4-5.\nB is 3.5 mm. C\n\nD") == ["A at L4-5", "B is 3.5 mm", "C", "D"])
        #expect(ReportMiner.labels(from: "").levels.isEmpty)
        #expect(ReportMiner.labels(from: "No high-grade stenosis at L1-2.").levels.isEmpty)
        #expect(
            ReportMiner.labels(from: "Vertebral body heights are maintained.")
                == ReportLabels(levels: [], unassigned: nil))
    }
}
