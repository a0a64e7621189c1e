/// The architecture of a ``UNet``, saved as part of a model's plan.
public struct UNetConfiguration: Codable, Hashable, Sendable {
    public enum Normalization: String, Codable, Sendable {
        case batch, instance, none
    }

    /// 2 for slices (`[N, C, H, W]`), 3 for volumes (`[N, C, D, H, W]`).
    public var spatialDimensions: Int
    public var inputChannels: Int
    /// Output channels (classes including background).
    public var classes: Int
    /// Resolution levels including the bottleneck; the input is downsampled `levels − 1` times.
    public var levels: Int
    /// Features at full resolution; doubled at each level down to `maxFeatures`.
    public var baseFeatures: Int
    public var maxFeatures: Int
    /// Convolution + norm + activation blocks per stage.
    public var convolutionsPerStage: Int
    public var normalization: Normalization
    /// 0 for ReLU, > 0 for leaky ReLU (nnU-Net uses 0.01).
    public var negativeSlope: Float
    /// Also emit logits at the lower decoder resolutions (nnU-Net's deep supervision).
    public var deepSupervision: Bool
    /// Residual blocks per encoder stage, as nnU-Net's residual-encoder U-Net (ResEnc): each block
    /// is conv + norm + ReLU, conv + norm, its input added (through a 1×1 conv + norm where the
    /// channel count changes), then ReLU. 0 (the default) for plain stages of
    /// ``convolutionsPerStage`` blocks; the decoder is plain either way.
    public var residualBlocksPerStage: Int

    public init(
        spatialDimensions: Int = 2, inputChannels: Int = 1, classes: Int, levels: Int = 4, baseFeatures: Int = 32,
        maxFeatures: Int = 320, convolutionsPerStage: Int = 2, normalization: Normalization = .batch,
        negativeSlope: Float = 0, deepSupervision: Bool = false, residualBlocksPerStage: Int = 0
    ) {
        self.spatialDimensions = spatialDimensions
        self.inputChannels = inputChannels
        self.classes = classes
        self.levels = levels
        self.baseFeatures = baseFeatures
        self.maxFeatures = maxFeatures
        self.convolutionsPerStage = convolutionsPerStage
        self.normalization = normalization
        self.negativeSlope = negativeSlope
        self.deepSupervision = deepSupervision
        self.residualBlocksPerStage = residualBlocksPerStage
    }

    private enum CodingKeys: String, CodingKey {
        case spatialDimensions, inputChannels, classes, levels, baseFeatures, maxFeatures, convolutionsPerStage
        case normalization, negativeSlope, deepSupervision, residualBlocksPerStage
    }

    /// Decodes a configuration; plans written before residual stages existed have plain stages.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        spatialDimensions = try c.decode(Int.self, forKey: .spatialDimensions)
        inputChannels = try c.decode(Int.self, forKey: .inputChannels)
        classes = try c.decode(Int.self, forKey: .classes)
        levels = try c.decode(Int.self, forKey: .levels)
        baseFeatures = try c.decode(Int.self, forKey: .baseFeatures)
        maxFeatures = try c.decode(Int.self, forKey: .maxFeatures)
        convolutionsPerStage = try c.decode(Int.self, forKey: .convolutionsPerStage)
        normalization = try c.decode(Normalization.self, forKey: .normalization)
        negativeSlope = try c.decode(Float.self, forKey: .negativeSlope)
        deepSupervision = try c.decode(Bool.self, forKey: .deepSupervision)
        residualBlocksPerStage = try c.decodeIfPresent(Int.self, forKey: .residualBlocksPerStage) ?? 0
    }

    /// Features at `level` (0 = full resolution).
    public func features(at level: Int) -> Int { min(baseFeatures << level, maxFeatures) }

    /// The input spatial size must be a multiple of this along every axis.
    public var sizeMultiple: Int { 1 << (levels - 1) }
}

/// A block of a U-Net stage: maps a feature map to another of the same spatial size.
public protocol UNetBlock: Layer {
    func callAsFunction(_ x: Variable) throws -> Variable
}

/// Convolution → normalization → (leaky) ReLU (the activation left out for the second convolution
/// and the projection of a ``ResidualConvolutionBlock``).
public final class ConvolutionBlock: UNetBlock {
    public let conv: Convolution
    public let batchNorm: BatchNorm?
    public let instanceNorm: InstanceNorm?
    public let negativeSlope: Float
    /// Whether the (leaky) ReLU follows the normalization.
    public let activation: Bool

    init<G: RandomNumberGenerator>(
        _ cin: Int, _ cout: Int, _ config: UNetConfiguration, kernel: Int = 3, activation: Bool = true,
        using g: inout G
    ) {
        let k = [Int](repeating: kernel, count: config.spatialDimensions)
        conv = Convolution(
            inputChannels: cin, outputChannels: cout, kernel: k, bias: config.normalization == .none, using: &g)
        batchNorm = config.normalization == .batch ? BatchNorm(channels: cout) : nil
        instanceNorm = config.normalization == .instance ? InstanceNorm(channels: cout) : nil
        negativeSlope = config.negativeSlope
        self.activation = activation
    }

    public func callAsFunction(_ x: Variable) throws -> Variable {
        var y = try conv(x)
        if let batchNorm, negativeSlope == 0, activation { return try batchNorm(y, fusedReLU: true) }
        if let batchNorm { y = try batchNorm(y) }
        if let instanceNorm { y = try instanceNorm(y) }
        guard activation else { return y }
        return negativeSlope == 0 ? try relu(y) : try leakyReLU(y, negativeSlope: negativeSlope)
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var p = prefixed("conv", conv.namedParameters())
        if let batchNorm { p += prefixed("norm", batchNorm.namedParameters()) }
        if let instanceNorm { p += prefixed("norm", instanceNorm.namedParameters()) }
        return p
    }

    public func setTraining(_ training: Bool) { batchNorm?.setTraining(training) }
}

/// A residual block (He et al., "Deep Residual Learning for Image Recognition", CVPR 2016), as
/// nnU-Net's ResEnc `BasicBlockD`: `act(norm(conv(act(norm(conv(x))))) + skip(x))`, where the skip
/// is the identity or, when the channel count changes, a 1×1 convolution + norm.
public final class ResidualConvolutionBlock: UNetBlock {
    public let first: ConvolutionBlock
    /// The second convolution + norm, without activation (that follows the sum).
    public let second: ConvolutionBlock
    /// The 1×1 projection of the input where the channel count changes.
    public let projection: ConvolutionBlock?
    public let negativeSlope: Float

    init<G: RandomNumberGenerator>(_ cin: Int, _ cout: Int, _ config: UNetConfiguration, using g: inout G) {
        first = ConvolutionBlock(cin, cout, config, using: &g)
        second = ConvolutionBlock(cout, cout, config, activation: false, using: &g)
        projection = cin == cout ? nil : ConvolutionBlock(cin, cout, config, kernel: 1, activation: false, using: &g)
        negativeSlope = config.negativeSlope
    }

    public func callAsFunction(_ x: Variable) throws -> Variable {
        let y = try second(try first(x))
        let skip = try projection.map { try $0(x) } ?? x
        let sum = try y + skip
        return negativeSlope == 0 ? try relu(sum) : try leakyReLU(sum, negativeSlope: negativeSlope)
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        prefixed("first", first.namedParameters()) + prefixed("second", second.namedParameters())
            + (projection.map { prefixed("projection", $0.namedParameters()) } ?? [])
    }

    public func setTraining(_ training: Bool) {
        first.setTraining(training)
        second.setTraining(training)
        projection?.setTraining(training)
    }

    var convolutions: [Convolution] { [first.conv, second.conv] + (projection.map { [$0.conv] } ?? []) }
}

/// A U-Net (Ronneberger et al., MICCAI 2015) in 2-D or 3-D, configured as nnU-Net's plain
/// U-Net: stages of 3×3(×3) conv + norm + ReLU, max-pool down, 2×2(×2) transposed conv up,
/// skip connections concatenated, a 1×1 head (and lower-resolution heads for deep supervision).
public final class UNet: Layer {
    public let configuration: UNetConfiguration
    /// Plain stages hold ``ConvolutionBlock``s, residual ones ``ResidualConvolutionBlock``s.
    let encoder: [[any UNetBlock]]
    let upsampling: [TransposedConvolution]
    let decoder: [[ConvolutionBlock]]
    /// heads[0] is full resolution; heads[l] the decoder output at level l (deep supervision).
    let heads: [Convolution]

    /// Arithmetic of every convolution when the network runs as a graph (training, or
    /// evaluation through ``callAsFunction(_:)``); ``TrainingPrecision/bf16`` is mixed precision
    /// with float32 master weights. ``InferenceUNet`` has its own ``InferencePrecision``.
    public var trainingPrecision: TrainingPrecision = .fp32 {
        didSet {
            for stage in encoder {
                for b in stage {
                    if let b = b as? ConvolutionBlock { b.conv.precision = trainingPrecision }
                    if let b = b as? ResidualConvolutionBlock {
                        for c in b.convolutions { c.precision = trainingPrecision }
                    }
                }
            }
            for stage in decoder { for b in stage { b.conv.precision = trainingPrecision } }
            for u in upsampling { u.precision = trainingPrecision }
            for h in heads { h.precision = trainingPrecision }
        }
    }

    public init<G: RandomNumberGenerator>(_ config: UNetConfiguration, using g: inout G) throws {
        guard config.spatialDimensions == 2 || config.spatialDimensions == 3, config.levels >= 1,
            config.baseFeatures >= 1,
            config.convolutionsPerStage >= 1, config.classes >= 1, config.inputChannels >= 1,
            config.residualBlocksPerStage >= 0
        else {
            throw NNError(.invalidArgument, "UNet: invalid configuration \(config)")
        }
        configuration = config
        let r = config.spatialDimensions
        var enc: [[any UNetBlock]] = []
        for level in 0..<config.levels {
            let cin = level == 0 ? config.inputChannels : config.features(at: level - 1)
            let f = config.features(at: level)
            if config.residualBlocksPerStage > 0 {
                enc.append(
                    (0..<config.residualBlocksPerStage).map { i in
                        ResidualConvolutionBlock(i == 0 ? cin : f, f, config, using: &g)
                    })
            } else {
                enc.append(
                    (0..<config.convolutionsPerStage).map { i in
                        ConvolutionBlock(i == 0 ? cin : f, f, config, using: &g)
                    })
            }
        }
        var up: [TransposedConvolution] = []
        var dec: [[ConvolutionBlock]] = []
        for level in 0..<(config.levels - 1) {
            let f = config.features(at: level)
            up.append(
                TransposedConvolution(
                    inputChannels: config.features(at: level + 1), outputChannels: f,
                    kernel: [Int](repeating: 2, count: r), using: &g))
            dec.append(
                (0..<config.convolutionsPerStage).map { i in ConvolutionBlock(i == 0 ? 2 * f : f, f, config, using: &g)
                })
        }
        let headCount = config.deepSupervision ? max(config.levels - 1, 1) : 1
        heads = (0..<headCount).map { level in
            Convolution(
                inputChannels: config.features(at: level), outputChannels: config.classes,
                kernel: [Int](repeating: 1, count: r), using: &g)
        }
        encoder = enc
        upsampling = up
        decoder = dec
    }

    /// Logits at full resolution, `[N, classes, …]`.
    public func callAsFunction(_ x: Variable) throws -> Variable { try outputs(x)[0] }

    /// Logits at full resolution followed, with deep supervision, by those at ½, ¼, … resolution.
    public func outputs(_ x: Variable) throws -> [Variable] {
        let c = configuration
        guard x.shape.count == c.spatialDimensions + 2, x.shape[1] == c.inputChannels else {
            throw NNError.shape(
                "UNet", expected: "input [N, \(c.inputChannels), \(c.spatialDimensions == 2 ? "H, W" : "D, H, W")]",
                got: "\(x.shape)")
        }
        guard x.shape.dropFirst(2).allSatisfy({ $0 % c.sizeMultiple == 0 && $0 > 0 }) else {
            throw NNError.shape(
                "UNet", expected: "spatial size a multiple of \(c.sizeMultiple)", got: "\(Array(x.shape.dropFirst(2)))")
        }
        var skips: [Variable] = []
        var h = x
        for (level, stage) in encoder.enumerated() {
            if level > 0 { h = try maxPool(h, kernel: [2]) }
            for block in stage { h = try block(h) }
            skips.append(h)
        }
        var outs: [Variable] = []
        for level in stride(from: c.levels - 2, through: 0, by: -1) {
            h = try upsampling[level](h)
            h = try concat([skips[level], h])
            for block in decoder[level] { h = try block(h) }
            if level < heads.count { outs.append(try heads[level](h)) }
        }
        if c.levels == 1 { outs.append(try heads[0](h)) }
        return outs.reversed()
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var p: [(name: String, parameter: Parameter)] = []
        for (l, stage) in encoder.enumerated() {
            for (i, b) in stage.enumerated() { p += prefixed("encoder.\(l).\(i)", b.namedParameters()) }
        }
        for (l, u) in upsampling.enumerated() { p += prefixed("decoder.\(l).up", u.namedParameters()) }
        for (l, stage) in decoder.enumerated() {
            for (i, b) in stage.enumerated() { p += prefixed("decoder.\(l).\(i)", b.namedParameters()) }
        }
        for (l, head) in heads.enumerated() { p += prefixed("head.\(l)", head.namedParameters()) }
        return p
    }

    public func setTraining(_ training: Bool) {
        for stage in encoder { for b in stage { b.setTraining(training) } }
        for stage in decoder { for b in stage { b.setTraining(training) } }
    }
}
