import ArgumentParser
import Foundation
import SpineImaging
import SpineNN
import SpinePipeline

/// `spine train`: train a segmentation model from a recipe; resumable.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a segmentation model from a recipe (resumable; validates and checkpoints every epoch).",
        discussion: """
            Built-in recipes: \(TrainingRecipe.builtIn.map { "\($0.name) (\($0.layout.rawValue))" }.joined(separator: ", ")).
            --recipe also takes a recipe JSON file (the recipe.json a model folder holds).
            phantom-studies data: a folder of `spine phantom mri --no-dicom` studies (mri-<seed>/nifti/SAG_*.nii and
            SAG_labels_class.nii.gz). image-label-pairs data: <group>/<case>_img.nii.gz + <case>_seg.nii.gz, as in
            ../shared/data/lumbar-mri-real. Every recipe.validationEvery-th case (sorted by name) is held out for validation.
            OUT becomes a model folder (plan.json, weights.safetensors, recipe.json, model.json, training-log.csv,
            training-state.json, optimizer.safetensors), replaced atomically at every checkpoint; running the same
            command again resumes from the last checkpoint. Progress lines go to stderr.
            """)

    @Option(help: "Recipe: a built-in name or a recipe JSON file.")
    var recipe: String

    @Option(help: "Training data folder.")
    var data: String

    @Option(help: "Model folder to write (and resume from).")
    var out: String

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(help: "Override the recipe's number of steps.")
    var steps: Int?

    @Option(help: "Stop with a checkpoint after this many steps in all (run again to resume).")
    var stopAfter: Int?

    @Option(help: "Cross-validation fold: hold out the cases whose index modulo recipe.validationEvery is this (default 0).")
    var fold: Int?

    @Option(
        help: """
            Arithmetic of the training step: fp32, or bf16 (mixed precision: bfloat16 convolutions, float32 master \
            weights, gradients and optimizer; about twice as fast on CPUs with AVX-512 BF16).
            """)
    var precision = "fp32"

    func run() throws {
        try runReportingErrors {
            try requireParentFolder(of: out)
            guard let trainingPrecision = TrainingPrecision(rawValue: precision) else {
                throw ImagingError(.invalidArgument, "--precision \(precision): expected fp32 or bf16")
            }
            var r = try TrainingRecipe.resolve(recipe)
            if let steps {
                guard steps >= 1 else { throw ImagingError(.invalidArgument, "--steps must be at least 1") }
                r.steps = steps
            }
            if let fold { r.validationFold = fold == 0 ? nil : fold }
            if let threads, threads < 1 { throw ImagingError(.invalidArgument, "--threads must be at least 1") }
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: data, isDirectory: &isDir), isDir.boolValue else {
                throw ImagingError(.fileNotFound, "no such folder", file: data)
            }
            var trainer = Trainer(
                recipe: r, data: URL(fileURLWithPath: data), output: URL(fileURLWithPath: out), threads: threads)
            trainer.stopAtStep = stopAfter
            trainer.precision = trainingPrecision
            let card = try trainer.run { line in
                FileHandle.standardError.write(Data("spine train: \(line)\n".utf8))
            }
            print(
                card.steps < r.steps
                    ? "stopped at step \(card.steps) of \(r.steps); checkpoint in \(out) (run again to resume)"
                    : "wrote \(out): \(card.oneLine)")
        }
    }
}

/// `spine segment`: the label map of an image from an installed model, on the image's grid.
struct Segment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Segment an image with an installed model and write the label map (NIfTI) on the image's grid.")

    @Argument(help: "DICOM folder/zip, NIfTI or MetaImage image.")
    var input: String

    @Option(help: "Label map to write (.nii or .nii.gz).")
    var out: String

    @Option(help: "Segmentation model name (see `spine models`).")
    var model: String?

    @Option(help: "Series Instance UID to use when a DICOM folder holds several.")
    var series: String?

    @Option(help: "Compute threads.")
    var threads: Int?

    @Option(help: "Inference precision: fp32 or bf16.")
    var precision = "fp32"

    func run() throws {
        try runReportingErrors {
            try requireParentFolder(of: out)
            guard let p = StudyAnalysis.Precision(rawValue: precision) else {
                throw ImagingError(.invalidArgument, "--precision \(precision): expected fp32 or bf16")
            }
            if let threads, threads < 1 { throw ImagingError(.invalidArgument, "--threads must be at least 1") }
            let m = try ModelRegistry.standard().requireModel(named: model)
            let (image, _) = try ImageReader.readVolume(path: input, series: series)
            let started = Date()
            let labels = try ModelSegmenter(model: m, precision: p, threads: threads).segment(image)
            let seconds = Date().timeIntervalSince(started)
            try NIfTI.write(AnyVolume(labels), to: out)
            print("wrote \(out): model \(m.name), \(labels.geometry.size.x)×\(labels.geometry.size.y)×\(labels.geometry.size.z), \(String(format: "%.2f", seconds)) s")
        }
    }
}
