import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

@Suite struct MeasurementTests {
    /// Ids volume + sampler for a phantom label map (label value = id).
    static func sampler(_ v: Volume<UInt8>) -> MaskSampler { MaskSampler(ids: v.converted(to: Int32.self))! }

    static func points(_ v: Volume<UInt8>, label: UInt8) -> [SIMD3<Double>] {
        var out: [SIMD3<Double>] = []
        let g = v.geometry
        for k in 0..<g.size.z {
            for j in 0..<g.size.y {
                for i in 0..<g.size.x where v[i, j, k] == label {
                    out.append(g.worldLPS(voxelIJK: SIMD3(Double(i), Double(j), Double(k))))
                }
            }
        }
        return out
    }

    @Test(arguments: [0.0, 25.0, -40.0])
    func tiltedBoxDiscHasKnownHeight(tiltDeg: Double) throws {
        // A 40 × 30 × 10 mm slab (left × AP × height), rotated about the left axis, 0.5 mm voxels.
        let r = Phantoms.rotationX(tiltDeg), inv = r.transposed
        let v = Phantoms.labelMap(
            size: SIMD3(100, 100, 100), spacing: SIMD3(0.5, 0.5, 0.5), origin: SIMD3(-24.75, -24.75, -24.75)
        ) { p in
            let q = inv * p
            return abs(q.x) <= 20 && abs(q.y) <= 15 && abs(q.z) <= 5 ? 1 : 0
        }
        let pts = Self.points(v, label: 1)
        let c = pts.reduce(SIMD3<Double>.zero, +) / Double(pts.count)
        let (frame, source) = DiscMeasurement.discFrame(
            centroidLPS: c, pointsLPS: pts, curveSuperior: SIMD3(0, 0, 1), upperCaudalNormal: nil,
            lowerCranialNormal: nil)
        #expect(source == "principal-axes")
        #expect(abs(acos(frame.superior.dot(r * SIMD3(0, 0, 1))) * 180 / .pi) < 0.5)
        let result = DiscMeasurement.measure(
            sampler: Self.sampler(v), members: [1], frame: frame, axisSource: source, pointsLPS: pts)
        let (m, _) = try #require(result)
        #expect(abs(m.middleHeightMM - 10) < 0.3)
        // Margin heights are maxima over the margin quarter: rasterisation biases them up by ≤ one voxel (0.5 mm).
        #expect(abs(m.anteriorHeightMM - 10) < 0.5)
        #expect(abs(m.posteriorHeightMM - 10) < 0.5)
        #expect(abs(m.depthMM - 30) < 0.8)
        #expect(abs(m.discHeightIndex - 20.0 / 30) < 0.02)
        #expect(abs(m.wedgeAngleDeg) < 1)
    }

    @Test func wedgedBodyHeightsAndAngle() throws {
        // Body: anterior height 20 mm, posterior 26 mm, depth 30 mm, 40 mm wide; 0.5 mm voxels.
        let v = Phantoms.labelMap(size: SIMD3(90, 80, 70), spacing: SIMD3(0.5, 0.5, 0.5), origin: SIMD3(-22, -20, -17))
        { p in
            let a = -p.y  // anterior
            let h = 23 - 3 * a / 15
            return abs(p.x) <= 20 && abs(a) <= 15 && abs(p.z) <= h / 2 ? 1 : 0
        }
        let frame = SpineFrame(originLPS: .zero, superior: SIMD3(0, 0, 1))
        let result = VertebralBodyMeasurement.measure(
            sampler: Self.sampler(v), members: [1], frame: frame, pointsLPS: Self.points(v, label: 1))
        let (m, outline) = try #require(result)
        // Margins 3 mm inside the edges (a = ±12 mm): 23 ∓ 2.4.
        #expect(abs(m.anteriorHeightMM - 20.6) < 0.4)
        #expect(abs(m.middleHeightMM - 23) < 0.4)
        #expect(abs(m.posteriorHeightMM - 25.4) < 0.4)
        #expect(abs(m.depthMM - 30) < 0.8)
        #expect(abs(m.wedgeAngleDeg - (atan(-0.1) - atan(0.1)) * 180 / .pi) < 0.5)
        #expect(abs(m.cranialEndplateTiltDeg - atan(0.1) * 180 / .pi) < 0.5)
        #expect(outline.anteriorMM.count > 50)
        let reduction = GenantGrade.heightReduction(
            anteriorMM: m.anteriorHeightMM, middleMM: m.middleHeightMM, posteriorMM: m.posteriorHeightMM)
        #expect(abs(reduction - (1 - 20.6 / 25.4)) < 0.02)
        #expect(GenantGrade(heightReduction: reduction) == .normal)
    }

    @Test(arguments: [0.0, 4.5, 9.0])
    func stackedBoxesHaveKnownSlip(slipMM: Double) throws {
        // Lower body: AP −15…15, height −25…0; upper body shifted anteriorly by `slipMM`, height 10…35.
        let v = Phantoms.labelMap(
            size: SIMD3(60, 100, 140), spacing: SIMD3(0.5, 0.5, 0.5), origin: SIMD3(-15, -30, -30)
        ) { p in
            let a = -p.y
            guard abs(p.x) <= 12 else { return 0 }
            if abs(a) <= 15 && p.z >= -25 && p.z <= 0 { return 2 }
            if abs(a - slipMM) <= 15 && p.z >= 10 && p.z <= 35 { return 1 }
            return 0
        }
        let s = Self.sampler(v)
        func outline(_ label: UInt8) throws -> SagittalOutline {
            let pts = Self.points(v, label: label)
            let c = pts.reduce(SIMD3<Double>.zero, +) / Double(pts.count)
            let result = VertebralBodyMeasurement.measure(
                sampler: s, members: [Int32(label)], frame: SpineFrame(originLPS: c, superior: SIMD3(0, 0, 1)),
                pointsLPS: pts)
            return try #require(result).1
        }
        let slip = try #require(Alignment.slip(upper: try outline(1), lower: try outline(2)))
        #expect(abs(slip.distanceMM - slipMM) < 0.5)
        #expect(abs(slip.percent - 100 * slipMM / 30) < 2)
        #expect(
            MeyerdingGrade(slipPercent: slip.percent) == (slipMM == 9 ? .II : slipMM == 4.5 ? .I : MeyerdingGrade.none))
    }

    @Test(arguments: [(-10.0, 40.0), (5.0, 30.0)])
    func cobbAngleFromTiltedBodies(cranialTilt: Double, caudalTilt: Double) throws {
        // Two boxes, each tilted about the left axis; the Cobb angle between their cranial endplates is known.
        func body(tilt: Double, centre: SIMD3<Double>) -> Volume<UInt8> {
            let inv = Phantoms.rotationX(tilt).transposed
            return Phantoms.labelMap(
                size: SIMD3(40, 100, 100), spacing: SIMD3(0.5, 0.5, 0.5), origin: centre - SIMD3(9.75, 24.75, 24.75)
            ) { p in
                let q = inv * (p - centre)
                return abs(q.x) <= 8 && abs(q.y) <= 15 && abs(q.z) <= 12 ? 1 : 0
            }
        }
        var normals: [SIMD3<Double>] = []
        for tilt in [cranialTilt, caudalTilt] {
            let v = body(tilt: tilt, centre: .zero)
            let result = VertebralBodyMeasurement.measure(
                sampler: Self.sampler(v), members: [1], frame: SpineFrame(originLPS: .zero, superior: SIMD3(0, 0, 1)),
                pointsLPS: Self.points(v, label: 1))
            let (m, outline) = try #require(result)
            #expect(abs(m.cranialEndplateTiltDeg - tilt) < 0.7)
            normals.append(try #require(outline.cranialNormalLPS))
        }
        let cobb = Alignment.cobbAngleDeg(cranialNormalLPS: normals[0], caudalNormalLPS: normals[1])
        #expect(abs(cobb - (caudalTilt - cranialTilt)) < 1)
    }

    @Test(arguments: [0.0, 20.0])
    func tubeCanalHasKnownCrossSection(tiltDeg: Double) throws {
        // A tube of radius 6 mm (area 113.1 mm², AP 12 mm) along a tilted axis, 0.5 mm voxels.
        let r = Phantoms.rotationX(tiltDeg), inv = r.transposed
        let v = Phantoms.labelMap(
            size: SIMD3(50, 50, 80), spacing: SIMD3(0.5, 0.5, 0.5), origin: SIMD3(-12.5, -12.5, -20)
        ) { p in
            let q = inv * p
            return q.x * q.x + q.y * q.y <= 36 ? 4 : 0
        }
        let frame = SpineFrame(originLPS: .zero, superior: r * SIMD3(0, 0, 1))
        let result = CanalMeasurement.measure(sampler: Self.sampler(v), members: [4], frame: frame, radiusMM: 20)
        let m = try #require(result)
        #expect(abs(m.areaMM2 - .pi * 36) / (.pi * 36) < 0.03)
        #expect(abs(m.apDiameterMM - 12) < 0.6)
        #expect(CentralCanalGrade(areaMM2: m.areaMM2, apDiameterMM: m.apDiameterMM) == .normal)
    }

    @Test func grades() {
        #expect(CentralCanalGrade(areaMM2: 120, apDiameterMM: 14) == .normal)
        #expect(CentralCanalGrade(areaMM2: 120, apDiameterMM: 11) == .mild)
        #expect(CentralCanalGrade(areaMM2: 90, apDiameterMM: 14) == .moderate)
        #expect(CentralCanalGrade(areaMM2: 120, apDiameterMM: 9) == .moderate)
        #expect(CentralCanalGrade(areaMM2: 70, apDiameterMM: 14) == .severe)
        var t = CentralCanalGrade.Thresholds()
        t.relativeAreaMM2 = 130
        #expect(CentralCanalGrade(areaMM2: 120, apDiameterMM: 14, thresholds: t) == .moderate)
        #expect(
            [0.0, 3, 10, 30, 60, 90, 110].map { MeyerdingGrade(slipPercent: $0) } == [
                .none, .none, .I, .II, .III, .IV, .V,
            ])
        #expect(
            [0.1, 0.22, 0.3, 0.5].map { GenantGrade(heightReduction: $0) } == [.normal, .mild, .moderate, .severe])
        #expect(DiscHeightClass(discHeightIndex: 0.3, referenceIndex: 0.35) == .normal)
        #expect(DiscHeightClass(discHeightIndex: 0.2, referenceIndex: 0.35) == .mildlyDecreased)
        #expect(DiscHeightClass(discHeightIndex: 0.05, referenceIndex: 0.35) == .severelyDecreased)
    }
}
