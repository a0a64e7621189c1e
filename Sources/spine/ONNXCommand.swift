import ArgumentParser
import Foundation
import SpineAnalysis
import SpineNN
import SpinePipeline

/// `spine onnx`: inspect and run ONNX models on SpineNN (oneDNN), no Python needed.
struct ONNXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onnx",
        abstract: "Inspect and run ONNX models (opsets 11–20) on SpineNN.",
        subcommands: [Inspect.self, Run.self, Import.self, Export.self]
    )

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Make a model folder (model.onnx + plan.json) that spine models, segment and analyze use.",
            discussion: """
                The plan is JSON with classNames (background first), patchSize (H, W or D, H, W) and optionally
                intensity {mean, standardDeviation}, axisCodes ("PIR") and spacingMM — the fields of a native model's
                plan.json. The ONNX model must take one float32 input [N, 1, patch…] and give [N, classes, patch…];
                a trial run on a patch checks it. The folder is written atomically; its name is the model's name.
                Put it (or its parent) in $\(ModelRegistry.environmentVariable) or in Models/.
                """)

        @Argument(help: "The .onnx file (external data files beside it are copied too).")
        var model: String
        @Option(help: "Plan JSON (classNames, patchSize, intensity, axisCodes, spacingMM).")
        var plan: String
        @Option(help: "Model folder to write; its name is the model's name.")
        var out: String
        @Flag(help: "Replace an existing folder.")
        var force = false

        func run() throws {
            try runReportingErrors {
                let settings = try ONNXModelImport.Settings.read(from: URL(fileURLWithPath: plan))
                let p = try ONNXModelImport.makeFolder(
                    onnx: URL(fileURLWithPath: model), settings: settings, to: URL(fileURLWithPath: out), replace: force
                )
                print(
                    "wrote \(out): ONNX model, \(p.network.spatialDimensions)-D, \(p.classNames.count) classes (\(p.classNames.joined(separator: ", "))), patch \(p.patchSize.map(String.init).joined(separator: "×"))"
                )
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print a model's inputs, outputs, opsets, operator histogram, parameter count and unsupported operators."
        )

        @Argument(help: "The .onnx file (external data files are read from beside it).")
        var model: String

        func run() throws {
            try runReportingNNErrors {
                let m = try ONNXModel(contentsOf: URL(fileURLWithPath: model))
                var lines: [String] = []
                lines.append("model: \(model)")
                lines.append("producer: \(m.producer.isEmpty ? "-" : m.producer), IR version \(m.irVersion)")
                lines.append(
                    "opsets: "
                        + m.opsets.sorted { $0.key < $1.key }.map {
                            "\($0.key.isEmpty ? "ai.onnx" : $0.key) \($0.value)"
                        }.joined(separator: ", "))
                lines.append("inputs:")
                lines += m.inputs.map { "  \($0)" }
                lines.append("outputs:")
                lines += m.outputs.map { "  \($0)" }
                lines.append("parameters: \(m.parameterCount)")
                lines.append("operators (\(m.nodeCount) nodes):")
                lines += m.operatorHistogram.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map {
                    "  \($0.key) \($0.value)"
                }
                let bad = m.unsupportedNodes
                if bad.isEmpty {
                    lines.append("unsupported: none")
                } else {
                    lines.append("unsupported: \(bad.count) nodes")
                    lines += bad.map { "  \($0.op) (node '\($0.node)')" }
                }
                print(lines.joined(separator: "\n"))
                if !bad.isEmpty { throw ExitCode(5) }
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a model on a .npy input, write the first output as .npy and print the median time.",
            discussion:
                "The last line printed is `median_ms=<value>`: the median wall time [ms] of --repeat runs after the first (untimed) run."
        )


        @Option(help: "The .onnx file.")
        var model: String
        @Option(help: "Input array (.npy, float32, C order, the model's input shape).")
        var input: String
        @Option(help: "Where to write the first output (.npy, float32).")
        var output: String
        @Option(help: "Timed runs after the first run.")
        var `repeat`: Int = 1
        @Option(
            help:
                "Arithmetic precision: fp32, or bf16 (bfloat16 convolutions and activations between them, float32 accumulation; AVX-512 BF16)."
        )
        var precision: InferencePrecision = .fp32
        @Option(help: "Compute threads (default: all cores).")
        var threads: Int?
        @Flag(help: "Print the time per operator type and the slowest nodes over the timed runs.")
        var profile = false

        func validate() throws {
            guard self.repeat >= 1 else { throw ValidationError("--repeat must be at least 1") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            try runReportingNNErrors {
                if let threads { ComputeThreads.count = threads }
                let m = try ONNXModel(contentsOf: URL(fileURLWithPath: model))
                let session = try ONNXSession(m, precision: precision)
                let array = try NPY.read(from: URL(fileURLWithPath: input))
                guard let info = m.inputs.first, m.inputs.count == 1 else {
                    throw NNError(
                        .unsupported, "the model has \(m.inputs.count) inputs; `spine onnx run` feeds exactly one")
                }
                guard array.dtype == .float32 else {
                    throw NNError(.shapeMismatch, "input '\(info.name)' expects float32, the .npy holds \(array.dtype)")
                }
                let x = try array.tensor()
                let y = try session(x)
                try NPY.write(NPYArray(y), to: URL(fileURLWithPath: output))
                var times: [Double] = []
                session.isProfiling = profile
                for _ in 0..<self.repeat {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    _ = try session(x)
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                }
                let median = Percentile.median(times) ?? 0
                print("output: \(output) \(y.shape)")
                if profile {
                    var byOp: [String: (ms: Double, fastest: Double, n: Int)] = [:]
                    for p in session.profile {
                        byOp[p.op, default: (0, 0, 0)].ms += p.milliseconds / Double(p.runs)
                        byOp[p.op]!.fastest += p.fastest
                        byOp[p.op]!.n += 1
                    }
                    print("per run, by operator [ms] (mean, sum of each node's fastest run):")
                    for (op, v) in byOp.sorted(by: { $0.value.ms > $1.value.ms }) {
                        print(String(format: "  %-28@ %8.3f %8.3f  (%d nodes)", op as NSString, v.ms, v.fastest, v.n))
                    }
                    print("slowest nodes [ms per run] (mean, fastest):")
                    for p in session.profile.sorted(by: { $0.milliseconds > $1.milliseconds }).prefix(12) {
                        print(
                            String(
                                format: "  %8.3f %8.3f  %@", p.milliseconds / Double(p.runs), p.fastest,
                                p.node as NSString))
                    }
                    print(String(format: "nodes: %d, sum of fastest: %.3f ms", session.stepCount,
                                 session.profile.reduce(0) { $0 + $1.fastest }))
                }
                print(String(format: "min_ms=%.3f", times.min() ?? 0))
                print(String(format: "median_ms=%.3f", median))
            }
        }
    }
}

/// Runs a body, turning ``NNError``s into one line on stderr and an exit code (see `spine --help`).
func runReportingNNErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as NNError {
        FileHandle.standardError.write(Data("spine: error: \(e.description)\n".utf8))
        let code: Int32
        switch e.code {
        case .fileNotFound: code = 3
        case .malformedFile, .checkpointMismatch: code = 4
        case .unsupported: code = 5
        case .shapeMismatch, .invalidArgument: code = 2
        case .nonFinite, .backend: code = 1
        }
        throw ExitCode(code)
    }
}

extension InferencePrecision: ExpressibleByArgument {}
