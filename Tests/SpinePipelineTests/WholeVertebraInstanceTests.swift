import Foundation
import SpineAnalysis
import SpineImaging
import SpinePhantom
import Testing

/// Whole-vertebra instances (body + arch, the VerSe/SPINEPS convention) from a class label map, checked on
/// phantom label maps, whose instance map says which vertebra every posterior-element voxel belongs to.
@Suite struct WholeVertebraInstanceTests {
    /// The protocol's sagittal grid at half its in-plane resolution (quick in a debug build).
    @Test(arguments: [9001, 9003] as [UInt64])
    func archesJoinTheirOwnBodiesOnPhantomLabelMaps(seed: UInt64) throws {
        let model = try SpineModel(parameters: PhantomParameters(seed: seed))
        var rng = PhantomRandom(seed: seed, stream: 0xAC9)
        let full = MRProtocol.sagittal(model, &rng)
        let geometry = ImageGeometry(
            size: SIMD3(full.size.x / 2, full.size.y / 2, full.size.z),
            spacing: SIMD3(full.spacing.x * 2, full.spacing.y * 2, full.spacing.z), origin: full.origin,
            direction: full.direction)
        let (classes, truth) = MRRenderer.labels(model, on: geometry)
        let (report, named) = try SpineAnalyzer.analyzeWithInstances(labelMap: AnyVolume(classes), classMap: .spineKit)
        let lumbar = Set(
            report.vertebrae.compactMap { Vertebra(name: $0.label) }.filter { $0.region == .lumbar }.map {
                UInt8($0.verseLabel)
            })
        #expect(lumbar.count >= 5)
        var arch = 0, agree = 0
        for n in 0..<classes.voxels.count
        where classes.voxels[n] == StructureClass.posteriorElements.labelValue && lumbar.contains(truth.voxels[n]) {
            arch += 1
            if named.voxels[n] == truth.voxels[n] { agree += 1 }
        }
        let agreement = Double(agree) / Double(max(1, arch))
        print("seed \(seed): \(arch) lumbar arch voxels, \(agree) labelled as the phantom's truth (\(agreement))")
        #expect(arch > 1000)
        // 0.92 at full resolution; the rest is where a facet joint's processes overlap (see assigningArches).
        #expect(agreement > 0.88)
        // Bodies and discs keep their labels.
        for n in 0..<classes.voxels.count where classes.voxels[n] == StructureClass.vertebralBody.labelValue {
            if named.voxels[n] != 0 && lumbar.contains(truth.voxels[n]) {
                #expect(named.voxels[n] == truth.voxels[n])
                break
            }
        }
    }
}
