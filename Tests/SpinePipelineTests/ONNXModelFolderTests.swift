import Foundation
import SpineImaging
import SpineNN
import SpinePipeline
import Testing

/// An ONNX network made into a model folder (`spine onnx import`) runs like a native model: listed by
/// the registry, segmenting through `ModelSegmenter` and `spine segment` with the labels the ONNX
/// session itself gives. The network is the committed MONAI-style 2-D U-Net fixture (1 → 3 classes,
/// random weights, dynamic N, H, W; made by Scripts/fixtures/make_onnx_fixtures.py).
@Suite struct ONNXModelFolderTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/onnx/monai_unet2d.onnx")

    static let settings = ONNXModelImport.Settings(
        classNames: ["background", "bright", "dark"], patchSize: [32, 32],
        intensity: .init(mean: 0, standardDeviation: 1))

    /// 32 × 32 × 2 voxels (two 2-D slices of one patch each), smooth structure plus noise.
    static let image: Volume<Float> = {
        let g = ImageGeometry(size: SIMD3(32, 32, 2), spacing: SIMD3(1, 1, 3))
        var v = [Float](repeating: 0, count: g.voxelCount)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for k in 0..<2 {
            for j in 0..<32 {
                for i in 0..<32 {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    let noise = Float(state >> 40) / Float(1 << 24) - 0.5
                    let di = Float(i - 16), dj = Float(j - 12 - 4 * k)
                    v[(k * 32 + j) * 32 + i] = (di * di + dj * dj < 80 ? 1.5 : -0.5) + noise
                }
            }
        }
        return Volume(geometry: g, voxels: v)
    }()

    /// Arg-max over classes of the ONNX session's own output on `image` (the plan's normalization is
    /// the identity, each slice is exactly one patch, so no resampling or window blending is involved).
    static func sessionLabels(_ onnx: URL) throws -> [UInt8] {
        let session = try ONNXSession(ONNXModel(contentsOf: onnx))
        let y = try session(Tensor(shape: [2, 1, 32, 32], nchw: image.voxels)).nchwScalars
        var labels = [UInt8](repeating: 0, count: image.voxels.count)
        for k in 0..<2 {
            for p in 0..<(32 * 32) {
                var best = 0
                for c in 1..<3 where y[(k * 3 + c) * 1024 + p] > y[(k * 3 + best) * 1024 + p] { best = c }
                labels[k * 1024 + p] = UInt8(best)
            }
        }
        return labels
    }

    static func tempFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func anImportedONNXModelSegmentsLikeItsSession() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("onnx-unet")
        let plan = try ONNXModelImport.makeFolder(onnx: Self.fixture, settings: Self.settings, to: folder)
        #expect(plan.network.spatialDimensions == 2 && plan.network.classes == 3)
        for file in ["model.onnx", "plan.json"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }

        let model = try ModelRegistry(searchFolders: [dir]).requireModel(named: "onnx-unet")
        #expect(model.backend == .onnx)
        #expect(model.plan == plan)
        #expect(model.weightsBytes > 1000)

        let expected = try Self.sessionLabels(folder.appendingPathComponent("model.onnx"))
        #expect(Set(expected).count >= 2, "the fixture network should not give one class everywhere")
        let labels = try ModelSegmenter(model: model, threads: 1).segment(AnyVolume(Self.image))
        #expect(labels.geometry == Self.image.geometry)
        let differing = zip(labels.voxels, expected).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) of \(expected.count) labels differ from the ONNX session's")

        // bf16 through the same folder: close to the float32 labels.
        let bf16 = try ModelSegmenter(model: model, precision: .bf16, threads: 1).segment(AnyVolume(Self.image))
        let agree = Double(zip(bf16.voxels, expected).filter { $0 == $1 }.count) / Double(expected.count)
        #expect(agree >= 0.98, "bf16 labels agree on \(agree * 100)%")
    }

    @Test func aPlanThatDoesNotFitTheGraphIsRefusedAndWritesNothing() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("bad")
        var s = Self.settings
        s.classNames.append("extra")
        let e = #expect(throws: ImagingError.self) {
            try ONNXModelImport.makeFolder(onnx: Self.fixture, settings: s, to: folder)
        }
        #expect(e?.code == .invalidArgument)
        #expect(
            e?.message.contains("4 classes") == true || e?.message.contains("[1, 4, 32, 32]") == true,
            "\(e?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: folder.path))
        #expect((try FileManager.default.contentsOfDirectory(atPath: dir.path)).isEmpty)

        s = Self.settings
        s.patchSize = [32, 32, 32]
        let e3 = #expect(throws: ImagingError.self) {
            try ONNXModelImport.makeFolder(onnx: Self.fixture, settings: s, to: folder)
        }
        #expect(e3?.message.contains("rank 4") == true, "\(e3?.message ?? "")")

        s = Self.settings
        s.patchSize = [30, 30]  // the U-Net halves twice: 30 → 15 → 8 → up to 32, not 30
        #expect(throws: ImagingError.self) {
            try ONNXModelImport.makeFolder(onnx: Self.fixture, settings: s, to: folder)
        }

        // An existing folder is kept unless replacing is asked for.
        try ONNXModelImport.makeFolder(onnx: Self.fixture, settings: Self.settings, to: folder)
        let again = #expect(throws: ImagingError.self) {
            try ONNXModelImport.makeFolder(onnx: Self.fixture, settings: Self.settings, to: folder)
        }
        #expect(again?.message.contains("already exists") == true)
        s = Self.settings
        s.classNames = ["background", "first", "second"]
        try ONNXModelImport.makeFolder(onnx: Self.fixture, settings: s, to: folder, replace: true)
        #expect(ModelRegistry.isModelFolder(folder))
        let replaced = try ModelRegistry(searchFolders: [dir]).requireModel(named: folder.lastPathComponent)
        #expect(replaced.plan.classNames == s.classNames, "the new plan replaced the old one")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [folder.lastPathComponent])
    }

    @Test func theCLIImportsListsAndSegments() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let models = dir.appendingPathComponent("models")
        let planFile = dir.appendingPathComponent("plan.json")
        try JSONEncoder().encode(Self.settings).write(to: planFile)
        let imp = try AnalyzeCLITests.run([
            "onnx", "import", Self.fixture.path, "--plan", planFile.path, "--out", models.path + "/onnx-unet",
        ])
        #expect(imp.status == 0, "\(imp.stderr)")

        let list = try AnalyzeCLITests.run(["models"], models: models.path)
        #expect(list.stdout.contains("onnx-unet: 3 classes (background, bright, dark)"), "\(list.stdout)")
        #expect(list.stdout.contains("ONNX model.onnx"))

        let input = dir.appendingPathComponent("image.nii.gz").path
        try NIfTI.write(AnyVolume(Self.image), to: input)
        let out = dir.appendingPathComponent("labels.nii.gz").path
        let seg = try AnalyzeCLITests.run(
            ["segment", input, "--model", "onnx-unet", "--out", out, "--threads", "1"], models: models.path)
        #expect(seg.status == 0, "\(seg.stderr)")
        let (labels, _) = try ImageReader.readVolume(path: out)
        let expected = try Self.sessionLabels(models.appendingPathComponent("onnx-unet/model.onnx"))
        #expect(labels.converted(to: Float.self).voxels == expected.map(Float.init))

        // A plan that does not fit: one line, non-zero exit, no folder.
        var bad = Self.settings
        bad.classNames = ["background", "only"]
        try JSONEncoder().encode(bad).write(to: planFile)
        let refused = try AnalyzeCLITests.run([
            "onnx", "import", Self.fixture.path, "--plan", planFile.path, "--out", models.path + "/bad",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.hasPrefix("spine: error:") && refused.stderr.split(separator: "\n").count == 1)
        #expect(refused.stderr.contains("2 classes") || refused.stderr.contains("[1, 2, 32, 32]"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: models.path + "/bad"))
    }
}
