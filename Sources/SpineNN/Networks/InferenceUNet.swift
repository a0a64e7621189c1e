/// A ``UNet`` compiled for inference: batch norm folded into the convolution weights, (leaky)
/// ReLU fused as a oneDNN post-op, weights reordered once into the layout the kernels want,
/// primitives cached per input shape and every activation buffer allocated once and reused.
///
/// It copies the weights when created; later training of the source network does not affect it.
/// Not thread-safe: one instance serves one caller at a time (its buffers are reused).
public final class InferenceUNet {
    struct FoldedConvolution {
        var weight: Tensor
        var bias: Tensor
        var geometry: ConvolutionGeometry
        var activation: FusedActivation
        var outChannels: Int
        var kernel: [Int]
    }

    public let configuration: UNetConfiguration
    let encoder: [[FoldedConvolution]]
    let upsampling: [FoldedConvolution]
    let decoder: [[FoldedConvolution]]
    let head: FoldedConvolution
    private var buffers: [Int: Tensor] = [:]
    private var bufferInputShape: [Int] = []

    /// Folds `network` (in its current weights and running statistics).
    /// - Throws: ``NNError`` `.unsupported` for instance normalization, which has no fixed affine
    ///   form to fold (run such a network through ``UNet`` under ``GradientMode/withoutGradients(_:)``).
    public init(_ network: UNet) throws {
        configuration = network.configuration
        guard configuration.normalization != .instance else {
            throw NNError(.unsupported, "InferenceUNet: instance normalization cannot be folded into convolutions")
        }
        let r = configuration.spatialDimensions
        func fold(_ b: ConvolutionBlock) throws -> FoldedConvolution {
            try InferenceUNet.fold(conv: b.conv, norm: b.batchNorm, activation: .relu(negativeSlope: b.negativeSlope), spatialRank: r)
        }
        encoder = try network.encoder.map { try $0.map(fold) }
        decoder = try network.decoder.map { try $0.map(fold) }
        upsampling = try network.upsampling.map { u in
            let outC = u.weight.shape[1] * u.groups
            let g = try ConvolutionGeometry(spatialRank: r, stride: u.stride, padding: u.padding, dilation: nil, groups: u.groups, transposed: true, op: "InferenceUNet")
            return FoldedConvolution(weight: u.weight.value, bias: u.bias?.value ?? Tensor(zeros: [outC]), geometry: g, activation: .none, outChannels: outC, kernel: Array(u.weight.shape.dropFirst(2)))
        }
        head = try InferenceUNet.fold(conv: network.heads[0], norm: nil, activation: .none, spatialRank: r)
    }

    /// `w' = w·γ/√(σ² + ε)`, `b' = (b − μ)·γ/√(σ² + ε) + β` per output channel.
    static func fold(conv: Convolution, norm: BatchNorm?, activation: FusedActivation, spatialRank r: Int) throws -> FoldedConvolution {
        let g = try ConvolutionGeometry(spatialRank: r, stride: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups, transposed: false, op: "InferenceUNet")
        let o = conv.weight.shape[0]
        var w = conv.weight.value
        w.makeUnique()
        var b = conv.bias?.value ?? Tensor(zeros: [o])
        b.makeUnique()
        if let norm {
            let per = w.count / o
            let gamma = norm.scale.value, beta = norm.shift.value
            let mean = norm.runningMean.value, variance = norm.runningVariance.value
            let wp = w.storage.pointer, bp = b.storage.pointer
            for c in 0..<o {
                let f = gamma.storage.pointer[c] / (variance.storage.pointer[c] + norm.epsilon).squareRoot()
                // Weight [O, I, k…] is stored O, k…, I: one output channel's weights are contiguous.
                for j in 0..<per { wp[c * per + j] *= f }
                bp[c] = (bp[c] - mean.storage.pointer[c]) * f + beta.storage.pointer[c]
            }
        }
        return FoldedConvolution(weight: w, bias: b, geometry: g, activation: activation, outChannels: o, kernel: Array(conv.weight.shape.dropFirst(2)))
    }

    private func buffer(_ id: Int, _ shape: [Int]) -> Tensor {
        if let b = buffers[id], b.shape == shape { return b }
        let b = Tensor(uninitialized: shape)
        buffers[id] = b
        return b
    }

    private func run(_ c: FoldedConvolution, _ x: Tensor, _ id: Int, into out: Tensor? = nil) throws -> Tensor {
        let spatial = c.geometry.outputSpatial(input: Array(x.shape.dropFirst(2)), kernel: c.kernel)
        let shape = [x.shape[0], c.outChannels] + spatial
        return try DNNL.convolutionForward(
            x, weight: c.weight, bias: c.bias, outputShape: shape, geometry: c.geometry, training: false,
            activation: c.activation, into: out ?? buffer(id, shape), constantWeights: true)
    }

    /// Logits `[N, classes, …]` for a batch of images or volumes.
    /// - Throws: ``NNError`` `.shapeMismatch` for a wrong channel count or a size that is not a
    ///   multiple of ``UNetConfiguration/sizeMultiple``.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let c = configuration
        guard x.rank == c.spatialDimensions + 2, x.shape[1] == c.inputChannels else {
            throw NNError.shape("InferenceUNet", expected: "input [N, \(c.inputChannels), \(c.spatialDimensions == 2 ? "H, W" : "D, H, W")]", got: "\(x.shape)")
        }
        guard x.shape.dropFirst(2).allSatisfy({ $0 % c.sizeMultiple == 0 && $0 > 0 }) else {
            throw NNError.shape("InferenceUNet", expected: "spatial size a multiple of \(c.sizeMultiple)", got: "\(Array(x.shape.dropFirst(2)))")
        }
        if x.shape != bufferInputShape {
            buffers.removeAll()
            bufferInputShape = x.shape
        }
        var id = 0
        func next() -> Int {
            id += 1
            return id
        }
        let r = c.spatialDimensions
        let two = [Int](repeating: 2, count: r)
        var h = x
        var skips: [Tensor] = []
        for (level, stage) in encoder.enumerated() {
            if level > 0 {
                let shape = Array(h.shape.prefix(2)) + h.shape.dropFirst(2).map { $0 / 2 }
                h = try DNNL.poolingForward(.max, h, outputShape: shape, kernel: two, stride: two, padding: [Int](repeating: 0, count: r), training: false, into: buffer(next(), shape)).0
            }
            for conv in stage { h = try run(conv, h, next()) }
            skips.append(h)
        }
        for level in stride(from: c.levels - 2, through: 0, by: -1) {
            let up = try run(upsampling[level], h, next())
            var shape = up.shape
            shape[1] += skips[level].shape[1]
            h = try DNNL.concatChannels([skips[level], up], into: buffer(next(), shape))
            for conv in decoder[level] { h = try run(conv, h, next()) }
        }
        let out = try run(head, h, next(), into: Tensor(uninitialized: [x.shape[0], c.classes] + Array(x.shape.dropFirst(2))))
        return out
    }

    /// Multiply–add operations ×2 of one forward pass for `inputShape` (convolutions only).
    public func floatingPointOperations(inputShape: [Int]) -> Double {
        var flops = 0.0
        var spatial = Array(inputShape.dropFirst(2))
        let n = Double(inputShape[0])
        func conv(_ c: FoldedConvolution, _ cin: Int) {
            let out = c.geometry.outputSpatial(input: spatial, kernel: c.kernel)
            if c.geometry.transposed {
                flops += 2 * n * Double(cin * spatial.reduce(1, *) * c.outChannels * c.kernel.reduce(1, *))
            } else {
                flops += 2 * n * Double(c.outChannels * out.reduce(1, *) * cin / c.geometry.groups * c.kernel.reduce(1, *))
            }
            spatial = out
        }
        var cin = inputShape[1]
        var skipSpatial: [[Int]] = []
        for (level, stage) in encoder.enumerated() {
            if level > 0 { spatial = spatial.map { $0 / 2 } }
            for k in stage {
                conv(k, cin)
                cin = k.outChannels
            }
            skipSpatial.append(spatial)
        }
        for level in stride(from: configuration.levels - 2, through: 0, by: -1) {
            conv(upsampling[level], cin)
            cin = 2 * upsampling[level].outChannels
            for k in decoder[level] {
                conv(k, cin)
                cin = k.outChannels
            }
        }
        conv(head, cin)
        return flops
    }
}
