import ArgumentParser
import Foundation
import SpineNN
import SpinePipeline

extension ONNXCommand {
    /// `spine onnx export`: a native model folder's U-Net as an `.onnx` file.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a native model folder's network (spine train's plan.json + weights.safetensors) as ONNX.",
            discussion: """
                The file is the evaluation-mode network (batch norm with its running statistics), opset 17, float32:
                input `input` [batch, channels, spatial…] with symbolic batch and spatial sizes, output `logits`
                (and `logits_level1`, … with deep supervision); initializers are named like the checkpoint's tensors.
                It runs in ONNX Runtime and in `spine onnx run`. --sample-input X.npy with --sample-output Y.npy also
                writes the native network's output for X, to compare with another runtime.
                """)

        @Option(
            help:
                "Native model folder (plan.json + weights.safetensors), as written by spine train, or the name of an installed model (spine models)."
        )
        var model: String
        @Option(help: "The .onnx file to write.")
        var out: String
        @Option(help: "Optional input array (.npy, float32, [N, channels, spatial…]) to run the native network on.")
        var sampleInput: String?
        @Option(help: "Where to write the native network's output for --sample-input (.npy, float32).")
        var sampleOutput: String?

        func validate() throws {
            guard (sampleInput == nil) == (sampleOutput == nil) else {
                throw ValidationError("--sample-input and --sample-output go together")
            }
        }

        func run() throws {
            try runReportingNNErrors {
                var folder = URL(fileURLWithPath: model)
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) || !isDirectory.boolValue,
                    let installed = ModelRegistry.standard().model(named: model)
                {
                    folder = installed.folder
                }
                switch ModelBackend.of(folder) {
                case .native?: break
                case .onnx?:
                    throw NNError(
                        .unsupported,
                        "\(model) is an ONNX model folder already; its graph is \(ModelBackend.onnxFile) there")
                case nil:
                    throw NNError(
                        .fileNotFound,
                        "\(model) is not a model folder (no \(Checkpoint.planFile) + \(Checkpoint.weightsFile))")
                }
                let plan = try Checkpoint.loadPlan(from: folder)
                let network = try Checkpoint.loadUNet(plan: plan, from: folder)
                network.setTraining(false)
                let url = URL(fileURLWithPath: out)
                try network.writeONNX(to: url)
                let written = try ONNXModel(contentsOf: url)
                let c = plan.network
                print(
                    "wrote \(out): \(c.spatialDimensions)-D U-Net, \(c.classes) classes, opset \(written.opsetVersion), \(written.nodeCount) nodes, \(written.parameterCount) parameters"
                )
                if let sampleInput, let sampleOutput {
                    let array = try NPY.read(from: URL(fileURLWithPath: sampleInput))
                    guard array.dtype == .float32 else {
                        throw NNError(.shapeMismatch, "--sample-input holds \(array.dtype), expected float32")
                    }
                    let x = try array.tensor()
                    let y = try GradientMode.withoutGradients { try network(Variable(x)).value }
                    try NPY.write(NPYArray(y), to: URL(fileURLWithPath: sampleOutput))
                    print("native output: \(sampleOutput) \(y.shape)")
                }
            }
        }
    }
}
