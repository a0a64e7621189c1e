import Foundation
import Testing

@testable import SpineNN

/// Native networks exported to ONNX and run by ``ONNXSession`` (the fused inference path) give the
/// evaluation-mode autograd outputs: random weights, batch norms with non-trivial running statistics.
@Suite("ONNX export")
struct ONNXExportTests {
    /// Random values in every rank-1 parameter: biases, BN scale (around 1) and shift, running mean,
    /// running variance in [0.5, 2), so that folding the batch norms is actually exercised.
    static func randomizeStatistics(_ net: some Layer, seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        for (name, p) in net.namedParameters() where p.shape.count == 1 {
            let n = p.shape[0]
            var t: Tensor
            if name.hasSuffix("running_var") {
                t = Tensor.randomUniform([n], in: 0.5..<2, using: &g)
            } else {
                t = Tensor.randomNormal([n], std: 0.3, using: &g)
                if name.hasSuffix("weight") {
                    t.withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] += 1 } }
                }
            }
            try p.assign(t)
        }
    }

    static func nativeEval(_ net: ResNet, _ x: Tensor) throws -> Tensor {
        net.setTraining(false)
        return try GradientMode.withoutGradients { try net(Variable(x)).value }
    }

    static func resNet(_ config: ResNetConfiguration, seed: UInt64) throws -> ResNet {
        var g = SeededGenerator(seed: seed)
        let net = try ResNet(config, using: &g)
        try randomizeStatistics(net, seed: seed + 1)
        return net
    }

    static let resNetConfigurations: [(String, ResNetConfiguration, [Int])] = [
        (
            "2-D CIFAR-style", .small(classes: 5, inputChannels: 2, blocksPerStage: [2, 1, 1], baseFeatures: 8),
            [2, 2, 20, 24]
        ),
        (
            "2-D torchvision-style stem",
            ResNetConfiguration(classes: 4, blocksPerStage: [1, 1], baseFeatures: 8), [1, 3, 40, 36]
        ),
        (
            "3-D", .small(classes: 3, inputChannels: 1, spatialDimensions: 3, blocksPerStage: [1, 1], baseFeatures: 4),
            [1, 1, 8, 12, 10]
        ),
    ]

    @Test("ResNet: exported session matches native eval, BN and residual Add fused", arguments: [0, 1, 2])
    func resNetParity(_ index: Int) throws {
        let (label, config, shape) = Self.resNetConfigurations[index]
        let net = try Self.resNet(config, seed: 10 + UInt64(index))
        let x = randn(shape, seed: 99)
        let native = try Self.nativeEval(net, x)
        let session = try net.inferenceSession()
        let exported = try session(x)
        let diff = native.maxAbsDifference(exported)
        #expect(diff <= 1e-4, "\(label): max |diff| \(diff)")
        // Outputs that are not all alike: the comparison means something.
        #expect(native.nchwScalars.map(abs).max()! > 0.1)
        let batchNorms = net.namedParameters().filter { $0.name.hasSuffix("running_mean") }.count
        let blocks = config.blocksPerStage.reduce(0, +)
        #expect(session.fusedBatchNormCount == batchNorms, "\(label)")
        #expect(session.fusedAddCount == blocks, "\(label)")
        // The ResNet's own evaluation-mode prediction runs on the same fused path.
        #expect(try net.predict(x).maxAbsDifference(exported) == 0)
    }

    @Test("ResNet: the model names its initializers like torchvision and runs with another batch and size")
    func resNetNamesAndDynamicShapes() throws {
        let (_, config, _) = Self.resNetConfigurations[1]
        let net = try Self.resNet(config, seed: 21)
        let model = try net.onnxModel()
        #expect(model.opsetVersion == 17)
        #expect(model.inputs.map(\.name) == ["input"])
        #expect(model.outputs.map(\.name) == ["logits"])
        let names = Set(model.initializers.keys)
        for name in net.namedParameters().map(\.name) { #expect(names.contains(name), "\(name)") }
        #expect(names.contains("layer1.0.bn1.running_var") && names.contains("fc.weight"))
        #expect(model.parameterCount >= net.trainableParameterCount)
        let session = try ONNXSession(model)
        for shape in [[3, 3, 33, 47], [1, 3, 64, 64]] {
            let x = randn(shape, seed: UInt64(shape[2]))
            #expect(try Self.nativeEval(net, x).maxAbsDifference(session(x)) <= 1e-4)
        }
    }

    @Test("A mis-mapped weight shows: a transposed kernel or swapped BN statistics give a large difference")
    func misMappedWeightIsDetected() throws {
        let (_, config, shape) = Self.resNetConfigurations[0]
        let net = try Self.resNet(config, seed: 10)
        let x = randn(shape, seed: 99)
        let native = try Self.nativeEval(net, x)
        // Transpose the spatial axes of one 3×3 kernel: what a mix-up of H and W in the exporter would do.
        let w = net.stages[0][0].conv1.weight
        let original = w.value
        let (o, i, kh, kw) = (original.shape[0], original.shape[1], original.shape[2], original.shape[3])
        let v = original.nchwScalars
        var t = v
        for a in 0..<(o * i) {
            for y in 0..<kh { for z in 0..<kw { t[(a * kh + z) * kw + y] = v[(a * kh + y) * kw + z] } }
        }
        try w.assign(try Tensor(shape: original.shape, nchw: t))
        let transposed = native.maxAbsDifference(try net.inferenceSession()(x))
        #expect(transposed > 1e-2, "a transposed kernel changes the output by \(transposed) only")
        try w.assign(original)
        // Running mean and variance swapped in one batch norm.
        let bn = net.stages[1][0].bn2
        let (mean, variance) = (bn.runningMean.value, bn.runningVariance.value)
        try bn.runningMean.assign(variance)
        try bn.runningVariance.assign(try mean.reshaped(mean.shape))
        bn.runningVariance.update { v in
            v.withUnsafeMutableBufferPointer { for k in 0..<$0.count { $0[k] = abs($0[k]) + 0.1 } }
        }
        let swapped = native.maxAbsDifference(try net.inferenceSession()(x))
        #expect(swapped > 1e-2, "swapped statistics change the output by \(swapped) only")
    }

    @Test("ResNet.predict rebuilds its session when a weight changes, and uses autograd in training mode")
    func predictFollowsWeights() throws {
        let (_, config, shape) = Self.resNetConfigurations[0]
        let net = try Self.resNet(config, seed: 12)
        let x = randn(shape, seed: 7)
        net.setTraining(false)
        let before = try net.predict(x)
        net.classifier.bias!.update { b in b.withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] += 1 } } }
        let after = try net.predict(x)
        #expect(after.maxAbsDifference(try Self.nativeEval(net, x)) <= 1e-4)
        #expect(abs(before.maxAbsDifference(after) - 1) < 1e-4)
        #expect(throws: NNError.self) { try net.predict(randn([1, 2, 20], seed: 1)) }
        net.setTraining(true)
        let training = try net.predict(x)
        #expect(training.maxAbsDifference(after) > 1e-3, "training mode normalizes with batch statistics")
    }

    @Test("CenterNet: heatmap, size and offset heads match native eval; detect runs on the session")
    func centerNetParity() throws {
        var g = SeededGenerator(seed: 31)
        let config = CenterNetConfiguration(
            backbone: .small(classes: 1, inputChannels: 1, blocksPerStage: [1, 1, 1], baseFeatures: 8), classes: 2,
            headFeatures: 8)
        let net = try CenterNet(config, using: &g)
        try Self.randomizeStatistics(net, seed: 32)
        let x = randn([2, 1, 32, 24], seed: 33)
        net.setTraining(false)
        let native = try GradientMode.withoutGradients { try net(Variable(x)) }
        let session = try net.inferenceSession()
        let out = try session.run(["input": x])
        for (name, v) in [("heatmap", native.heatmap), ("size", native.size), ("offset", native.offset)] {
            let y = try #require(out[name])
            let diff = v.value.maxAbsDifference(y)
            #expect(diff <= 1e-4, "\(name): max |diff| \(diff)")
        }
        #expect(session.fusedBatchNormCount == net.namedParameters().filter { $0.name.hasSuffix("running_mean") }.count)
        // Three residual blocks and two top-down sums fused into convolutions.
        #expect(session.fusedAddCount == 3 + 2)
        let expected = CenterNet.decode(
            heatmap: native.heatmap.value, size: native.size.value, offset: native.offset.value,
            stride: config.outputStride, maxDetections: 20, threshold: 0.05)
        let detected = try net.detect(x, maxDetections: 20, threshold: 0.05)
        #expect(expected.contains { !$0.isEmpty })
        #expect(detected.count == expected.count)
        for (a, b) in zip(detected, expected) {
            #expect(a.map(\.classIndex) == b.map(\.classIndex))
            for (p, q) in zip(a, b) { #expect(zip(p.box, q.box).allSatisfy { abs($0 - $1) < 1e-3 }) }
        }
    }

    @Test("U-Net (batch norm; residual with instance norm, leaky ReLU and deep supervision) matches native eval")
    func uNetParity() throws {
        let configs = [
            UNetConfiguration(spatialDimensions: 2, inputChannels: 1, classes: 3, levels: 3, baseFeatures: 4),
            UNetConfiguration(
                spatialDimensions: 2, inputChannels: 2, classes: 2, levels: 3, baseFeatures: 4,
                normalization: .instance, negativeSlope: 0.01, deepSupervision: true, residualBlocksPerStage: 2),
            UNetConfiguration(spatialDimensions: 3, inputChannels: 1, classes: 2, levels: 2, baseFeatures: 4),
        ]
        for (k, config) in configs.enumerated() {
            var g = SeededGenerator(seed: 40 + UInt64(k))
            let net = try UNet(config, using: &g)
            try Self.randomizeStatistics(net, seed: 50 + UInt64(k))
            net.setTraining(false)
            let x = randn(
                [2, config.inputChannels] + (config.spatialDimensions == 2 ? [16, 12] : [4, 8, 8]), seed: 5)
            let native = try GradientMode.withoutGradients { try net.outputs(Variable(x)) }
            let session = try net.inferenceSession()
            let model = session.model
            let out = try session.run(["input": x])
            #expect(model.outputs.count == native.count)
            for (info, v) in zip(model.outputs, native) {
                let diff = v.value.maxAbsDifference(try #require(out[info.name]))
                #expect(diff <= 1e-4, "U-Net \(k) \(info.name): max |diff| \(diff)")
            }
            if config.normalization == .batch {
                #expect(
                    session.fusedBatchNormCount
                        == net.namedParameters().filter { $0.name.hasSuffix("running_mean") }.count)
            }
        }
    }

    @Test("A written .onnx file reads back and runs to the in-memory session's output")
    func fileRoundTrip() throws {
        var g = SeededGenerator(seed: 61)
        let config = CenterNetConfiguration(
            backbone: .small(classes: 1, inputChannels: 1, blocksPerStage: [1, 1], baseFeatures: 4), classes: 1,
            headFeatures: 4)
        let net = try CenterNet(config, using: &g)
        try Self.randomizeStatistics(net, seed: 62)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("centernet.onnx")
        try net.writeONNX(to: url)
        let read = try ONNXModel(contentsOf: url)
        #expect(read.outputs.map(\.name) == ["heatmap", "size", "offset"])
        #expect(try Data(contentsOf: url) == (try net.onnxModelData()))
        let x = randn([1, 1, 16, 16], seed: 63)
        let fromFile = try ONNXSession(read).run(["input": x])
        let inMemory = try net.inferenceSession().run(["input": x])
        for name in ["heatmap", "size", "offset"] {
            #expect(try #require(fromFile[name]).maxAbsDifference(#require(inMemory[name])) == 0)
        }
        #expect(throws: NNError.self) { try net.writeONNX(to: folder.appendingPathComponent("no/such/dir/x.onnx")) }
    }
}
