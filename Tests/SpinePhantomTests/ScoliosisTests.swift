import Foundation
import SpineImaging
import Testing

@testable import SpinePhantom

/// Coronal curves (truth schema 2): the Cobb angle in the truth against the body tilts of the label maps.
@Suite struct ScoliosisTests {
    /// Eigenvectors of a symmetric 3×3 matrix (cyclic Jacobi), columns sorted by ascending eigenvalue.
    static func eigenvectors(_ m: [[Double]]) -> [SIMD3<Double>] {
        var a = m
        var v: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        for _ in 0..<50 {
            for (p, q) in [(0, 1), (0, 2), (1, 2)] where abs(a[p][q]) > 1e-12 {
                let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<3 {
                    let akp = a[k][p], akq = a[k][q]
                    a[k][p] = c * akp - s * akq
                    a[k][q] = s * akp + c * akq
                }
                for k in 0..<3 {
                    let apk = a[p][k], aqk = a[q][k]
                    a[p][k] = c * apk - s * aqk
                    a[q][k] = s * apk + c * aqk
                }
                for k in 0..<3 {
                    let vkp = v[k][p], vkq = v[k][q]
                    v[k][p] = c * vkp - s * vkq
                    v[k][q] = s * vkp + c * vkq
                }
            }
        }
        return (0..<3).sorted { a[$0][$0] < a[$1][$1] }.map { SIMD3(v[0][$0], v[1][$0], v[2][$0]) }
    }

    /// Coronal tilt [degrees] of each vertebral body, from the voxels of its instance in the class map's
    /// vertebral-body class: the body's shortest principal axis (its height) leaning toward the patient's left.
    static func measuredTilts(_ model: SpineModel) -> [Vertebra: Double] {
        // T10 down: the curves' field (the straight column above T10 would only stretch the grid).
        let lower = model.vertebrae.filter { $0.vertebra >= .t10 }
        let zs = lower.map(\.frame.cz), ys = lower.map(\.frame.cy)
        let g = MRProtocol.grid(
            model, centreBody: SIMD3(0, (ys.max()! + ys.min()!) / 2, (zs.max()! + zs.min()!) / 2),
            rowBody: SIMD3(1, 0, 0), colBody: SIMD3(0, 0, -1),
            size: SIMD3(110, Int((zs.max()! - zs.min()! + 50) / 1.2), Int((ys.max()! - ys.min()! + 50) / 1.2)),
            spacing: SIMD3(1.2, 1.2, 1.2))
        let labels = MRRenderer.labels(model, on: g)
        var points: [UInt8: [SIMD3<Double>]] = [:]
        let s = g.size
        for k in 0..<s.z {
            for j in 0..<s.y {
                for i in 0..<s.x where labels.classes[i, j, k] == 1 {
                    points[labels.instances[i, j, k], default: []].append(
                        g.worldLPS(voxelIJK: SIMD3(Double(i), Double(j), Double(k))))
                }
            }
        }
        let left = model.worldDirection(body: SIMD3(1, 0, 0))
        var tilts: [Vertebra: Double] = [:]
        for v in model.vertebrae {
            guard let p = points[UInt8(v.vertebra.verseLabel)], p.count > 100 else { continue }
            let mean = p.reduce(SIMD3<Double>(repeating: 0), +) / Double(p.count)
            var c = [[Double]](repeating: [0, 0, 0], count: 3)
            for q in p {
                let d = q - mean
                for r in 0..<3 { for k in 0..<3 { c[r][k] += d[r] * d[k] } }
            }
            var up = eigenvectors(c)[0]
            if up.z < 0 { up = -up }  // LPS z is superior
            tilts[v.vertebra] = asin((up * left).sum()) * 180 / .pi
        }
        return tilts
    }

    static func check(_ p: PhantomParameters) throws {
        let model = try SpineModel(parameters: p)
        let anatomy = model.anatomyTruth()
        let truth = PhantomTruth(
            seed: p.seed, anomaly: p.anomaly, lumbarCount: p.anomaly.lumbarCount,
            thoracicCount: p.anomaly.thoracicCount, lordosisDeg: 0, sacralSlopeDeg: 0, bodyScale: p.bodyScale,
            vertebrae: anatomy.vertebrae, discs: anatomy.discs, series: [], classes: [:], labelMaps: [:],
            parameters: p)
        let s = try #require(truth.scoliosis)
        let tilts = measuredTilts(model)
        // The curves' field: T10 down (the column above is straight and outside `measuredTilts`' grid).
        let curved = truth.vertebrae.filter { $0.name >= .t10 }
        #expect(curved.count >= 8)
        for v in curved {
            let m = try #require(tilts[v.name])
            #expect(abs(m - v.coronalTiltDeg) <= 2, "seed \(p.seed) \(v.name) tilt \(m) vs \(v.coronalTiltDeg)")
        }
        var cobb = 0.0
        for (i, a) in curved.enumerated() {
            for b in curved[(i + 1)...] { cobb = max(cobb, abs(tilts[a.name]! - tilts[b.name]!)) }
        }
        #expect(abs(cobb - s.cobbDeg) <= 2, "seed \(p.seed) Cobb \(cobb) vs \(s.cobbDeg)")
        for (c, t) in zip(s.curves, p.scoliosis) {
            // The target sets the end slopes; the tilts along lordotic vertebrae's axes come out somewhat smaller,
            // and a vertebra shared by two curves takes both slopes.
            #expect(c.cobbDeg > 0.6 * t.cobbDeg && c.cobbDeg < 1.6 * t.cobbDeg, "\(c.cobbDeg) for \(t.cobbDeg)")
        }
    }

    @Test func aDrawnCurveMatchesTheLabelMap() throws {
        let seed = try #require((UInt64(1)...200).first { PhantomParameters(seed: $0).scoliosis.count == 1 })
        try Self.check(PhantomParameters(seed: seed))
    }

    @Test func twoCurvesMatchTheLabelMap() throws {
        var p = PhantomParameters(seed: 5)
        p.scoliosis = [
            .init(upper: .t10, lower: .l1, cobbDeg: 25, convexSide: .right),
            .init(upper: .l1, lower: .l5, cobbDeg: 35, convexSide: .left),
        ]
        try Self.check(p)
    }

    @Test func aboutFifteenPercentOfSeedsHaveACurve() {
        let n = (UInt64(1)...400).filter { !PhantomParameters(seed: $0).scoliosis.isEmpty }.count
        #expect(n >= 40 && n <= 80, "\(n) of 400")
    }

    @Test func impossibleCurvesAreRefused() {
        var p = PhantomParameters(seed: 5)
        p.scoliosis = [.init(upper: .l1, lower: .l4, cobbDeg: 70, convexSide: .left)]
        let e1 = #expect(throws: PhantomError.self) { try SpineModel(parameters: p) }
        #expect(e1?.code == .outOfRange && e1?.parameter == "scoliosis[0].cobbDeg")
        p.scoliosis = [.init(upper: .l3, lower: .l4, cobbDeg: 20, convexSide: .left)]
        let e2 = #expect(throws: PhantomError.self) { try SpineModel(parameters: p) }
        #expect(e2?.code == .outOfRange && e2?.parameter == "scoliosis[0]")
        p.scoliosis = [.init(upper: .l1, lower: .s1, cobbDeg: 20, convexSide: .left)]
        let e3 = #expect(throws: PhantomError.self) { try SpineModel(parameters: p) }
        #expect(e3?.code == .noSuchLevel)
        p.scoliosis = [
            .init(upper: .t10, lower: .l2, cobbDeg: 20, convexSide: .left),
            .init(upper: .l1, lower: .l4, cobbDeg: 20, convexSide: .right),
        ]
        let e4 = #expect(throws: PhantomError.self) { try SpineModel(parameters: p) }
        #expect(e4?.code == .contradiction && e4?.parameter == "scoliosis[1]")
    }
}
