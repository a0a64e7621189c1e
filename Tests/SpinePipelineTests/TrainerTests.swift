import Foundation
import SpineAnalysis
import SpineImaging
import SpineNN
import SpinePipeline
import SpineTestSupport
import Testing

/// `spine train` as a library: a tiny recipe learns bright boxes on dark noise from image/label pairs, with
/// partial labels, checkpoints, resumes, and the model it writes runs through `ModelSegmenter` in its own
/// frame (reoriented and resampled) and back onto the input's grid.
@Suite struct TrainerTests {
    /// A 40×40×6 volume stored LPS at 1.5 × 1.5 × 4 mm (i = L, j = P, k = S): a box of class `label` (value 1
    /// in the label map) brighter than the noisy background.
    static func writeCase(_ dir: URL, group: String, name: String, seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        let geometry = ImageGeometry(
            size: SIMD3(40, 40, 6), spacing: SIMD3(1.5, 1.5, 4), origin: .zero, direction: .identity)
        var image = Volume<Float>(geometry: geometry)
        var labels = Volume<UInt8>(geometry: geometry)
        let x0 = Int.random(in: 4...20, using: &g), y0 = Int.random(in: 4...20, using: &g)
        for k in 0..<6 {
            for j in 0..<40 {
                for i in 0..<40 {
                    let n = i + 40 * (j + 40 * k)
                    let inside = (x0..<(x0 + 14)).contains(i) && (y0..<(y0 + 12)).contains(j)
                    image.voxels[n] = (inside ? 3 : 0) + Float.random(in: -0.5...0.5, using: &g)
                    labels.voxels[n] = inside ? 1 : 0
                }
            }
        }
        let folder = dir.appendingPathComponent(group)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try NIfTI.write(AnyVolume(image), to: folder.appendingPathComponent("\(name)_img.nii.gz").path)
        try NIfTI.write(AnyVolume(labels), to: folder.appendingPathComponent("\(name)_seg.nii.gz").path)
    }

    static var recipe: TrainingRecipe {
        var r = TrainingRecipe.lumbarSagittalReal
        r.name = "test-boxes"
        r.groups = [
            TrainingRecipe.LabelGroup(folder: "A", classOf: [1: 1]),
            TrainingRecipe.LabelGroup(folder: "B", classOf: [1: 2]),
        ]
        r.network = UNetConfiguration(classes: 3, levels: 2, baseFeatures: 4, maxFeatures: 8)
        r.patchSize = [32, 32]
        r.batchSize = 2
        r.steps = 12
        r.stepsPerEpoch = 6
        r.learningRate = 1e-2
        r.validationEvery = 3
        return r
    }

    @Test func trainsCheckpointsResumesAndTheModelRunsOnTheInputGrid() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-train-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        for n in 0..<3 {
            try Self.writeCase(data, group: "A", name: "a\(n)", seed: UInt64(n))
            try Self.writeCase(data, group: "B", name: "b\(n)", seed: UInt64(10 + n))
        }
        let out = dir.appendingPathComponent("models/boxes")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("models"), withIntermediateDirectories: true)

        // A first run stops after one epoch; the second resumes at step 6 and finishes.
        var first = Self.recipe
        first.steps = 12
        var lines: [String] = []
        var short = Trainer(recipe: first, data: data, output: out, threads: 1)
        short.validationImages = 2
        short.stopAtStep = 6
        _ = try short.run { lines.append($0) }
        short.stopAtStep = nil
        let state = try JSONDecoder().decode(
            TrainingStateProbe.self, from: Data(contentsOf: out.appendingPathComponent("training-state.json")))
        #expect(state.step == 6)
        let card = try short.run { lines.append($0) }
        #expect(lines.contains { $0.hasPrefix("resuming at step 6") })
        #expect(card.steps == 12)
        #expect(card.validationCases.count == 2)
        #expect(Set(card.validationDice.map(\.name)) == ["vertebral_body", "intervertebral_disc"])
        for file in ["plan.json", "weights.safetensors", "recipe.json", "model.json", "training-log.csv"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let log = try String(contentsOf: out.appendingPathComponent("training-log.csv"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 3)  // header + 2 epochs

        // Another recipe refuses to resume over this one.
        var other = Self.recipe
        other.seed = 7
        #expect(throws: ImagingError.self) { try Trainer(recipe: other, data: data, output: out).run { _ in } }

        // The model runs in its frame (PIR, 1 mm) and answers on the input's LPS 1.5 mm grid.
        let model = try #require(ModelRegistry(searchFolders: [out]).model(named: "boxes"))
        #expect(model.plan.axisCodes == "PIR")
        #expect(ModelCard.load(from: out)?.recipe == "test-boxes")
        let (image, _) = try ImageReader.readVolume(path: data.appendingPathComponent("A/a0_img.nii.gz").path)
        let labels = try ModelSegmenter(model: model, threads: 1).segment(image)
        #expect(labels.geometry == image.geometry)
        #expect(labels.voxels.allSatisfy { $0 < 3 })
    }

    @Test func aMissingOrEmptyDataFolderIsAClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try Trainer(recipe: Self.recipe, data: dir, output: dir.appendingPathComponent("m")).run { _ in }
            Issue.record("expected an error")
        } catch let e as ImagingError {
            #expect(e.code == .noImageData)
            #expect(e.description.contains("_img.nii.gz"))
        }
        #expect(throws: ImagingError.self) { try TrainingRecipe.resolve("no-such-recipe") }
        #expect(try TrainingRecipe.resolve("lumbar-sagittal-phantom").classNames.count == 12)
    }
}

/// `spine train --precision`: bf16 mixed precision is reachable from the command line; an unknown
/// precision is refused before anything is read or written.
@Suite struct TrainCLIPrecisionTests {
    @Test func bf16TrainsFromTheCommandLineAndAnUnknownPrecisionIsRefused() throws {
        let dir = URL(fileURLWithPath: try ExternalProgram.tempFolder("spinekit-train-cli"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        for n in 0..<3 {
            try TrainerTests.writeCase(data, group: "A", name: "a\(n)", seed: UInt64(n))
            try TrainerTests.writeCase(data, group: "B", name: "b\(n)", seed: UInt64(10 + n))
        }
        var recipe = TrainerTests.recipe
        recipe.network = UNetConfiguration(classes: 3, levels: 2, baseFeatures: 8, maxFeatures: 16)
        let recipeFile = dir.appendingPathComponent("recipe.json")
        try JSONEncoder().encode(recipe).write(to: recipeFile)
        let common = ["train", "--recipe", recipeFile.path, "--data", data.path, "--threads", "1", "--steps", "2"]

        let refused = dir.appendingPathComponent("refused")
        let bad = try ExternalProgram.spine(common + ["--out", refused.path, "--precision", "fp16"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--precision fp16"))
        #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: refused.path))

        let out = dir.appendingPathComponent("bf16")
        let run = try ExternalProgram.spine(common + ["--out", out.path, "--precision", "bf16"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.stderr.contains("precision bf16"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("weights.safetensors").path))
    }
}

/// The part of `training-state.json` the test reads.
struct TrainingStateProbe: Decodable {
    var step: Int
}
