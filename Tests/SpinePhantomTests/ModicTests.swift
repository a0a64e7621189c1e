import Foundation
import SpineImaging
import Testing

@testable import SpinePhantom

/// Modic endplate changes: truth re-measured on the model's material map, labels untouched, contrast by type.
@Suite struct ModicTests {
    static func parameters() -> PhantomParameters {
        var p = PhantomTestSupport.healthy(seed: 3)
        p.scoliosis = []
        for n in p.discs.indices {
            switch p.discs[n].level.description {
            case "L3-L4": p.discs[n].modic = .init(type: 1, endplates: .both, depthMM: 6)
            case "L4-L5": p.discs[n].modic = .init(type: 2, endplates: .lower, depthMM: 4)
            case "L5-S1": p.discs[n].modic = .init(type: 1, endplates: .upper, depthMM: 9)
            default: p.discs[n].modic = nil
            }
        }
        return p
    }

    /// Along each banded vertebra's superior axis through its centre, the run of Modic marrow starts under the
    /// 0.9 mm cortex and is `depthMM` long (within 0.05 mm); it keeps the vertebral body's class and instance.
    @Test func bandDepthsInTruthMatchTheModel() throws {
        let model = try SpineModel(parameters: Self.parameters())
        let truth = model.anatomyTruth()
        let banded = truth.discs.compactMap { d in d.modic.map { (DiscLevel(upper: d.upper, lower: d.lower), $0) } }
        #expect(banded.map(\.1.vertebrae) == [[.l3, .l4], [.l5], [.l5]])
        for (level, m) in banded {
            for name in m.vertebrae {
                let i = model.vertebraNames.firstIndex(of: name)!
                let v = model.vertebrae[i]
                // The inferior band of the disc's upper vertebra, the superior band of its lower one.
                let top = name == level.lower
                let band = top ? v.modicTop : v.modicBottom
                let step = 0.01
                var run = 0, classes = Set<StructureClass?>(), instances = Set<UInt8>()
                var t = 0.0
                while t < v.height {
                    let p = model.bodyPoint(v.frame, v.coronal, a: 0, u: top ? t : -t, x: 0)
                    let mat = model.material(bodyX: p.x, y: p.y, z: p.z)
                    if mat == band {
                        run += 1
                        classes.insert(model.materials[Int(mat)].structureClass)
                        instances.insert(model.materials[Int(mat)].instance)
                    }
                    t += step
                }
                #expect(abs(Double(run) * step - m.depthMM) <= 0.05, "\(name) at \(level): \(Double(run) * step) mm")
                #expect(classes == [.vertebralBody] && instances == [UInt8(name.verseLabel)])
            }
        }
        #expect(truth.discs.filter { $0.modic == nil }.count == truth.discs.count - 3)
    }

    /// Type 1 is darker than normal marrow on T1 and brighter on T2 and STIR; type 2 brighter on T1 and T2 and
    /// darker on STIR (noise-free signal of the materials, under the drawn protocols of many seeds).
    @Test func contrastFollowsTheType() throws {
        let model = try SpineModel(parameters: Self.parameters())
        let l3 = model.vertebrae[model.vertebraNames.firstIndex(of: .l3)!]
        let l5 = model.vertebrae[model.vertebraNames.firstIndex(of: .l5)!]
        let normal = model.materials[Int(l3.marrow)]
        let type1 = model.materials[Int(l3.modicBottom)], type2 = model.materials[Int(l5.modicTop)]
        for seed in UInt64(0)..<20 {
            var rng = PhantomRandom(seed: seed, stream: 0xAC9)
            let t1 = MRSequence.t1(&rng), t2 = MRSequence.t2(&rng), stir = MRSequence.stir(&rng)
            #expect(t1.signal(type1) < 0.8 * t1.signal(normal))
            #expect(t2.signal(type1) > 1.15 * t2.signal(normal))
            #expect(stir.signal(type1) > 1.5 * stir.signal(normal))
            #expect(t1.signal(type2) > 1.1 * t1.signal(normal))
            #expect(t2.signal(type2) > 1.1 * t2.signal(normal))
            #expect(stir.signal(type2) < stir.signal(normal))
        }
    }

    /// Seeds draw Modic changes next to degenerated lumbar discs, valid, never on the sacrum's endplate.
    @Test func seedsDrawValidModicChanges() throws {
        var drawn = 0, types = Set<Int>()
        for seed in UInt64(0)..<300 {
            let p = PhantomParameters(seed: seed)
            try p.validate()
            for d in p.discs {
                guard let m = d.modic else { continue }
                drawn += 1
                types.insert(m.type)
                #expect(d.level.upper.region == .lumbar && d.heightLossFraction > 0.2)
                if d.level.lower == .s1 { #expect(m.endplates == .upper) }
            }
        }
        #expect(drawn > 10 && types == [1, 2])
    }

    @Test func impossibleModicParametersAreRefused() {
        var p = Self.parameters()
        let n = p.discs.firstIndex { $0.level.lower == .s1 }!
        p.discs[n].modic = .init(type: 1, endplates: .both, depthMM: 5)
        #expect(throws: PhantomError.self) { try p.validate() }
        p.discs[n].modic = .init(type: 3, endplates: .upper, depthMM: 5)
        #expect(throws: PhantomError.self) { try p.validate() }
        p.discs[n].modic = .init(type: 2, endplates: .upper, depthMM: 40)
        #expect(throws: PhantomError.self) { try p.validate() }
    }
}
