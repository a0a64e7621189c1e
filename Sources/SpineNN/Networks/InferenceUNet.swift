/// Element type of an inference network's weights and activations.
public enum InferencePrecision: String, Codable, Sendable, CaseIterable {
    /// float32 throughout.
    case fp32
    /// bfloat16 weights and activations between layers (AVX-512 BF16 kernels, about twice
    /// float32's speed), float32 bias and accumulation, float32 input and logits.
    case bf16

    var scalarType: ScalarType { self == .fp32 ? .float32 : .bfloat16 }
}

/// How an ``InferenceUNet`` runs its transposed (up-sampling) convolutions.
public enum InferenceUpsampling: String, Codable, Sendable, CaseIterable {
    /// oneDNN's transposed convolution (slow in oneDNN 2.6: 84–193 GFLOP/s).
    case transposedConvolution
    /// A 1×1 convolution to `C·s₀·s₁…` channels followed by a pixel shuffle (depth-to-space) that
    /// writes into the concatenation buffer; equal to a transposed convolution whose kernel equals
    /// its stride (no padding, no groups). Other transposed convolutions fall back to oneDNN's.
    case pixelShuffle
}

/// A ``UNet`` compiled for inference: batch norm folded into the convolution weights, (leaky)
/// ReLU fused as a oneDNN post-op (after the residual sum, also a post-op, in residual stages),
/// weights reordered once into the layout the kernels want, primitives cached per input shape
/// and every activation buffer allocated once and reused.
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
        /// Pixel-shuffle factors when this is a 1×1 convolution standing in for a transposed one:
        /// `outChannels` is then `C·Πfactors` and the shuffle yields `C` channels.
        var shuffle: [Int]? = nil
        /// Whether the result is added to what the destination holds before the activation
        /// (oneDNN's sum post-op: a residual block's skip).
        var accumulate = false
    }

    /// One block of an encoder stage: a folded convolution, or a residual block whose second
    /// convolution adds the skip (the input, or its 1×1 projection, already in the destination)
    /// through the sum post-op before its ReLU.
    enum FoldedBlock {
        case plain(FoldedConvolution)
        case residual(first: FoldedConvolution, second: FoldedConvolution, projection: FoldedConvolution?)

        var convolutions: [FoldedConvolution] {
            switch self {
            case .plain(let c): return [c]
            case .residual(let a, let b, let p): return [a, b] + (p.map { [$0] } ?? [])
            }
        }
    }

    public let configuration: UNetConfiguration
    /// Element type of weights and activations between layers.
    public let precision: InferencePrecision
    /// How the up-sampling convolutions run.
    public let upsamplingMethod: InferenceUpsampling
    let encoder: [[FoldedBlock]]
    let upsampling: [FoldedConvolution]
    let decoder: [[FoldedConvolution]]
    let head: FoldedConvolution
    private let arena = ActivationArena()
    private var arenaInputShape: [Int] = []

    /// Folds `network` (in its current weights and running statistics).
    /// - Parameters:
    ///   - precision: `.bf16` keeps weights (reordered once from the float32 master copy) and the
    ///     activations between layers in bfloat16; input and logits stay float32.
    ///   - upsampling: how the transposed convolutions run (``InferenceUpsampling``).
    /// - Throws: ``NNError`` `.unsupported` for instance normalization, which has no fixed affine
    ///   form to fold (run such a network through ``UNet`` under ``GradientMode/withoutGradients(_:)``).
    public init(
        _ network: UNet, precision: InferencePrecision = .fp32, upsampling method: InferenceUpsampling = .pixelShuffle
    ) throws {
        configuration = network.configuration
        self.precision = precision
        upsamplingMethod = method
        guard configuration.normalization != .instance else {
            throw NNError(.unsupported, "InferenceUNet: instance normalization cannot be folded into convolutions")
        }
        let r = configuration.spatialDimensions
        func fold(_ b: ConvolutionBlock) throws -> FoldedConvolution {
            let activation: FusedActivation = b.activation ? .relu(negativeSlope: b.negativeSlope) : .none
            return try InferenceUNet.fold(conv: b.conv, norm: b.batchNorm, activation: activation, spatialRank: r)
        }
        func foldBlock(_ b: any UNetBlock) throws -> FoldedBlock {
            if let b = b as? ResidualConvolutionBlock {
                var second = try fold(b.second)
                second.activation = .relu(negativeSlope: b.negativeSlope)
                second.accumulate = true
                return .residual(first: try fold(b.first), second: second, projection: try b.projection.map(fold))
            }
            guard let b = b as? ConvolutionBlock else {
                throw NNError(.unsupported, "InferenceUNet: unknown encoder block \(type(of: b))")
            }
            return .plain(try fold(b))
        }
        encoder = try network.encoder.map { try $0.map(foldBlock) }
        decoder = try network.decoder.map { try $0.map(fold) }
        upsampling = try network.upsampling.map { u in
            let outC = u.weight.shape[1] * u.groups
            let g = try ConvolutionGeometry(
                spatialRank: r, stride: u.stride, padding: u.padding, dilation: nil, groups: u.groups, transposed: true,
                op: "InferenceUNet")
            let kernel = Array(u.weight.shape.dropFirst(2))
            let bias = u.bias?.value ?? Tensor(zeros: [outC])
            if method == .pixelShuffle, u.groups == 1, g.stride == kernel, g.paddingLow.allSatisfy({ $0 == 0 }) {
                return try InferenceUNet.shuffleConvolution(weight: u.weight.value, bias: bias, spatialRank: r)
            }
            return FoldedConvolution(
                weight: u.weight.value, bias: bias, geometry: g, activation: .none, outChannels: outC, kernel: kernel)
        }
        head = try InferenceUNet.fold(conv: network.heads[0], norm: nil, activation: .none, spatialRank: r)
    }

    deinit {
        let all = encoder.flatMap { $0.flatMap(\.convolutions) } + decoder.flatMap { $0 } + upsampling + [head]
        DNNLContext.shared.releaseConstants(of: all.map(\.weight.storage))
    }

    /// `w' = w·γ/√(σ² + ε)`, `b' = (b − μ)·γ/√(σ² + ε) + β` per output channel.
    static func fold(conv: Convolution, norm: BatchNorm?, activation: FusedActivation, spatialRank r: Int) throws
        -> FoldedConvolution
    {
        let g = try ConvolutionGeometry(
            spatialRank: r, stride: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups,
            transposed: false, op: "InferenceUNet")
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
        return FoldedConvolution(
            weight: w, bias: b, geometry: g, activation: activation, outChannels: o,
            kernel: Array(conv.weight.shape.dropFirst(2)))
    }

    /// The 1×1 convolution equal to a transposed convolution with kernel = stride `s`, before its
    /// pixel shuffle: `w'[(d, c), i] = w[i, c, d]`, `b'[(d, c)] = b[c]` (`d` the kernel offset, `c` fastest).
    static func shuffleConvolution(weight: Tensor, bias: Tensor, spatialRank r: Int) throws -> FoldedConvolution {
        let cin = weight.shape[0], c = weight.shape[1]
        let s = Array(weight.shape.dropFirst(2))
        let taps = s.reduce(1, *)
        let k = taps * c
        let w = weight.nchwScalars  // [cin][c][d…]
        var wp = [Float](repeating: 0, count: k * cin)
        var bp = [Float](repeating: 0, count: k)
        let b = bias.channelsLastScalars
        for d in 0..<taps {
            for ch in 0..<c {
                let o = d * c + ch
                bp[o] = b[ch]
                for i in 0..<cin { wp[o * cin + i] = w[(i * c + ch) * taps + d] }
            }
        }
        let ones = [Int](repeating: 1, count: r)
        let g = try ConvolutionGeometry(
            spatialRank: r, stride: nil, padding: nil, dilation: nil, groups: 1, transposed: false, op: "InferenceUNet")
        return FoldedConvolution(
            weight: try Tensor(shape: [k, cin] + ones, nchw: wp), bias: try Tensor(shape: [k], nchw: bp), geometry: g,
            activation: .none, outChannels: k, kernel: ones, shuffle: s)
    }

    /// Output dims of `c` for input dims `x` (after the pixel shuffle for a shuffle convolution).
    private static func outputShape(_ c: FoldedConvolution, _ x: [Int]) -> [Int] {
        let spatial = c.geometry.outputSpatial(input: Array(x.dropFirst(2)), kernel: c.kernel)
        guard let s = c.shuffle else { return [x[0], c.outChannels] + spatial }
        return [x[0], c.outChannels / s.reduce(1, *)] + zip(spatial, s).map(*)
    }

    /// Runs `c` on `x` into `y` (`y` has the shuffled shape for a shuffle convolution).
    private func run(_ c: FoldedConvolution, _ x: MemoryView, into y: MemoryView, scratch: Int) throws {
        let type = precision.scalarType
        guard let s = c.shuffle else {
            if c.geometry.transposed && y.layout.strides != Tensor.channelsLastStrides(y.layout.dims) {
                // oneDNN 2.6's transposed convolution writes a strided destination as if it were
                // dense (out of bounds); go through a dense scratch buffer.
                precondition(!c.accumulate)
                let t = arena.view(scratch, shape: y.layout.dims, type: type)
                try DNNL.inferenceConvolution(
                    x, weight: c.weight, weightType: type, bias: c.bias, t, geometry: c.geometry,
                    activation: c.activation)
                try DNNL.copy(t, into: y)
                return
            }
            try DNNL.inferenceConvolution(
                x, weight: c.weight, weightType: type, bias: c.bias, y, geometry: c.geometry, activation: c.activation,
                accumulate: c.accumulate)
            return
        }
        let t = arena.view(scratch, shape: [x.layout.dims[0], c.outChannels] + x.layout.dims.dropFirst(2), type: type)
        try DNNL.inferenceConvolution(
            x, weight: c.weight, weightType: type, bias: c.bias, t, geometry: c.geometry, activation: c.activation)
        let (from, to) = t.pixelShuffleViews(into: y, factors: s)
        try DNNL.copy(from, into: to)
    }

    /// Logits `[N, classes, …]` (float32) for a batch of images or volumes (float32).
    /// - Throws: ``NNError`` `.shapeMismatch` for a wrong channel count or a size that is not a
    ///   multiple of ``UNetConfiguration/sizeMultiple``.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let c = configuration
        guard x.rank == c.spatialDimensions + 2, x.shape[1] == c.inputChannels else {
            throw NNError.shape(
                "InferenceUNet",
                expected: "input [N, \(c.inputChannels), \(c.spatialDimensions == 2 ? "H, W" : "D, H, W")]",
                got: "\(x.shape)")
        }
        guard x.shape.dropFirst(2).allSatisfy({ $0 % c.sizeMultiple == 0 && $0 > 0 }) else {
            throw NNError.shape(
                "InferenceUNet", expected: "spatial size a multiple of \(c.sizeMultiple)",
                got: "\(Array(x.shape.dropFirst(2)))")
        }
        if x.shape != arenaInputShape {
            arena.removeAll()
            arenaInputShape = x.shape
        }
        let type = precision.scalarType
        let levels = c.levels
        // Buffer ids: 0 input copy, 1 + level the concatenation at each level, then scratch.
        var id = levels + 1
        func next() -> Int {
            id += 1
            return id
        }
        let r = c.spatialDimensions
        let two = [Int](repeating: 2, count: r)
        var h = MemoryView(x)
        if type != .float32 {
            let converted = arena.view(0, shape: x.shape, type: type)
            converted.storeBFloat16(x)
            h = converted
        }
        // Each level's concatenation buffer receives the skip features (a strided copy: oneDNN
        // 2.6 has only reference kernels for strided convolution outputs and pooling inputs) and,
        // after them, the up-sampled features, written there directly by the pixel shuffle.
        var concat: [MemoryView] = []
        var skips: [MemoryView] = []
        for (level, stage) in encoder.enumerated() {
            if level > 0 {
                let shape = Array(h.layout.dims.prefix(2)) + h.layout.dims.dropFirst(2).map { $0 / 2 }
                let y = arena.view(next(), shape: shape, type: type)
                try DNNL.inferencePooling(.max, h, y, kernel: two, stride: two)
                h = y
            }
            for block in stage {
                switch block {
                case .plain(let conv):
                    let y = arena.view(next(), shape: Self.outputShape(conv, h.layout.dims), type: type)
                    try run(conv, h, into: y, scratch: next())
                    h = y
                case .residual(let first, let second, let projection):
                    let t = arena.view(next(), shape: Self.outputShape(first, h.layout.dims), type: type)
                    try run(first, h, into: t, scratch: next())
                    // The skip goes into the destination first; the second convolution adds to it.
                    let y = arena.view(next(), shape: t.layout.dims, type: type)
                    if let projection {
                        try run(projection, h, into: y, scratch: next())
                    } else {
                        try DNNL.copy(h, into: y)
                    }
                    try run(second, t, into: y, scratch: next())
                    h = y
                }
            }
            if level < levels - 1 {
                var full = h.layout.dims
                full[1] += upsampling[level].outChannels / (upsampling[level].shuffle?.reduce(1, *) ?? 1)
                let buffer = arena.view(1 + level, shape: full, type: type)
                try DNNL.copy(h, into: buffer.channels(0, h.layout.dims[1]))
                concat.append(buffer)
            }
            skips.append(h)
        }
        for level in stride(from: levels - 2, through: 0, by: -1) {
            let up = upsampling[level]
            let skipChannels = skips[level].layout.dims[1]
            let shape = Self.outputShape(up, h.layout.dims)
            try run(up, h, into: concat[level].channels(skipChannels, shape[1]), scratch: next())
            h = concat[level]
            for conv in decoder[level] {
                let y = arena.view(next(), shape: Self.outputShape(conv, h.layout.dims), type: type)
                try run(conv, h, into: y, scratch: next())
                h = y
            }
        }
        let out = Tensor(uninitialized: [x.shape[0], c.classes] + Array(x.shape.dropFirst(2)))
        try run(head, h, into: MemoryView(out), scratch: next())
        return out
    }

    /// oneDNN's implementation name for every convolution of a forward pass on `inputShape`, in
    /// order (for example `brgconv:avx512_core_bf16`; `ref:any` would mean a slow fallback).
    public func convolutionImplementations(inputShape: [Int]) throws -> [String] {
        let type = precision.scalarType
        var names: [String] = []
        var dims = inputShape
        func name(_ c: FoldedConvolution, output: ScalarType? = nil) throws {
            precondition(!c.accumulate || output == nil)
            let spatial = c.geometry.outputSpatial(input: Array(dims.dropFirst(2)), kernel: c.kernel)
            let y = [dims[0], c.outChannels] + spatial
            let yl = DenseLayout(dims: y, strides: Tensor.channelsLastStrides(y), scalarType: output ?? type)
            let xl = DenseLayout(dims: dims, strides: Tensor.channelsLastStrides(dims), scalarType: type)
            names.append(
                try DNNL.inferenceConvolutionImplementation(
                    x: xl, weight: c.weight, weightType: type, hasBias: true, y: yl, geometry: c.geometry,
                    activation: c.activation, accumulate: c.accumulate))
            dims = Self.outputShape(c, dims)
        }
        var skipDims: [[Int]] = []
        for (level, stage) in encoder.enumerated() {
            if level > 0 { dims = Array(dims.prefix(2)) + dims.dropFirst(2).map { $0 / 2 } }
            for block in stage {
                switch block {
                case .plain(let conv): try name(conv)
                case .residual(let first, let second, let projection):
                    let input = dims
                    if let projection { try name(projection) }
                    dims = input
                    try name(first)
                    try name(second)
                }
            }
            skipDims.append(dims)
        }
        for level in stride(from: configuration.levels - 2, through: 0, by: -1) {
            let up = upsampling[level]
            let skip = skipDims[level][1]
            try name(up)
            dims[1] += skip
            for conv in decoder[level] { try name(conv) }
        }
        try name(head, output: .float32)
        return names
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
                flops +=
                    2 * n * Double(c.outChannels * out.reduce(1, *) * cin / c.geometry.groups * c.kernel.reduce(1, *))
            }
            spatial = c.shuffle.map { zip(out, $0).map(*) } ?? out
        }
        var cin = inputShape[1]
        var skipChannels: [Int] = []
        for (level, stage) in encoder.enumerated() {
            if level > 0 { spatial = spatial.map { $0 / 2 } }
            for block in stage {
                switch block {
                case .plain(let k):
                    conv(k, cin)
                    cin = k.outChannels
                case .residual(let first, let second, let projection):
                    if let projection { conv(projection, cin) }
                    conv(first, cin)
                    conv(second, first.outChannels)
                    cin = second.outChannels
                }
            }
            skipChannels.append(cin)
        }
        for level in stride(from: configuration.levels - 2, through: 0, by: -1) {
            conv(upsampling[level], cin)
            cin = skipChannels[level] + upsampling[level].outChannels / (upsampling[level].shuffle?.reduce(1, *) ?? 1)
            for k in decoder[level] {
                conv(k, cin)
                cin = k.outChannels
            }
        }
        conv(head, cin)
        return flops
    }
}
