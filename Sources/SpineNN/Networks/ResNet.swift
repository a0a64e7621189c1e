/// The architecture of a ``ResNet``, saved as part of a model's plan.
///
/// The defaults are torchvision's ResNet-18 (He et al., "Deep Residual Learning for Image
/// Recognition", CVPR 2016): a 7×7 stride-2 stem with a 3×3 stride-2 max-pool, four stages of two
/// basic blocks with 64, 128, 256, 512 features, the last three starting with a stride-2 block.
/// ``ResNetConfiguration/small(classes:inputChannels:spatialDimensions:)`` is the CIFAR-style
/// variant for small images (3×3 stem, no pooling).
public struct ResNetConfiguration: Codable, Hashable, Sendable {
    /// 2 for images (`[N, C, H, W]`), 3 for volumes (`[N, C, D, H, W]`).
    public var spatialDimensions: Int
    public var inputChannels: Int
    /// Output logits of the classifier head.
    public var classes: Int
    /// Basic blocks per stage; `[2, 2, 2, 2]` is ResNet-18, `[3, 4, 6, 3]` ResNet-34.
    public var blocksPerStage: [Int]
    /// Features of the first stage, doubled at each following stage.
    public var baseFeatures: Int
    public var stemKernel: Int
    public var stemStride: Int
    /// A 3×3 stride-2 max-pool after the stem.
    public var stemPool: Bool

    public init(
        spatialDimensions: Int = 2, inputChannels: Int = 3, classes: Int, blocksPerStage: [Int] = [2, 2, 2, 2],
        baseFeatures: Int = 64, stemKernel: Int = 7, stemStride: Int = 2, stemPool: Bool = true
    ) {
        self.spatialDimensions = spatialDimensions
        self.inputChannels = inputChannels
        self.classes = classes
        self.blocksPerStage = blocksPerStage
        self.baseFeatures = baseFeatures
        self.stemKernel = stemKernel
        self.stemStride = stemStride
        self.stemPool = stemPool
    }

    /// CIFAR-style: 3×3 stride-1 stem without pooling, for images of a few dozen pixels.
    public static func small(
        classes: Int, inputChannels: Int = 1, spatialDimensions: Int = 2, blocksPerStage: [Int] = [1, 1, 1],
        baseFeatures: Int = 16
    ) -> ResNetConfiguration {
        ResNetConfiguration(
            spatialDimensions: spatialDimensions, inputChannels: inputChannels, classes: classes,
            blocksPerStage: blocksPerStage, baseFeatures: baseFeatures, stemKernel: 3, stemStride: 1, stemPool: false)
    }

    /// Features of stage `s` (0-based).
    public func features(at stage: Int) -> Int { baseFeatures << stage }

    /// Total downsampling of stage `s`'s output relative to the input.
    public func stride(at stage: Int) -> Int { stemStride * (stemPool ? 2 : 1) << stage }
}

/// A residual basic block (two 3×3 conv + batch norm, identity or projected shortcut, ReLU after
/// the sum), named as torchvision's `BasicBlock` (`conv1`, `bn1`, `conv2`, `bn2`, `downsample.0/1`).
public final class ResidualBlock: Layer {
    public let conv1: Convolution
    public let bn1: BatchNorm
    public let conv2: Convolution
    public let bn2: BatchNorm
    /// 1×1 strided convolution + batch norm when the shape changes.
    public let projection: (Convolution, BatchNorm)?

    public init<G: RandomNumberGenerator>(
        inputChannels cin: Int, outputChannels cout: Int, stride: Int, dimensions r: Int, using g: inout G
    ) {
        let k3 = [Int](repeating: 3, count: r)
        let s = [Int](repeating: stride, count: r)
        conv1 = Convolution(inputChannels: cin, outputChannels: cout, kernel: k3, stride: s, bias: false, using: &g)
        bn1 = BatchNorm(channels: cout)
        conv2 = Convolution(inputChannels: cout, outputChannels: cout, kernel: k3, bias: false, using: &g)
        bn2 = BatchNorm(channels: cout)
        if stride != 1 || cin != cout {
            projection = (
                Convolution(
                    inputChannels: cin, outputChannels: cout, kernel: [Int](repeating: 1, count: r), stride: s,
                    bias: false, using: &g),
                BatchNorm(channels: cout)
            )
        } else {
            projection = nil
        }
    }

    public func callAsFunction(_ x: Variable) throws -> Variable {
        let h = try relu(bn1(conv1(x)))
        let y = try bn2(conv2(h))
        let shortcut = try projection.map { try $0.1($0.0(x)) } ?? x
        return try relu(y + shortcut)
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var p = prefixed("conv1", conv1.namedParameters()) + prefixed("bn1", bn1.namedParameters())
        p += prefixed("conv2", conv2.namedParameters()) + prefixed("bn2", bn2.namedParameters())
        if let (conv, norm) = projection {
            p += prefixed("downsample.0", conv.namedParameters()) + prefixed("downsample.1", norm.namedParameters())
        }
        return p
    }

    public func setTraining(_ training: Bool) {
        for n in [bn1, bn2] + (projection.map { [$0.1] } ?? []) { n.setTraining(training) }
    }
}

/// A ResNet classifier in 2-D or 3-D, with torchvision's parameter names (`conv1`, `bn1`,
/// `layer1.0.conv1`, …, `fc`), so a torchvision `state_dict` saved as safetensors loads as is.
///
/// ``stageOutputs(_:)`` exposes the feature pyramid for detection heads (``CenterNet``).
public final class ResNet: Layer {
    public let configuration: ResNetConfiguration
    let stem: Convolution
    let stemNorm: BatchNorm
    let stages: [[ResidualBlock]]
    let classifier: Linear
    /// The fused session ``predict(_:precision:)`` runs in evaluation mode (Export/ONNXExportable.swift).
    let sessionCache = ExportedSessionCache()

    public init<G: RandomNumberGenerator>(_ config: ResNetConfiguration, using g: inout G) throws {
        let r = config.spatialDimensions
        guard r == 2 || r == 3, config.inputChannels >= 1, config.classes >= 1, config.baseFeatures >= 1,
            !config.blocksPerStage.isEmpty, config.blocksPerStage.allSatisfy({ $0 >= 1 }), config.stemKernel >= 1,
            config.stemKernel % 2 == 1, config.stemStride >= 1
        else {
            throw NNError(.invalidArgument, "ResNet: invalid configuration \(config)")
        }
        configuration = config
        stem = Convolution(
            inputChannels: config.inputChannels, outputChannels: config.baseFeatures,
            kernel: [Int](repeating: config.stemKernel, count: r),
            stride: [Int](repeating: config.stemStride, count: r), bias: false, using: &g)
        stemNorm = BatchNorm(channels: config.baseFeatures)
        var stages: [[ResidualBlock]] = []
        for (s, count) in config.blocksPerStage.enumerated() {
            let cin = s == 0 ? config.baseFeatures : config.features(at: s - 1)
            let cout = config.features(at: s)
            stages.append(
                (0..<count).map { b in
                    ResidualBlock(
                        inputChannels: b == 0 ? cin : cout, outputChannels: cout, stride: b == 0 && s > 0 ? 2 : 1,
                        dimensions: r, using: &g)
                })
        }
        self.stages = stages
        classifier = Linear(
            inputFeatures: config.features(at: config.blocksPerStage.count - 1), outputFeatures: config.classes,
            using: &g)
    }

    /// The output of every stage, highest resolution first (strides ``ResNetConfiguration/stride(at:)``).
    public func stageOutputs(_ x: Variable) throws -> [Variable] {
        try checkInput(x.shape)
        let c = configuration
        var h = try relu(stemNorm(stem(x)))
        if c.stemPool { h = try maxPool(h, kernel: [3], stride: [2], padding: [1]) }
        var outputs: [Variable] = []
        for stage in stages {
            for block in stage { h = try block(h) }
            outputs.append(h)
        }
        return outputs
    }

    func checkInput(_ shape: [Int]) throws {
        let c = configuration
        guard shape.count == c.spatialDimensions + 2, shape[1] == c.inputChannels else {
            throw NNError.shape(
                "ResNet", expected: "input [N, \(c.inputChannels), \(c.spatialDimensions == 2 ? "H, W" : "D, H, W")]",
                got: "\(shape)")
        }
        let deepest = c.stride(at: c.blocksPerStage.count - 1)
        guard shape.dropFirst(2).allSatisfy({ $0 >= deepest }) else {
            throw NNError.shape(
                "ResNet", expected: "spatial size at least \(deepest) (the total stride)",
                got: "\(Array(shape.dropFirst(2)))")
        }
    }

    /// Class logits `[N, classes]`: the last stage, global average pooling, a linear layer.
    public func callAsFunction(_ x: Variable) throws -> Variable {
        try classifier(globalAveragePool(stageOutputs(x).last!))
    }

    /// Class logits `[N, classes]` without gradients. In evaluation mode (``setTraining(_:)`` false)
    /// they come from the exported, fused ``ONNXSession`` (``inferenceSession(precision:)``, rebuilt
    /// when a weight changes); in training mode from the autograd graph.
    public func predict(_ images: Tensor, precision: InferencePrecision = .fp32) throws -> Tensor {
        guard stemNorm.isTraining else {
            try checkInput(images.shape)
            return try sessionCache.session(for: self, precision: precision)(images)
        }
        return try GradientMode.withoutGradients { try self(Variable(images)).value }
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var p = prefixed("conv1", stem.namedParameters()) + prefixed("bn1", stemNorm.namedParameters())
        for (s, stage) in stages.enumerated() {
            for (b, block) in stage.enumerated() { p += prefixed("layer\(s + 1).\(b)", block.namedParameters()) }
        }
        return p + prefixed("fc", classifier.namedParameters())
    }

    public func setTraining(_ training: Bool) {
        stemNorm.setTraining(training)
        for stage in stages { for b in stage { b.setTraining(training) } }
    }
}
