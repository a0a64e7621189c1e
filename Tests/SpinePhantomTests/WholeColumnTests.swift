import Foundation
import SpineAnatomy
import Testing

@testable import SpinePhantom

/// The column above T10 (C1–T9, the dens, ribs on T1–T9) and the coccyx below the sacrum.
@Suite struct WholeColumnTests {
    @Test(arguments: [UInt64(1), 7, 42, 9001])
    func columnRunsFromC2ToTheLastLumbar(seed: UInt64) throws {
        let model = try SpineModel(parameters: PhantomParameters(seed: seed))
        let names = model.vertebraNames
        #expect(Array(names.prefix(15)) == Morphometry.upperColumn)
        #expect(names[15] == .t10)
        // Counting from C1 (the atlas) finds every thoracic vertebra: twelve, or thirteen with the anomaly.
        let thoracic = names.filter { $0.region == .thoracic }.count
        #expect(thoracic == model.parameters.anomaly.thoracicCount)
        #expect(model.discLevels.first == DiscLevel(upper: .c2, lower: .c3))
        #expect(model.discLevels.count == names.count)
        // Bodies stack upward: each centre higher than the one below it.
        for i in 1..<model.vertebrae.count { #expect(model.vertebrae[i - 1].frame.cz > model.vertebrae[i].frame.cz) }
        #expect(model.kyphosisDeg >= 15 && model.kyphosisDeg <= 55)
        #expect(model.cervicalLordosisDeg >= 4 && model.cervicalLordosisDeg <= 41)
        #expect(model.atlas != nil && model.dens != nil)
        #expect((3...5).contains(model.coccyx.count))
    }

    @Test func thirteenThoracicCountsFromC1() throws {
        let model = try SpineModel(parameters: PhantomParameters(seed: 5).forcing(.thirteenThoracic))
        let thoracic = model.vertebraNames.filter { $0.region == .thoracic }
        #expect(thoracic.count == 13)
        #expect(thoracic.first == .t1 && thoracic.last == .t13)
        // Ribs on every thoracic vertebra, T1 to T13, left and right.
        #expect(model.ribs.count == 26)
    }

    /// Materials at points built to lie in each structure: the dens carries C2's body label, the atlas is
    /// posterior-element bone of instance 1, the coccyx sacrum-class bone of instance 27, the canal above T10
    /// holds cord.
    @Test(arguments: [UInt64(3), 11])
    func craniocervicalJunctionAndCoccyxAreLabelled(seed: UInt64) throws {
        let model = try SpineModel(parameters: PhantomParameters(seed: seed))
        func material(_ b: SIMD3<Double>) -> Material {
            model.materials[Int(model.material(atWorldLPS: model.worldLPS(body: b)))]
        }
        let c2 = model.vertebrae[model.c2Index]
        let dens = try #require(model.dens), atlas = try #require(model.atlas)
        // Dens: on its axis half way up.
        let d = c2.frame.body(a: dens.baseA, u: dens.baseU + dens.length / 2)
        let dm = material(SIMD3(0, d.y, d.z))
        #expect(dm.structureClass == .vertebralBody && Int(dm.instance) == Vertebra.c2.verseLabel)
        // Atlas: a lateral mass's centre, left and right, and the anterior arch in front of the dens.
        for side in [-1.0, 1.0] {
            let m = c2.frame.body(a: atlas.massA, u: atlas.centreU)
            let mm = material(SIMD3(side * atlas.massX, m.y, m.z))
            #expect(mm.structureClass == .posteriorElements && Int(mm.instance) == Vertebra.c1.verseLabel)
        }
        let arch = c2.frame.body(a: atlas.centreA + atlas.halfDepth - atlas.archHalfThickness, u: atlas.centreU)
        #expect(Int(material(SIMD3(0, arch.y, arch.z)).instance) == Vertebra.c1.verseLabel)
        // Between the dens and the arch: the atlantodental joint space, no bone.
        let gap = c2.frame.body(a: dens.baseA + dens.ra + 0.7, u: atlas.centreU)
        #expect(material(SIMD3(0, gap.y, gap.z)).instance == 0)
        // Coccyx: each segment's centre.
        for seg in model.coccyx {
            let m = material(SIMD3(0, seg.frame.cy, seg.frame.cz))
            #expect(m.structureClass == .sacrum && Int(m.instance) == Vertebra.coccyx.verseLabel)
        }
        // Cord in the canal behind T4 and C5.
        for v in [Vertebra.t4, .c5] {
            let s = try #require(model.vertebrae.first { $0.vertebra == v })
            let p = s.frame.body(a: -s.ra - s.dims.canalDepthMM / 2, u: 0)
            // The sac sits 1 mm forward in the canal: probe its centre.
            let m = material(SIMD3(0, p.y - 1, p.z))
            #expect(m.structureClass == .caudaEquina, "cord behind \(v)")
        }
    }
}
