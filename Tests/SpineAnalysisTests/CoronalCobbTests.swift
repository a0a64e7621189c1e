import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

/// A scoliotic spine: L1–L5 bodies, discs and a sacrum laid along a circular arc in the coronal plane.
///
/// In polar coordinates about the arc's centre (−R, ·, 0) a point has arc length s = R·ψ and lateral
/// offset ρ − R. Bodies are 24 mm of arc long (s_n ± 12, L1 at s = +68 … L5 at −68, 34 mm apart), 40 mm
/// wide and 30 mm deep; discs fill the 10 mm between them, 36 mm wide. Each body is symmetric about its
/// radial line at ψ_n = s_n / R, so its endplate tilt is ψ_n, and the Cobb angle from L1 to L5 is
/// 136 mm / R, i.e. `cobbDeg` by construction.
enum SyntheticScoliosis {
    static func make(cobbDeg: Double) -> Volume<UInt8> {
        let r = 136 / (cobbDeg * .pi / 180)
        let origin = SIMD3<Double>(-79.5, -29.5, -139.5)
        return Phantoms.labelMap(size: SIMD3(130, 60, 250), origin: origin) { p in
            guard abs(p.y) <= 15 else { return 0 }
            let rho = ((p.x + r) * (p.x + r) + p.z * p.z).squareRoot()
            let s = r * atan2(p.z, p.x + r), lateral = rho - r
            for n in 0..<5 {
                let sn = 68 - 34 * Double(n)
                if abs(s - sn) <= 12 { return abs(lateral) <= 20 ? 1 : 0 }
                if n < 4, s < sn - 12, s > sn - 22 { return abs(lateral) <= 18 && abs(p.y) <= 14 ? 3 : 0 }
            }
            if s < -80, s > -90 { return abs(lateral) <= 18 && abs(p.y) <= 14 ? 3 : 0 }
            if s <= -90, s > -112 { return abs(lateral) <= 22 ? 7 : 0 }
            return 0
        }
    }
}

@Suite struct CoronalCobbTests {
    @Test func scoliosisOfKnownCobbAngleIsMeasured() throws {
        let r = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(SyntheticScoliosis.make(cobbDeg: 30)), classMap: .spineKit)
        #expect(r.vertebrae.map(\.label) == ["L1", "L2", "L3", "L4", "L5"])
        let c = try #require(r.alignment.coronalCobb)
        #expect(abs(c.angleDeg - 30) < 2, "\(c.angleDeg)")
        #expect(c.upperEndVertebra == "L1" && c.lowerEndVertebra == "L5")
        #expect(c.measuredVertebrae == 5)
        // Each body's endplates lie along its radial line, at the arc angle ψ_n from patient left (+x) toward
        // superior: the arc bulges to the left, so above the apex the left side is higher (L1, ψ = +15°) and below it
        // lower (L5, ψ = −15°). `coronalTiltDeg` is positive when the left side is lower, i.e. −ψ_n.
        for (v, expected) in zip(r.vertebrae, [-15.0, -7.5, 0, 7.5, 15]) {
            let t = try #require(v.coronalTiltDeg, "\(v.label)")
            #expect(abs(t - expected) < 1, "\(v.label) \(t)")
        }
        #expect(r.findings.contains { $0.code == "scoliosis" && $0.level == "L1-L5" })
        #expect(r.csv().contains("spine,L1-L5,coronal_cobb,"))
    }

    @Test func straightSpineHasNoScoliosis() throws {
        let r = try SpineAnalyzer.analyze(labelMap: AnyVolume(SyntheticSpine.make()), classMap: .spineKit)
        let c = try #require(r.alignment.coronalCobb)
        #expect(c.angleDeg < 2, "\(c.angleDeg)")
        #expect(!r.findings.contains { $0.code == "scoliosis" })
    }

    @Test func mildCurveBelowTenDegreesIsNoFinding() throws {
        let r = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(SyntheticScoliosis.make(cobbDeg: 6)), classMap: .spineKit)
        let c = try #require(r.alignment.coronalCobb)
        #expect(abs(c.angleDeg - 6) < 2, "\(c.angleDeg)")
        #expect(!r.findings.contains { $0.code == "scoliosis" })
    }

    @Test func narrowLateralFieldOfViewGivesNoCobb() throws {
        // Bodies (36 mm wide) cut by the left and right faces of a 35 mm grid: wide and elongated enough to
        // measure, but their coronal outline is not seen, so only the border check keeps the tilt out.
        let full = SyntheticSpine.make()
        let g = full.geometry
        let cropped = Phantoms.labelMap(
            size: SIMD3(36, g.size.y, g.size.z), origin: g.worldLPS(voxelIJK: SIMD3(12, 0, 0))
        ) {
            p in
            guard let ijk = g.voxelIJK(worldLPS: p) else { return 0 }
            return full[Int(ijk.x.rounded()), Int(ijk.y.rounded()), Int(ijk.z.rounded())]
        }
        let r = try SpineAnalyzer.analyze(labelMap: AnyVolume(cropped), classMap: .spineKit)
        #expect(r.vertebrae.count == 5)
        #expect(r.alignment.coronalCobb == nil)
        #expect(r.vertebrae.allSatisfy { $0.coronalTiltDeg == nil })
    }
}
