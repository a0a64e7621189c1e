import Foundation
import Testing

@testable import SpineNN

@Suite("Checkpoints")
struct CheckpointTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("spinenn-\(UUID().uuidString)")
    }

    @Test(arguments: [SafeTensorsDType.f32, .f16, .bf16])
    func safetensorsRoundTrip(_ dtype: SafeTensorsDType) throws {
        let a = randn([2, 3, 4, 5], seed: 1)
        let b = randn([7], seed: 2)
        let data = try SafeTensors.encode(["a": a, "b": b], dtype: dtype, metadata: ["k": "v"])
        let (t, meta) = try SafeTensors.decode(data)
        #expect(meta == ["k": "v"])
        let tol: Float = dtype == .f32 ? 0 : (dtype == .f16 ? 2e-3 : 2e-2)
        for (name, x) in [("a", a), ("b", b)] {
            let y = try #require(t[name])
            #expect(y.shape == x.shape)
            for (p, q) in zip(x.nchwScalars, y.nchwScalars) { #expect(abs(p - q) <= tol * max(1, abs(p))) }
        }
    }

    @Test func safetensorsLayoutIsPyTorchOrder() throws {
        // Header then F32 data in NCHW order: a [1, 2, 1, 2] tensor 0, 1, 2, 3.
        let t = try Tensor(shape: [1, 2, 1, 2], nchw: [0, 1, 2, 3])
        let data = try SafeTensors.encode(["x": t])
        let n = Int(data[0]) | Int(data[1]) << 8
        let floats = data.dropFirst(8 + n).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == [0, 1, 2, 3])
    }

    @Test func malformedFilesAreErrors() throws {
        let good = try SafeTensors.encode(["a": randn([4, 4], seed: 3)])
        for bad in [
            Data(), good.prefix(20), good.prefix(good.count - 4),
            Data([255, 255, 255, 255, 0, 0, 0, 0]) + good.dropFirst(8),
        ] {
            #expect(throws: NNError.self) { try SafeTensors.decode(bad) }
        }
    }

    @Test func modelAndOptimizerRoundTripAndResumeExactly() throws {
        let config = UNetConfiguration(classes: 2, levels: 2, baseFeatures: 4)
        let plan = ModelPlan(network: config, classNames: ["background", "disc"], patchSize: [16, 16])
        var g = SeededGenerator(seed: 5)
        let net = try UNet(config, using: &g)
        let opt = AdamW(parameters: net.trainableParameters, learningRate: 1e-2)
        var data = ShapeDataset(seed: 3, size: 16)
        func trainStep(_ net: UNet, _ opt: AdamW, _ x: Tensor, _ y: [Int32]) throws {
            opt.zeroGradients()
            let loss = try crossEntropy(try net(Variable(x)), labels: y.map { min($0, 1) })
            try loss.backward()
            try opt.step()
        }
        let (x1, y1) = try data.batch(2)
        try trainStep(net, opt, x1, y1)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Checkpoint.save(net, plan: plan, optimizer: opt, to: folder)

        var g2 = SeededGenerator(seed: 99)
        let restored = try UNet(config, using: &g2)
        let opt2 = AdamW(parameters: restored.trainableParameters, learningRate: 0)
        try Checkpoint.load(into: restored, plan: plan, optimizer: opt2, from: folder)
        #expect(opt2.stepCount == 1)
        #expect(opt2.learningRate == 1e-2)
        // One more identical step on both gives identical weights: resume is exact.
        let (x2, y2) = try data.batch(2)
        try trainStep(net, opt, x2, y2)
        try trainStep(restored, opt2, x2, y2)
        for ((n, a), (_, b)) in zip(net.namedParameters(), restored.namedParameters()) {
            #expect(a.value.maxAbsDifference(b.value) == 0, "\(n)")
        }
    }

    @Test func mismatchedPlanOrWeightsAreClearErrors() throws {
        let config = UNetConfiguration(classes: 2, levels: 2, baseFeatures: 4)
        let plan = ModelPlan(network: config, classNames: ["background", "disc"], patchSize: [16, 16])
        var g = SeededGenerator(seed: 5)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Checkpoint.save(try UNet(config, using: &g), plan: plan, to: folder)
        var other = plan
        other.network.baseFeatures = 8
        do {
            try Checkpoint.load(into: try UNet(other.network, using: &g), plan: other, from: folder)
            Issue.record("expected a mismatch")
        } catch let e as NNError {
            #expect(e.code == .checkpointMismatch)
            #expect(e.message.contains("base 4") && e.message.contains("base 8"))
        }
        // Same plan on disk, but a model whose weights differ in shape.
        let wrong = try UNet(other.network, using: &g)
        #expect(throws: NNError.self) { try Checkpoint.load(into: wrong, plan: plan, from: folder) }
    }
}
