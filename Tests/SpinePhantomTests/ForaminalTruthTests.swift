import Foundation
import SpineImaging
import Testing

@testable import SpinePhantom

/// The foraminal truth (schema 2) against an independent measurement of the generated class map on the
/// recorded plane, and the narrowing's effect and parameter checks.
@Suite struct ForaminalTruthTests {
    /// The foramen measured on a class label map by sampling the recorded plane every `step` mm (nearest voxel):
    /// bone = classes 1, 2, 7, disc = 3, anything else open; the open region behind the disc at its mid-plane,
    /// 4-connected; height = longest run along the superior axis with bone directly above and below.
    static func measure(
        _ classes: Volume<UInt8>, truth f: PhantomTruth.ForamenTruth, reachMM: Double, step: Double = 0.25
    ) -> (heightMM: Double, areaMM2: Double)? {
        let p = PhantomTestSupport.vec(f.planePointLPS), up = PhantomTestSupport.vec(f.planeSuperiorLPS)
        let ant = PhantomTestSupport.vec(f.planeAnteriorLPS)
        let halfU = 1.6 * reachMM, aLo = -60.0, aHi = 10.0
        let nu = Int(2 * halfU / step) + 1, na = Int((aHi - aLo) / step) + 1
        var kind = [UInt8](repeating: 0, count: nu * na)
        for r in 0..<nu {
            for c in 0..<na {
                let q = p + up * (-halfU + Double(r) * step) + ant * (aLo + Double(c) * step)
                switch PhantomTestSupport.label(classes, q) ?? 0 {
                case 1, 2, 7: kind[c + na * r] = 2
                case 3: kind[c + na * r] = 3
                default: kind[c + na * r] = 0
                }
            }
        }
        let r0 = nu / 2
        var seed: Int? = nil
        search: for dr in [0, 1, -1, 2, -2, 4, -4, 8, -8] {
            var solid = false
            for c in stride(from: na - 1, through: 0, by: -1) {
                let k = kind[c + na * (r0 + dr)]
                if k == 3 {
                    solid = true
                } else if solid && k == 0 {
                    seed = c + na * (r0 + dr)
                    break search
                }
            }
        }
        guard let seed else { return nil }
        var region = Set([seed])
        var stack = [seed]
        while let n = stack.popLast() {
            let c = n % na, r = n / na
            if c == 0 || r == 0 || c == na - 1 || r == nu - 1 { return nil }
            for q in [n + 1, n - 1, n + na, n - na] where kind[q] == 0 && !region.contains(q) {
                region.insert(q)
                stack.append(q)
            }
        }
        var height = 0
        for c in 0..<na {
            var r = 1
            while r < nu {
                if region.contains(c + na * r) {
                    let start = r
                    while r < nu, region.contains(c + na * r) { r += 1 }
                    if r < nu, kind[c + na * (start - 1)] == 2, kind[c + na * r] == 2 {
                        height = max(height, r - start)
                    }
                } else {
                    r += 1
                }
            }
        }
        return (Double(height) * step, Double(region.count) * step * step)
    }

    /// A class map around one foramen: 0.5 mm voxels, 5 slices across the plane, the grid rotated 5° in plane and
    /// 2° out of it, so voxel axes are not the plane's axes.
    static func classMap(_ model: SpineModel, disc i: Int, offsetMM: Double) -> Volume<UInt8> {
        let d = model.discs[i]
        let t = 5 * Double.pi / 180
        let up = model.superiorAxis(d.frame, d.coronal), posterior = SIMD3(0, d.frame.uz, -d.frame.uy)
        let row = MRProtocol.rotate(posterior, SIMD3(t, 0.035, 0)), col = MRProtocol.rotate(-up, SIMD3(t, 0.035, 0))
        let c = model.bodyPoint(d.frame, d.coronal, a: -d.ra - 12, u: 0, x: offsetMM)
        return MRRenderer.labels(
            model,
            on: MRProtocol.grid(
                model, centreBody: c, rowBody: row, colBody: col, size: SIMD3(150, 170, 5),
                spacing: SIMD3(0.5, 0.5, 0.5))
        ).classes
    }

    static func check(_ p: PhantomParameters, levels: Set<Vertebra>? = nil) throws -> [PhantomTruth.ForamenTruth] {
        let model = try SpineModel(parameters: p)
        let truth = model.anatomyTruth()
        var checked: [PhantomTruth.ForamenTruth] = []
        for (i, d) in truth.discs.enumerated() where levels?.contains(d.upper) ?? true {
            let upper = truth.vertebrae[i]
            let reach = (PhantomTestSupport.vec(upper.centreWorldLPS) - PhantomTestSupport.vec(d.centreWorldLPS))
                .length
            for f in d.foramina {
                guard let h = f.heightMM, let peak = f.peakHeightMM, let area = f.areaMM2, let grade = f.grade else {
                    continue
                }
                let map = classMap(model, disc: i, offsetMM: f.planeOffsetMM)
                let m = try #require(measure(map, truth: f, reachMM: reach), "seed \(p.seed) \(d.level) \(f.side)")
                // Within a voxel (its diagonal) of the height over 0.5 mm of depth, or of a single column's peak. Where the
                // two differ by more than 1 mm, the longest column runs up a slit between a pedicle and its body's wall
                // whose resolved length depends on the voxel grid: there only the lower bound holds.
                let voxel = 0.5 * 2.0.squareRoot()
                let upper = peak - h > 1 ? Double.infinity : peak + voxel
                #expect(
                    m.heightMM >= h - voxel && m.heightMM <= upper,
                    "seed \(p.seed) \(d.level) \(f.side) height \(m.heightMM) vs \(h)…\(peak)")
                #expect(
                    abs(m.areaMM2 - area) <= 0.12 * area,
                    "seed \(p.seed) \(d.level) \(f.side) area \(m.areaMM2) vs \(area)")
                #expect(grade == SpineModel.foraminalGrade(heightMM: h, areaMM2: area))
                checked.append(f)
            }
        }
        return checked
    }

    @Test(arguments: [UInt64(1), 2, 3, 11])
    func truthMatchesTheClassMapOnItsPlane(seed: UInt64) throws {
        let checked = try Self.check(PhantomParameters(seed: seed), levels: [.l3, .l4, .l5])
        #expect(checked.count >= 3, "seed \(seed): only \(checked.count) foramina measurable")
    }

    @Test func aNarrowedForamenIsSmallAndMatchesTheClassMap() throws {
        var p = PhantomParameters(seed: 1)
        let k = try #require(p.discs.firstIndex { $0.level.upper == .l4 })
        p.discs[k].foraminalNarrowing = .init(left: 1, right: 0)
        let checked = try Self.check(p, levels: [.l4])
        let left = try #require(checked.first { $0.side == .left })
        let right = try #require(checked.first { $0.side == .right })
        #expect(left.narrowing == 1 && left.facetGrowthMM > 0 && left.protrusionMM > 0)
        #expect(try #require(left.areaMM2) < 0.5 * (try #require(right.areaMM2)))
        #expect(try #require(left.heightMM) < (try #require(right.heightMM)) - 5)
        #expect(try #require(left.grade) >= 2)
        #expect(right.grade == 0 || right.narrowing == 0)
    }

    @Test func gradesZeroToThreeAllOccurOverSeeds() throws {
        var seen = Set<Int>()
        for seed in UInt64(1)...30 {
            let model = try SpineModel(parameters: PhantomParameters(seed: seed))
            for i in model.discs.indices {
                for f in model.foraminaTruth(disc: i) { if let g = f.grade { seen.insert(g) } }
            }
            if seen.count == 4 { break }
        }
        #expect(seen == [0, 1, 2, 3])
    }

    @Test func aScolioticSpinesForaminaMatchTheClassMap() throws {
        var p = PhantomParameters(seed: 2)
        p.scoliosis = [.init(upper: .l1, lower: .l5, cobbDeg: 30, convexSide: .right)]
        let checked = try Self.check(p, levels: [.l2, .l4])
        #expect(checked.count >= 3)
    }

    @Test func narrowingOutsideItsRangeOrAboveTheLumbarSpineIsRefused() {
        var p = PhantomParameters(seed: 4)
        let lumbar = p.discs.firstIndex { $0.level.upper == .l4 }!
        p.discs[lumbar].foraminalNarrowing.right = 1.2
        let e = #expect(throws: PhantomError.self) { try SpineModel(parameters: p) }
        #expect(e?.parameter == "discs[L4-L5].foraminalNarrowing.right")
        #expect(e?.code == .outOfRange)
        var q = PhantomParameters(seed: 4)
        let thoracic = q.discs.firstIndex { $0.level.upper == .t11 }!
        q.discs[thoracic].foraminalNarrowing.left = 0.5
        let e2 = #expect(throws: PhantomError.self) { try SpineModel(parameters: q) }
        #expect(e2?.code == .noSuchLevel && e2?.parameter == "discs[T11-T12].foraminalNarrowing")
    }
}
