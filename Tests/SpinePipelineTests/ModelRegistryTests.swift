import Foundation
import SpineNN
import SpinePipeline
import Testing

@Suite struct ModelRegistryTests {
    static func tempFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func emptyFoldersListNoModel() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("not a model".utf8).write(to: dir.appendingPathComponent("README.md"))
        let registry = ModelRegistry(searchFolders: [dir, dir.appendingPathComponent("missing")])
        #expect(registry.models.isEmpty)
        #expect(registry.model(named: nil) == nil)
    }

    @Test func aModelFolderIsListedByItsName() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("lumbar-test")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let plan = ModelPlan(
            network: UNetConfiguration(classes: 12, levels: 2, baseFeatures: 4), classNames: ["background", "body"],
            patchSize: [64, 64])
        try JSONEncoder().encode(plan).write(to: folder.appendingPathComponent(Checkpoint.planFile))
        try Data([0, 1, 2]).write(to: folder.appendingPathComponent(Checkpoint.weightsFile))
        // A folder without weights is not a model; one with a bad plan is reported, not listed.
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("no-weights"), withIntermediateDirectories: true)
        let bad = dir.appendingPathComponent("bad-plan")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: bad.appendingPathComponent(Checkpoint.planFile))
        try Data().write(to: bad.appendingPathComponent(Checkpoint.weightsFile))

        let registry = ModelRegistry.standard(environment: [ModelRegistry.environmentVariable: dir.path])
        let (models, problems) = registry.scan()
        // $SPINEKIT_MODELS first, then the package's Models/ (the bundled models).
        #expect(models.first?.name == "lumbar-test")
        #expect(models.dropFirst().allSatisfy { $0.folder.path.hasPrefix(ModelRegistry.packageModelsFolder.path) })
        #expect(models.first?.plan == plan)
        #expect(models.first?.weightsBytes == 3)
        #expect(problems.count == 1 && problems[0].contains("bad-plan"))
        #expect(registry.model(named: "lumbar-test")?.folder.path == folder.path)
        #expect(registry.model(named: "other") == nil)
    }
}
