import Foundation
import SpineAnatomy
import SpineImaging
import SpineTestSupport
import Testing

@testable import SpinePhantom

/// Disc herniations (`PhantomParameters.Herniation`, Fardon 2014) and the dural sac's truth measured on the sampled
/// anatomy (schema 4).
@Suite struct HerniationTests {
    static let l4l5 = DiscLevel(upper: .l4, lower: .l5)

    /// A straight spine whose L4-L5 disc carries only `herniation` (no bulge, flavum or facet narrowing there).
    static func withHerniation(_ h: PhantomParameters.Herniation?, seed: UInt64 = 31) -> PhantomParameters {
        var p = PhantomTestSupport.healthy(seed: seed)
        p.scoliosis = []
        p.discs = p.discs.map {
            var d = $0
            d.herniation = nil
            if d.level == l4l5 {
                d.bulgeMM = 0
                d.flavumThickeningMM = 0
                d.facetNarrowingMM = 0
                d.herniation = h
            }
            return d
        }
        return p
    }

    @Test func measuredSacEqualsTheEllipseWithoutHerniations() throws {
        // 50 seeds, every level, each seed as drawn (bulges, flavum, facets, slips, scoliosis) less its herniations.
        var levels = 0
        for seed in UInt64(1)...50 {
            var p = PhantomParameters(seed: seed)
            for n in p.discs.indices { p.discs[n].herniation = nil }
            let model = try SpineModel(parameters: p)
            for i in model.discs.indices {
                let k = model.discCanalIndex(i)
                let s = model.duralSacSection(atCanalIndex: k)
                let ellipse = model.canal.sacAreaMM2(at: k)
                let ap = model.canal.sacAnt[k] - model.canal.sacPost[k], width = 2 * model.canal.sacHalfWidth[k]
                let e = abs(s.areaMM2 - ellipse) / ellipse
                #expect(e < 0.005, "seed \(seed) \(model.discs[i].level): \(s.areaMM2) vs \(ellipse) mm²")
                #expect(abs(s.apDiameterMM - ap) / ap < 0.005, "seed \(seed) \(model.discs[i].level) AP")
                #expect(abs(s.widthMM - width) / width < 0.005, "seed \(seed) \(model.discs[i].level) width")
                levels += 1
            }
        }
        #expect(levels >= 400)
    }

    /// A central 6 mm protrusion at L4-L5: the sac loses, on the measurement plane, the part of its ellipse behind
    /// the protrusion's paraboloid front n = nBase − 6·(1 − (x / 7.6)²) (nBase: the canal's anterior wall, the disc
    /// margin with no bulge; half width 4 + 0.6·6 mm), integrated here column by column in closed form.
    @Test func aCentralProtrusionIndentsTheSacByTheConstructedAmount() throws {
        let h = PhantomParameters.Herniation(type: .protrusion, zone: .central, side: nil, sizeMM: 6)
        let model = try SpineModel(parameters: Self.withHerniation(h))
        let plain = try SpineModel(parameters: Self.withHerniation(nil))
        let i = try #require(model.discs.firstIndex { $0.level == Self.l4l5 })
        let k = model.discCanalIndex(i)
        let shape = try #require(model.canal.herniations.first)
        #expect(shape.nBase == model.canal.ac[k] && shape.baseHalfWidth == 7.6 && shape.sBase == model.canal.s[k])
        let c = model.canal
        let a = (c.sacAnt[k] - c.sacPost[k]) / 2, b = c.sacHalfWidth[k], nc = (c.sacAnt[k] + c.sacPost[k]) / 2
        #expect(c.sacAnt[k] + 6 > c.ac[k] + 1, "the protrusion reaches past the 1 mm anterior epidural space")
        var expected = 0.0
        let steps = 200_000
        for j in 0..<steps {
            let x = -b + (Double(j) + 0.5) * 2 * b / Double(steps)
            let half = a * (1 - x * x / (b * b)).squareRoot()
            guard abs(x) < 7.6 else { continue }
            let front = c.ac[k] - 6 * (1 - (x / 7.6) * (x / 7.6))
            expected += max(0, nc + half - max(front, nc - half)) * 2 * b / Double(steps)
        }
        let with = model.duralSacSection(atCanalIndex: k).areaMM2
        let without = plain.duralSacSection(atCanalIndex: k).areaMM2
        #expect(expected > 10, "a measurable indentation (\(expected) mm²)")
        #expect(abs((without - with) - expected) < 0.005 * without, "\(without) − \(with) vs \(expected) mm²")
        #expect(abs(without - c.sacAreaMM2(at: k)) < 0.005 * without)
        // The truth reports it, and the herniation's own record says how much the sac lost.
        let truth = model.anatomyTruth().discs[i]
        #expect(abs(truth.duralSacAreaMM2 - with) < 0.001)
        let ht = try #require(truth.herniation)
        #expect(ht.type == .protrusion && ht.zone == .central && ht.side == nil && ht.sizeMM == 6)
        #expect(abs(ht.duralSacIndentationMM2 - expected) < 0.005 * without)
        #expect(ht.baseWidthMM == 15.2 && ht.domeWidthMM == 15.2)
        // The AP diameter on the midline runs from the sac's back to the protrusion's front.
        let ap = model.duralSacSection(atCanalIndex: k).apDiameterMM
        #expect(abs(ap - (c.ac[k] - 6 - c.sacPost[k])) < 0.01)
    }

    /// Herniated material is disc (class and the disc's instance label), displaces fat and sac, and lies where the
    /// zone puts it: left of the midline for a left paracentral extrusion whose dome is wider than its base.
    @Test func herniatedVoxelsAreDiscOfThatLevel() throws {
        let h = PhantomParameters.Herniation(
            type: .extrusion, zone: .paracentral, side: .left, sizeMM: 7, migrationMM: -3)
        let model = try SpineModel(parameters: Self.withHerniation(h))
        let plain = try SpineModel(parameters: Self.withHerniation(nil))
        let shape = try #require(model.canal.herniations.first)
        #expect(shape.xCentre > 0 && shape.domeWidthMM > shape.baseWidthMM)
        #expect(shape.sDome == shape.sBase + 3, "3 mm caudal migration (arc length grows caudally)")
        // Sample the canal around the level: every changed point is disc material of L4-L5.
        let i = try #require(model.discs.firstIndex { $0.level == Self.l4l5 })
        let c = model.canal
        var changed = 0, left = 0
        for k in c.s.indices where abs(c.s[k] - shape.sDome) < 8 {
            for nn in stride(from: -c.ac[k], through: c.ac[k], by: 0.5) {
                for x in stride(from: -c.bc[k], through: c.bc[k], by: 0.5) {
                    let y = c.y[k] + c.ny[k] * nn, z = c.z[k] + c.nz[k] * nn
                    let m = model.material(bodyX: x, y: y, z: z), m0 = plain.material(bodyX: x, y: y, z: z)
                    guard m != m0 else { continue }
                    changed += 1
                    if x > 0 { left += 1 }
                    #expect(model.materials[Int(m)].structureClass == .intervertebralDisc)
                    #expect(model.materials[Int(m)].instance == UInt8(Self.l4l5.verseLabel))
                    let before = plain.materials[Int(m0)].structureClass
                    #expect([.spinalCanal, .caudaEquina, .epiduralFat, .intervertebralDisc].contains(before))
                }
            }
            _ = i
        }
        #expect(changed > 100 && Double(left) > 0.8 * Double(changed), "\(left) of \(changed) left of the midline")
    }

    @Test(arguments: [PhantomParameters.Side.left, .right])
    func aForaminalHerniationNarrowsThatForamen(side: PhantomParameters.Side) throws {
        let h = PhantomParameters.Herniation(type: .protrusion, zone: .foraminal, side: side, sizeMM: 5)
        let with = try SpineModel(parameters: Self.withHerniation(h)).anatomyTruth().discs
        let without = try SpineModel(parameters: Self.withHerniation(nil)).anatomyTruth().discs
        let i = try #require(with.firstIndex { $0.level == Self.l4l5.description })
        for (f, f0) in zip(with[i].foramina, without[i].foramina) {
            let a = try #require(f.areaMM2), a0 = try #require(f0.areaMM2)
            if f.side == side {
                #expect(a < a0 - 5, "\(side) foramen \(a) vs \(a0) mm²")
            } else {
                #expect(a == a0)
            }
        }
        // Outside the canal: the sac is untouched.
        #expect(abs(with[i].duralSacAreaMM2 - without[i].duralSacAreaMM2) < 0.01)
    }

    @Test func drawsFavourTheLowLumbarLevels() throws {
        var count = [String: Int](), total = 0, extrusions = 0, migrated = 0
        for seed in UInt64(1)...400 {
            let p = PhantomParameters(seed: seed)
            for d in p.discs {
                guard let h = d.herniation else { continue }
                total += 1
                count[d.level.description, default: 0] += 1
                #expect(d.level.upper.region == .lumbar)
                #expect(h.sizeMM >= 2 && h.sizeMM <= 8)
                #expect((h.zone == .central) == (h.side == nil))
                if h.type == .extrusion { extrusions += 1 }
                if h.migrationMM != 0 {
                    migrated += 1
                    #expect(h.type == .extrusion && abs(h.migrationMM) >= 1 && abs(h.migrationMM) <= 4)
                }
            }
            try p.validate()
        }
        let low = (count["L4-L5"] ?? 0) + (count["L5-S1"] ?? 0) + (count["L5-L6"] ?? 0) + (count["L6-S1"] ?? 0)
        #expect(total > 100 && Double(low) > 0.5 * Double(total), "\(count)")
        #expect(extrusions > 0 && extrusions < total / 2 && migrated > 0)
    }

    @Test func impossibleHerniationsAreRefused() throws {
        func refused(_ h: PhantomParameters.Herniation, at level: DiscLevel = Self.l4l5) -> Bool {
            var p = PhantomTestSupport.healthy(seed: 31)
            for n in p.discs.indices where p.discs[n].level == level { p.discs[n].herniation = h }
            return (try? p.validate()) == nil
        }
        #expect(refused(.init(type: .protrusion, zone: .central, side: .left, sizeMM: 4)))
        #expect(refused(.init(type: .protrusion, zone: .paracentral, side: nil, sizeMM: 4)))
        #expect(refused(.init(type: .protrusion, zone: .central, side: nil, sizeMM: 4, migrationMM: 2)))
        #expect(refused(.init(type: .extrusion, zone: .central, side: nil, sizeMM: 14)))
        #expect(refused(.init(type: .extrusion, zone: .central, side: nil, sizeMM: 4), at: .init(upper: .t11, lower: .t12)))
        #expect(!refused(.init(type: .extrusion, zone: .foraminal, side: .right, sizeMM: 4, migrationMM: -2)))
    }

    /// Schema 4 adds optional fields: a truth without them (as versions 1–3 wrote) decodes.
    @Test func truthOfEarlierSchemasDecodes() throws {
        let study = try MRStudy(
            parameters: Self.withHerniation(.init(type: .protrusion, zone: .central, side: nil, sizeMM: 5)),
            options: {
                var o = MRStudyOptions()
                o.contrasts = ["T2"]
                o.sagittalGeometry = ImageGeometry(
                    size: SIMD3(8, 8, 1), spacing: SIMD3(1, 1, 1), origin: SIMD3(0, 0, 0),
                    direction: Matrix3(columns: SIMD3(0, 1, 0), SIMD3(0, 0, -1), SIMD3(-1, 0, 0)))
                return o
            }())
        #expect(study.truth.schemaVersion == 4)
        #expect(study.truth.discs.contains { $0.herniation != nil })
        let data = try JSONEncoder().encode(study.truth)
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        json["schemaVersion"] = 3
        var discs = try #require(json["discs"] as? [[String: Any]])
        for n in discs.indices { discs[n]["herniation"] = nil }
        json["discs"] = discs
        var parameters = try #require(json["parameters"] as? [String: Any])
        var pd = try #require(parameters["discs"] as? [[String: Any]])
        for n in pd.indices { pd[n]["herniation"] = nil }
        parameters["discs"] = pd
        json["parameters"] = parameters
        let old = try JSONDecoder().decode(
            PhantomTruth.self, from: try JSONSerialization.data(withJSONObject: json))
        #expect(old.schemaVersion == 3 && old.discs.allSatisfy { $0.herniation == nil })
        #expect(old.parameters.discs.allSatisfy { $0.herniation == nil })
    }
}
