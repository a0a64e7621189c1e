// `SpineNNBench export`: the native autograd evaluation of a ResNet-18 classifier and a CenterNet
// detector against the same networks exported to ONNX and run by ONNXSession (batch norm folded,
// ReLU and residual sums fused, blocked layouts, cached primitives, reused buffers), same weights,
// same input, same thread count (and the bf16 session). Prints the medians, the ratios and the max
// |difference|; with --write DIR also writes <net>.onnx, <net>-input.npy and
// <net>-native-<output>.npy for Benchmarks/onnx/export_check.py (ONNX Runtime cross-check).
import Foundation
import SpineNN

func exportBench(_ arguments: [String]) throws {
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var repeats = 10
    var writeDir: String?
    var only: String?
    var profile = false
    var args = arguments.makeIterator()
    while let a = args.next() {
        switch a {
        case "--threads": threads = Int(args.next() ?? "") ?? threads
        case "--repeats": repeats = Int(args.next() ?? "") ?? repeats
        case "--write": writeDir = args.next()
        case "--only": only = args.next()
        case "--profile": profile = true
        default:
            print(
                "usage: SpineNNBench export [--threads N] [--repeats N] [--only resnet18|centernet] [--write DIR]"
                    + " [--profile]")
            exit(2)
        }
    }
    ComputeThreads.count = threads
    var g = SeededGenerator(seed: 7)

    func randomizeStatistics(_ net: some Layer) throws {
        for (name, p) in net.namedParameters() where p.shape.count == 1 {
            let n = p.shape[0]
            if name.hasSuffix("running_var") {
                try p.assign(Tensor.randomUniform([n], in: 0.5..<1.5, using: &g))
            } else if name.hasSuffix("weight") {
                try p.assign(Tensor.randomUniform([n], in: 0.8..<1.2, using: &g))
            } else {
                try p.assign(Tensor.randomNormal([n], std: 0.1, using: &g))
            }
        }
    }
    func seconds(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }
    func median(_ a: [Double]) -> Double { a.sorted()[a.count / 2] }
    func maxDiff(_ a: [Tensor], _ b: [Tensor]) -> Float {
        zip(a, b).map { $0.maxAbsDifference($1) }.max() ?? 0
    }

    /// One network: `native` runs the autograd graph, `names` are the session's outputs in the same order.
    func compare(
        _ label: String, _ net: some ONNXExportable, input x: Tensor, names: [String], native: () throws -> [Tensor]
    ) throws {
        net.setTraining(false)
        var session: ONNXSession!
        let build = try seconds { session = try net.inferenceSession(precision: .fp32) }
        let bf16 = try net.inferenceSession(precision: .bf16)
        func fused(_ s: ONNXSession) throws -> [Tensor] {
            let out = try s.run(["input": x])
            return names.map { out[$0]! }
        }
        let a = try native(), b = try fused(session), c = try fused(bf16)
        let scale = a.map { $0.nchwScalars.map(abs).max() ?? 0 }.max() ?? 1
        let (diff, diff16) = (maxDiff(a, b), maxDiff(a, c))
        // Interleaved: native, session, bf16 session, native… so that load bursts hit all alike.
        var tn: [Double] = [], ts: [Double] = [], tb: [Double] = []
        for _ in 0..<repeats {
            tn.append(try seconds { _ = try native() })
            ts.append(try seconds { _ = try fused(session) })
            tb.append(try seconds { _ = try fused(bf16) })
        }
        let (mn, ms, mb) = (median(tn) * 1e3, median(ts) * 1e3, median(tb) * 1e3)
        if profile {
            session.isProfiling = true
            for _ in 0..<repeats { _ = try fused(session) }
            var byOp: [String: Double] = [:]
            for p in session.profile { byOp[p.op, default: 0] += p.fastest }
            print(
                "\(label) fp32 session, fastest run per node summed by operator [ms]: "
                    + byOp.sorted { $0.value > $1.value }.map { String(format: "%@ %.2f", $0.key, $0.value) }
                    .joined(separator: ", "))
        }
        print(
            String(
                format:
                    "%@ shape=%@ threads=%d native_autograd_eval_median_ms=%.2f exported_session_median_ms=%.2f speedup=%.2fx bf16_session_median_ms=%.2f bf16_speedup=%.2fx session_build_ms=%.0f fused_bn=%d fused_add=%d fused_act=%d max_abs_diff=%.3g max_abs_output=%.3g bf16_max_abs_diff=%.3g",
                label, "\(x.shape)", threads, mn, ms, mn / ms, mb, mn / mb, build * 1e3, session.fusedBatchNormCount,
                session.fusedAddCount, session.fusedActivationCount, diff, scale, diff16))
        if let writeDir {
            let dir = URL(fileURLWithPath: writeDir)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try net.writeONNX(to: dir.appendingPathComponent("\(label).onnx"))
            try NPY.write(NPYArray(x), to: dir.appendingPathComponent("\(label)-input.npy"))
            for (name, t) in zip(names, a) {
                try NPY.write(NPYArray(t), to: dir.appendingPathComponent("\(label)-native-\(name).npy"))
            }
        }
    }

    if only == nil || only == "resnet18" {
        // torchvision's ResNet-18 on a 224×224 RGB image, batch 1.
        let net = try ResNet(ResNetConfiguration(classes: 1000), using: &g)
        try randomizeStatistics(net)
        let x = Tensor.randomNormal([1, 3, 224, 224], using: &g)
        try compare("resnet18", net, input: x, names: ["logits"]) {
            [try GradientMode.withoutGradients { try net(Variable(x)).value }]
        }
    }
    if only == nil || only == "centernet" {
        // A CenterNet on a ResNet-18-style backbone (base 32), one 512×512 radiograph channel, 4 classes.
        let config = CenterNetConfiguration(
            backbone: ResNetConfiguration(inputChannels: 1, classes: 1, baseFeatures: 32), classes: 4, headFeatures: 64)
        let net = try CenterNet(config, using: &g)
        try randomizeStatistics(net)
        let x = Tensor.randomNormal([1, 1, 512, 512], using: &g)
        try compare("centernet", net, input: x, names: ["heatmap", "size", "offset"]) {
            let o = try GradientMode.withoutGradients { try net(Variable(x)) }
            return [o.heatmap.value, o.size.value, o.offset.value]
        }
    }
}
