import Foundation
import SpineAnalysis
import SpineImaging
import SpineNN
import SpinePipeline
import Testing

/// An installed model runs end to end: an untrained tiny network (its answers are noise, its shapes are not).
@Suite struct ModelSegmenterTests {
    static func installTinyModel(dimensions: Int, in dir: URL) throws -> ModelRegistry.Model {
        let folder = dir.appendingPathComponent("tiny-\(dimensions)d")
        let config = UNetConfiguration(
            spatialDimensions: dimensions, classes: 12, levels: 2, baseFeatures: 4, maxFeatures: 8)
        var rng = SystemRandomNumberGenerator()
        let network = try UNet(config, using: &rng)
        let plan = ModelPlan(
            network: config, classNames: ["background"] + StructureClass.allCases.map(\.name),
            patchSize: dimensions == 3 ? [8, 32, 32] : [64, 64])
        try Checkpoint.save(network, plan: plan, to: folder)
        return try #require(ModelRegistry(searchFolders: [dir]).model(named: folder.lastPathComponent))
    }

    @Test(arguments: [2, 3])
    func anInstalledModelLabelsEveryVoxelOfTheImageGrid(dimensions: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-seg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.installTinyModel(dimensions: dimensions, in: dir)
        let segmenter = ModelSegmenter(model: model, threads: 1)
        #expect(segmenter.classMap == ClassMap.spineKit)
        let labels = try segmenter.segment(AnyVolume(ReportFixture.image))
        #expect(labels.geometry == ReportFixture.geometry)
        #expect(labels.voxels.allSatisfy { $0 < 12 })
    }

    @Test func aModelWhoseWeightsDoNotFitItsPlanIsAnImagingError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-seg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var model = try Self.installTinyModel(dimensions: 2, in: dir)
        model.plan.network.baseFeatures = 8
        #expect(throws: ImagingError.self) { try ModelSegmenter(model: model).segment(AnyVolume(ReportFixture.image)) }
    }
}
