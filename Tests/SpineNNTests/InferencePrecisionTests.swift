import Foundation
import Testing

@testable import SpineNN

/// A small U-Net trained briefly on the disc/square shapes, so that its logits have the margins of
/// a real segmentation network (a random network's argmax is decided by noise-level margins).
func brieflyTrainedShapeUNet(steps: Int = 60, levels: Int = 3) throws -> UNet {
    var g = SeededGenerator(seed: 42)
    let net = try UNet(UNetConfiguration(classes: 3, levels: levels, baseFeatures: 8), using: &g)
    let opt = AdamW(parameters: net.trainableParameters, learningRate: 3e-3, weightDecay: 1e-4)
    var data = ShapeDataset(seed: 7)
    for _ in 0..<steps {
        let (x, y) = try data.batch(8)
        opt.zeroGradients()
        let logits = try net(Variable(x))
        let loss = try crossEntropy(logits, labels: y) + softDiceLoss(logits, labels: y)
        try loss.backward()
        try clipGradientNorm(net.trainableParameters, maxNorm: 12)
        try opt.step()
    }
    net.setTraining(false)
    return net
}

/// Per-voxel argmax over the channel axis of channels-last logits.
func argmaxLabels(_ logits: Tensor) -> [Int] {
    let k = logits.shape[1]
    let z = logits.channelsLastScalars
    return (0..<(z.count / k)).map { v in
        var best = 0
        for c in 1..<k where z[v * k + c] > z[v * k + best] { best = c }
        return best
    }
}

@Suite("Inference: bf16 and pixel-shuffle up-sampling")
struct InferencePrecisionTests {
    /// The 1×1 convolution + pixel shuffle computes the transposed convolution (kernel = stride 2).
    @Test(arguments: [2, 3])
    func pixelShuffleEqualsTransposedConvolution(_ dims: Int) throws {
        var g = SeededGenerator(seed: 5)
        let net = try UNet(
            UNetConfiguration(spatialDimensions: dims, classes: 4, levels: 3, baseFeatures: 6), using: &g)
        for (name, p) in net.namedParameters() where name.hasSuffix("up.bias") {
            try p.assign(Tensor.randomNormal(p.shape, std: 0.5, using: &g))
        }
        net.setTraining(false)
        let x = randn(dims == 2 ? [2, 1, 12, 16] : [1, 1, 8, 4, 12], seed: 6)
        let deconv = try InferenceUNet(net, upsampling: .transposedConvolution)
        let shuffle = try InferenceUNet(net, upsampling: .pixelShuffle)
        #expect(shuffle.upsampling.allSatisfy { $0.shuffle != nil })
        #expect(deconv.upsampling.allSatisfy { $0.shuffle == nil && $0.geometry.transposed })
        let a = try deconv(x)
        let b = try shuffle(x)
        #expect(a.shape == b.shape)
        #expect(maxRelativeError(b.nchwScalars, a.nchwScalars) < 1e-5)
        #expect(
            deconv.floatingPointOperations(inputShape: x.shape) == shuffle.floatingPointOperations(inputShape: x.shape))
    }

    /// A single up-sampling layer: 1×1 conv + shuffle against the direct transposed convolution.
    @Test func shuffleConvolutionOfOneLayer() throws {
        var g = SeededGenerator(seed: 8)
        let layer = TransposedConvolution(inputChannels: 5, outputChannels: 3, kernel: [2, 2], using: &g)
        try layer.bias!.assign(Tensor.randomNormal([3], using: &g))
        let x = randn([2, 5, 3, 4], seed: 9)
        let reference = referenceTransposedConvolution2D(
            x: x.nchwScalars, xShape: x.shape, w: layer.weight.value.nchwScalars, wShape: layer.weight.shape, stride: 2,
            padding: 0, groups: 1)
        let c = try InferenceUNet.shuffleConvolution(
            weight: layer.weight.value, bias: layer.bias!.value, spatialRank: 2)
        let t = try DNNL.convolutionForward(
            x, weight: c.weight, bias: c.bias, outputShape: [2, 12, 3, 4], geometry: c.geometry, training: false)
        let y = Tensor(zeros: [2, 3, 6, 8])
        let (from, to) = MemoryView(t).pixelShuffleViews(into: MemoryView(y), factors: [2, 2])
        try DNNL.copy(from, into: to)
        let b = layer.bias!.value.channelsLastScalars
        let expected = reference.values.enumerated().map { i, v in v + b[(i / 48) % 3] }
        #expect(maxRelativeError(y.nchwScalars, expected) < 1e-5)
    }

    /// bf16 inference agrees with float32 on the argmax label map of a (briefly) trained network,
    /// and its logits are within bfloat16's precision (8 significant bits through ~12 layers).
    @Test func bf16AgreesWithFloat32() throws {
        let net = try brieflyTrainedShapeUNet()
        var data = ShapeDataset(seed: 99, size: 64)
        let (x, _) = try data.batch(4)
        let fp32 = try InferenceUNet(net, precision: .fp32)
        let bf16 = try InferenceUNet(net, precision: .bf16)
        let a = try fp32(x)
        let b = try bf16(x)
        let b2 = try bf16(x)
        #expect(b.maxAbsDifference(b2) == 0)
        let la = argmaxLabels(a), lb = argmaxLabels(b)
        let agree = Double(zip(la, lb).filter { $0 == $1 }.count) / Double(la.count)
        let scale = a.channelsLastScalars.map(abs).max() ?? 1
        let err = a.maxAbsDifference(b) / scale
        let meanErr =
            zip(a.channelsLastScalars, b.channelsLastScalars).map { Double(abs($0 - $1)) }.reduce(0, +)
            / Double(a.count) / Double(scale)
        print("bf16 vs fp32: argmax agreement \(agree), max |Δ| / max |z| = \(err), mean = \(meanErr)")
        #expect(agree >= 0.995)
        #expect(err < 0.03)
        #expect(meanErr < 0.005)
    }

    /// Every convolution gets an optimised kernel, never oneDNN's reference one (which is what a
    /// strided destination or a degenerate layout silently gets, ~1000× slower); in bf16 on a CPU
    /// with AVX-512 BF16 the kernels are the bf16 ones.
    @Test(arguments: InferencePrecision.allCases)
    func convolutionsGetOptimisedKernels(_ precision: InferencePrecision) throws {
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard flags.contains("avx512f") else { return }
        if precision == .bf16 && !flags.contains("avx512_bf16") { return }
        var g = SeededGenerator(seed: 14)
        for dims in [2, 3] {
            let net = try UNet(
                UNetConfiguration(spatialDimensions: dims, classes: 3, levels: 3, baseFeatures: 16), using: &g)
            net.setTraining(false)
            let fast = try InferenceUNet(net, precision: precision)
            let shape = dims == 2 ? [1, 1, 32, 32] : [1, 1, 8, 16, 16]
            _ = try fast(randn(shape, seed: 15))
            let names = try fast.convolutionImplementations(inputShape: shape)
            #expect(names.count == 3 * 2 + 2 * 2 + 2 + 1)
            #expect(names.allSatisfy { !$0.hasPrefix("ref") }, "\(names)")
            if precision == .bf16 { #expect(names.allSatisfy { $0.contains("bf16") }, "\(names)") }
        }
    }

    /// Releasing an inference network releases its reordered (bf16) weights.
    @Test func releasedNetworksReleaseTheirWeights() throws {
        var g = SeededGenerator(seed: 16)
        let net = try UNet(UNetConfiguration(classes: 2, levels: 2, baseFeatures: 4), using: &g)
        net.setTraining(false)
        var fast: InferenceUNet? = try InferenceUNet(net, precision: .bf16)
        let convolutions =
            fast!.encoder.flatMap { $0.flatMap(\.convolutions) } + fast!.decoder.flatMap { $0 } + fast!.upsampling
            + [fast!.head]
        let weights = convolutions.map(\.weight.storage)
        _ = try fast!(randn([1, 1, 8, 8], seed: 17))
        let held = {
            DNNLContext.shared.withLock {
                DNNLContext.shared.constants.values.filter { c in weights.contains { $0 === c.owner } }.count
            }
        }
        #expect(held() > 0)
        fast = nil
        #expect(held() == 0)
    }

    @Test(arguments: InferencePrecision.allCases)
    func threeDimensionalInferenceRuns(_ precision: InferencePrecision) throws {
        var g = SeededGenerator(seed: 12)
        let net = try UNet(UNetConfiguration(spatialDimensions: 3, classes: 3, levels: 2, baseFeatures: 8), using: &g)
        net.setTraining(false)
        let x = randn([1, 1, 4, 8, 8], seed: 13)
        let reference = try GradientMode.withoutGradients { try net(Variable(x)) }.value
        let y = try InferenceUNet(net, precision: precision)(x)
        let scale = reference.channelsLastScalars.map(abs).max() ?? 1
        #expect(y.maxAbsDifference(reference) / scale < (precision == .fp32 ? 1e-5 : 0.03))
    }
}
