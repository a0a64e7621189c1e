// SpineNNBench: forward latency and GFLOP/s of the reference 2-D U-Net (4 levels, 32 base
// features, two 3×3 conv+BN+ReLU per stage, max-pool down, transposed-conv up, 1 input channel,
// 12 classes) through InferenceUNet, and one training step (forward, backward, AdamW; float32 or
// mixed bf16 with --train-precision).
// With --export DIR it writes plan, weights, input and output there for Benchmarks/nn/peers.py.
// `SpineNNBench export …` compares native autograd evaluation with the exported ONNX session (ExportBench.swift).
// Build: swift build -c release --scratch-path .build-release --product SpineNNBench
import Foundation
import SpineNN

if CommandLine.arguments.dropFirst().first == "export" {
    // Native autograd evaluation vs the exported ONNX session (ExportBench.swift).
    try exportBench(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
var threads = ProcessInfo.processInfo.activeProcessorCount
var batch = 1
var size = 256
var repeats = 20
var trainBatch = 2
var trainSteps = 5
var exportDir: String?
var levels = 4
var dims = 2
var depth = 32
var base = 32
var precision = InferencePrecision.fp32
var trainPrecision = TrainingPrecision.fp32
var upsamplingMethod = InferenceUpsampling.pixelShuffle
var compare = false
var windowSize: Int?
var mirror = false
var args = CommandLine.arguments.dropFirst().makeIterator()
while let a = args.next() {
    switch a {
    case "--threads": threads = Int(args.next() ?? "") ?? threads
    case "--batch": batch = Int(args.next() ?? "") ?? batch
    case "--size": size = Int(args.next() ?? "") ?? size
    case "--repeats": repeats = Int(args.next() ?? "") ?? repeats
    case "--train-batch": trainBatch = Int(args.next() ?? "") ?? trainBatch
    case "--train-steps": trainSteps = Int(args.next() ?? "") ?? trainSteps
    case "--export": exportDir = args.next()
    case "--3d": dims = 3
    case "--depth": depth = Int(args.next() ?? "") ?? depth
    case "--base": base = Int(args.next() ?? "") ?? base
    case "--precision":
        guard let p = args.next().flatMap(InferencePrecision.init(rawValue:)) else {
            print("--precision takes fp32 or bf16")
            exit(2)
        }
        precision = p
    case "--train-precision":
        guard let p = args.next().flatMap(TrainingPrecision.init(rawValue:)) else {
            print("--train-precision takes fp32 or bf16")
            exit(2)
        }
        trainPrecision = p
    case "--upsampling":
        guard let u = args.next().flatMap(InferenceUpsampling.init(rawValue:)) else {
            print("--upsampling takes pixelShuffle or transposedConvolution")
            exit(2)
        }
        upsamplingMethod = u
    case "--compare": compare = true
    case "--window": windowSize = Int(args.next() ?? "")
    case "--mirror": mirror = true
    default:
        print(
            "usage: SpineNNBench [--threads N] [--batch N] [--size N] [--repeats N] [--train-batch N] [--train-steps N] [--3d --depth D --base F] [--precision fp32|bf16] [--train-precision fp32|bf16] [--upsampling pixelShuffle|transposedConvolution] [--compare] [--window SIZE [--mirror]] [--export DIR]"
        )
        exit(2)
    }
}
ComputeThreads.count = threads

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
func median(_ a: [Double]) -> Double { let s = a.sorted(); return s[s.count / 2] }

let config = UNetConfiguration(
    spatialDimensions: dims, inputChannels: 1, classes: 12, levels: levels, baseFeatures: base, maxFeatures: 1024)
var g = SeededGenerator(seed: 2024)
let net = try UNet(config, using: &g)
// Non-trivial batch-norm parameters and statistics, so that folding is exercised.
for (name, p) in net.namedParameters() where name.contains("norm") {
    let n = p.shape[0]
    let v: Tensor
    if name.hasSuffix("running_var") {
        v = Tensor.randomUniform([n], in: 0.5..<1.5, using: &g)
    } else if name.hasSuffix("running_mean") || name.hasSuffix("bias") {
        v = Tensor.randomNormal([n], std: 0.1, using: &g)
    } else {
        v = Tensor.randomUniform([n], in: 0.8..<1.2, using: &g)
    }
    try p.assign(v)
}
net.setTraining(false)
let spatial = dims == 2 ? [size, size] : [depth, size, size]
let inputShape = [batch, 1] + spatial
let x = Tensor.randomNormal(inputShape, using: &g)

/// Median and minimum latency of `fast` on `x`, after its first call (timed separately) and 3 warm-ups.
@MainActor func measure(_ fast: InferenceUNet, construction: Double) throws -> (
    y: Tensor, median: Double, min: Double, first: Double
) {
    let t0 = now()
    var y = try fast(x)
    let first = now() - t0 + construction
    for _ in 0..<3 { y = try fast(x) }
    var times: [Double] = []
    for _ in 0..<repeats {
        let s = now()
        y = try fast(x)
        times.append(now() - s)
    }
    return (y, median(times), times.min()!, first)
}

@MainActor func report(_ fast: InferenceUNet, _ m: (y: Tensor, median: Double, min: Double, first: Double)) throws {
    let flops = fast.floatingPointOperations(inputShape: inputShape)
    let kernels = Set(try fast.convolutionImplementations(inputShape: inputShape)).sorted().joined(separator: ",")
    print(
        String(
            format:
                "spinenn_forward shape=%@ threads=%d precision=%@ upsampling=%@ median_ms=%.2f min_ms=%.2f gflop=%.2f gflops_per_s=%.1f first_call_ms=%.1f kernels=%@",
            "\(inputShape)", threads, fast.precision.rawValue, fast.upsamplingMethod.rawValue, m.median * 1e3,
            m.min * 1e3, flops / 1e9, flops / m.median / 1e9, m.first * 1e3, kernels))
}

/// Share of voxels whose argmax over classes agrees, and max |Δ| relative to the largest logit.
func agreement(_ a: Tensor, _ b: Tensor) -> (Double, Float) {
    let k = a.shape[1]
    let za = a.channelsLastScalars, zb = b.channelsLastScalars
    var same = 0
    var scale: Float = 0
    var diff: Float = 0
    for v in 0..<(za.count / k) {
        var ia = 0, ib = 0
        for c in 1..<k {
            if za[v * k + c] > za[v * k + ia] { ia = c }
            if zb[v * k + c] > zb[v * k + ib] { ib = c }
        }
        if ia == ib { same += 1 }
    }
    for i in 0..<za.count {
        scale = max(scale, abs(za[i]))
        diff = max(diff, abs(za[i] - zb[i]))
    }
    return (Double(same) / Double(za.count / k), diff / scale)
}

let c0 = now()
let fast = try InferenceUNet(net, precision: precision, upsampling: upsamplingMethod)
let main = try measure(fast, construction: now() - c0)
try report(fast, main)
var y = main.y
if compare {
    // Every (precision, up-sampling) combination on the same weights and input, timed in
    // interleaved rounds (one call of each per round) so that a shared machine's changing load
    // falls on all alike; logits compared with float32 + transposed convolution (the arithmetic
    // of the evaluation graph).
    var nets: [InferenceUNet] = []
    for p in InferencePrecision.allCases {
        for u in InferenceUpsampling.allCases {
            let other = try InferenceUNet(net, precision: p, upsampling: u)
            for _ in 0..<3 { _ = try other(x) }
            nets.append(other)
        }
    }
    var times = [[Double]](repeating: [], count: nets.count)
    var outputs = [Tensor?](repeating: nil, count: nets.count)
    for _ in 0..<repeats {
        for (i, f) in nets.enumerated() {
            let s = now()
            outputs[i] = try f(x)
            times[i].append(now() - s)
        }
    }
    let flops = fast.floatingPointOperations(inputShape: inputShape)
    let reference = outputs[
        nets.firstIndex { $0.precision == .fp32 && $0.upsamplingMethod == .transposedConvolution }!]!
    let baseline = median(times[0])
    for (i, f) in nets.enumerated() {
        let (agree, err) = agreement(reference, outputs[i]!)
        print(
            String(
                format:
                    "interleaved precision=%@ upsampling=%@ median_ms=%.2f min_ms=%.2f gflops_per_s=%.1f speedup_vs_fp32_deconv=%.2f argmax_agree=%.5f max_abs_diff_rel=%.2e",
                f.precision.rawValue, f.upsamplingMethod.rawValue, median(times[i]) * 1e3, times[i].min()! * 1e3,
                flops / median(times[i]) / 1e9,
                baseline / median(times[i]), agree, err))
    }
}

if let windowSize {
    // Sliding-window inference over a larger input (every spatial axis but a 3-D volume's depth
    // set to SIZE), patch = the benchmark's input size, overlap 0.5, Gaussian weights.
    let big = Tensor.randomNormal(
        [1, 1] + (dims == 2 ? [windowSize, windowSize] : [depth * 2, windowSize, windowSize]), using: &g)
    let window = SlidingWindow(patchSize: spatial, mirrorAxes: mirror ? Array(0..<dims) : [])
    var network = 0.0
    var calls = 0
    let s = now()
    let out = try window(big) { patch in
        let t = now()
        defer { network += now() - t; calls += 1 }
        return try fast(patch)
    }
    let total = now() - s
    print(
        String(
            format:
                "sliding_window input=%@ patch=%@ mirror=%d predictor_calls=%d total_ms=%.1f network_ms=%.1f window_overhead_ms=%.1f",
            "\(big.shape)", "\(spatial)", mirror ? 1 : 0, calls, total * 1e3, network * 1e3, (total - network) * 1e3))
    precondition(out.shape == [1, 12] + Array(big.shape.dropFirst(2)))
}

if let exportDir {
    let dir = URL(fileURLWithPath: exportDir)
    let plan = ModelPlan(network: config, classNames: (0..<12).map { "class\($0)" }, patchSize: spatial)
    try Checkpoint.save(net, plan: plan, to: dir)
    try SafeTensors.write(["input": x, "output": y], to: dir.appendingPathComponent("io.safetensors"))
}

if trainSteps > 0 {
    net.setTraining(true)
    net.trainingPrecision = trainPrecision
    let opt = AdamW(parameters: net.trainableParameters, learningRate: 1e-4)
    let tx = Tensor.randomNormal([trainBatch, 1] + spatial, using: &g)
    let labels = (0..<(trainBatch * spatial.reduce(1, *))).map { _ in Int32.random(in: 0..<12, using: &g) }
    var stepTimes: [Double] = []
    for i in 0..<(trainSteps + 1) {
        let s = now()
        opt.zeroGradients()
        let loss = try crossEntropy(try net(Variable(tx)), labels: labels)
        try loss.backward()
        try opt.step()
        if i > 0 { stepTimes.append(now() - s) }
    }
    print(
        String(
            format: "spinenn_train_step shape=%@ threads=%d precision=%@ median_ms=%.1f min_ms=%.1f",
            "\([trainBatch, 1] + spatial)", threads, trainPrecision.rawValue, median(stepTimes) * 1e3,
            stepTimes.min()! * 1e3))
}
