import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

/// Enumeration anomalies at the lumbosacral junction: a sacralised L5 is reported, never renumbered.
@Suite struct TransitionalVertebraTests {
    /// L1–L5 bodies (24 mm) over a sacrum, with the disc heights given cranial to caudal (the last is L5-S1).
    static func spine(discHeightsMM: [Double]) -> Volume<UInt8> {
        Phantoms.labelMap(size: SIMD3(40, 50, 200), origin: SIMD3(-19.5, -24.5, -189.5)) { p in
            guard abs(p.x) <= 18, abs(p.y) <= 15 else { return 0 }
            var top = 0.0
            for n in 0..<5 {
                if p.z <= top && p.z > top - 24 { return 1 }
                top -= 24
                if p.z <= top && p.z > top - discHeightsMM[n] { return 3 }
                top -= discHeightsMM[n]
            }
            return p.z <= top && p.z > top - 25 ? 7 : 0
        }
    }

    @Test func rudimentaryLumbosacralDiscIsFlaggedNotRenumbered() throws {
        // The phantom's sacralised L5 keeps a 3 mm disc with the sacrum (SpinePhantom, `transitional`).
        let r = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(Self.spine(discHeightsMM: [10, 10, 11, 11, 3])), classMap: .spineKit)
        #expect(r.vertebrae.map(\.label) == ["L1", "L2", "L3", "L4", "L5"])
        #expect(r.discs.map(\.level).last == "L5-S1")
        let f = try #require(r.findings.first { $0.code == "possible-transitional-vertebra" })
        #expect(f.level == "L5-S1" && f.severity == .warning)
        #expect(f.message.contains("sacralised L5") && f.message.contains("not renumbered"))
    }

    @Test func normalLumbosacralDiscIsNotFlagged() throws {
        let r = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(Self.spine(discHeightsMM: [10, 10, 11, 11, 9])), classMap: .spineKit)
        #expect(!r.findings.contains { $0.code == "possible-transitional-vertebra" })
        #expect(!r.findings.contains { $0.code == "enumeration-anomaly" })
    }

    @Test func namedSacralisedL5MapKeepsItsNames() throws {
        // VerSe instances L2–L5 and the sacrum (26) with a thin L5-S1 disc (124): names kept, finding raised.
        let map = Phantoms.labelMap(size: SIMD3(40, 50, 160), origin: SIMD3(-19.5, -24.5, -149.5)) { p in
            guard abs(p.x) <= 18, abs(p.y) <= 15 else { return 0 }
            let bodies: [UInt8] = [21, 22, 23, 24], discs: [UInt8] = [121, 122, 123, 124]
            let heights = [10.0, 10, 11, 3]
            var top = 0.0
            for n in 0..<4 {
                if p.z <= top && p.z > top - 24 { return bodies[n] }
                top -= 24
                if p.z <= top && p.z > top - heights[n] { return discs[n] }
                top -= heights[n]
            }
            return p.z <= top && p.z > top - 25 ? 26 : 0
        }
        let r = try SpineAnalyzer.analyze(labelMap: AnyVolume(map), classMap: .verse)
        #expect(r.vertebrae.map(\.label) == ["L2", "L3", "L4", "L5"])
        #expect(r.findings.contains { $0.code == "possible-transitional-vertebra" && $0.level == "L5-S1" })
    }

    @Test func namedLumbarSpineStoppingAtL4OverTheSacrumIsAnAnomaly() throws {
        // VerSe L1–L4 (20–23) and the sacrum (26) right below L4: four free lumbar vertebrae.
        let map = Phantoms.labelMap(size: SIMD3(40, 50, 170), origin: SIMD3(-19.5, -24.5, -159.5)) { p in
            guard abs(p.x) <= 18, abs(p.y) <= 15 else { return 0 }
            var top = 0.0
            for label: UInt8 in [20, 21, 22, 23] {
                if p.z <= top && p.z > top - 24 { return label }
                top -= 34
            }
            return p.z <= top && p.z > top - 25 ? 26 : 0
        }
        let r = try SpineAnalyzer.analyze(labelMap: AnyVolume(map), classMap: .verse)
        #expect(r.vertebrae.map(\.label) == ["L1", "L2", "L3", "L4"])
        let f = try #require(r.findings.first { $0.code == "enumeration-anomaly" })
        #expect(f.level == "L4" && f.message.contains("sacralised L5"))
    }
}
