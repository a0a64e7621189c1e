import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

@Suite struct CurveTests {
    @Test func straightLineAnyOrder() throws {
        let pts = (0..<5).map { SIMD3<Double>(3, 4, Double($0) * -30) }.shuffled()
        let curve = try #require(SpineCurve(throughLPS: pts))
        #expect(curve.pointsLPS.first!.z == 0)  // cranial first
        #expect(abs(curve.lengthMM - 120) < 1e-9)
        let f = curve.frame(at: 45)
        #expect((f.originLPS - SIMD3(3, 4, -45)).length < 1e-9)
        #expect((f.superior - SIMD3(0, 0, 1)).length < 1e-9)
        #expect((f.anterior - SIMD3(0, -1, 0)).length < 1e-9)
        #expect((f.left - SIMD3(1, 0, 0)).length < 1e-9)
        #expect(abs(curve.closestParameter(toLPS: SIMD3(10, 4, -61)) - 61) < 1e-3)
    }

    @Test func passesThroughPointsOnACircle() throws {
        // Points on a circle of radius 100 mm in the sagittal (y–z) plane: a curve of known angle.
        let pts = stride(from: -40.0, through: 40, by: 10).map { a -> SIMD3<Double> in
            let r = a * .pi / 180
            return SIMD3(0, 100 * cos(r) - 100, 100 * sin(r))
        }
        let curve = try #require(SpineCurve(throughLPS: pts))
        for (n, p) in curve.pointsLPS.enumerated() {
            #expect((curve.pointLPS(at: curve.knots[n]) - p).length < 1e-9)
        }
        // Tangent at the middle point (angle 0) is vertical; at ±20° it is tilted by ≈ 20°.
        let mid = curve.knots[4]
        #expect(abs(curve.superiorDirection(at: mid).dot(SIMD3(0, 0, 1)) - 1) < 1e-3)
        let t = curve.superiorDirection(at: curve.knots[2])  // point at +20°
        let angle = acos(t.dot(SIMD3(0, 0, 1))) * 180 / .pi
        #expect(abs(angle - 20) < 0.5)
    }

    @Test func scolioticCurveFollowsLateralBend() throws {
        let pts = (0..<7).map { n -> SIMD3<Double> in
            let z = Double(n) * -35
            return SIMD3(25 * sin(Double(n) / 6 * .pi), 0, z)
        }
        let curve = try #require(SpineCurve(throughLPS: pts))
        let f = curve.frame(at: curve.knots[0])
        #expect(f.superior.x < -0.3)  // going cranially at the top, the curve moves to the right (−x)
        #expect(abs(f.anterior.dot(f.superior)) < 1e-12 && abs(f.left.length - 1) < 1e-12)
        #expect(SpineCurve(throughLPS: [SIMD3(0, 0, 0)]) == nil)
    }
}
