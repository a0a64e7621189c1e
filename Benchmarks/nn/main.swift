// SpineNNBench: forward latency and GFLOP/s of the reference 2-D U-Net (4 levels, 32 base
// features, two 3×3 conv+BN+ReLU per stage, max-pool down, transposed-conv up, 1 input channel,
// 12 classes) through InferenceUNet, and one training step (forward, backward, AdamW).
// With --export DIR it writes plan, weights, input and output there for Benchmarks/nn/peers.py.
// Build: swift build -c release --scratch-path .build-release --product SpineNNBench
import Foundation
import SpineNN

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
    default:
        print("usage: SpineNNBench [--threads N] [--batch N] [--size N] [--repeats N] [--train-batch N] [--train-steps N] [--3d --depth D --base F] [--export DIR]")
        exit(2)
    }
}
ComputeThreads.count = threads

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
func median(_ a: [Double]) -> Double { let s = a.sorted(); return s[s.count / 2] }

let config = UNetConfiguration(spatialDimensions: dims, inputChannels: 1, classes: 12, levels: levels, baseFeatures: base, maxFeatures: 1024)
var g = SeededGenerator(seed: 2024)
let net = try UNet(config, using: &g)
// Non-trivial batch-norm parameters and statistics, so that folding is exercised.
for (name, p) in net.namedParameters() where name.contains("norm") {
    let n = p.shape[0]
    let v: Tensor
    if name.hasSuffix("running_var") { v = Tensor.randomUniform([n], in: 0.5..<1.5, using: &g) }
    else if name.hasSuffix("running_mean") || name.hasSuffix("bias") { v = Tensor.randomNormal([n], std: 0.1, using: &g) }
    else { v = Tensor.randomUniform([n], in: 0.8..<1.2, using: &g) }
    try p.assign(v)
}
net.setTraining(false)
let spatial = dims == 2 ? [size, size] : [depth, size, size]
let inputShape = [batch, 1] + spatial
let x = Tensor.randomNormal(inputShape, using: &g)

let t0 = now()
let fast = try InferenceUNet(net)
var y = try fast(x)
let firstCall = now() - t0
var times: [Double] = []
for _ in 0..<3 { y = try fast(x) }
for _ in 0..<repeats {
    let s = now()
    y = try fast(x)
    times.append(now() - s)
}
let flops = fast.floatingPointOperations(inputShape: inputShape)
let med = median(times)
print(String(format: "spinenn_forward shape=%@ threads=%d median_ms=%.2f min_ms=%.2f gflop=%.2f gflops_per_s=%.1f first_call_ms=%.1f",
    "\(inputShape)", threads, med * 1e3, times.min()! * 1e3, flops / 1e9, flops / med / 1e9, firstCall * 1e3))

if let exportDir {
    let dir = URL(fileURLWithPath: exportDir)
    let plan = ModelPlan(network: config, classNames: (0..<12).map { "class\($0)" }, patchSize: spatial)
    try Checkpoint.save(net, plan: plan, to: dir)
    try SafeTensors.write(["input": x, "output": y], to: dir.appendingPathComponent("io.safetensors"))
}

if trainSteps > 0 {
    net.setTraining(true)
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
    print(String(format: "spinenn_train_step shape=%@ threads=%d median_ms=%.1f", "\([trainBatch, 1] + spatial)", threads, median(stepTimes) * 1e3))
}
