/// A 2-D or 3-D convolution layer (PyTorch's `Conv2d`/`Conv3d`): weight `[O, I/groups, k…]`, optional bias.
public final class Convolution: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: [Int]
    public let padding: [Int]
    public let dilation: [Int]
    public let groups: Int
    /// Arithmetic of the kernels in training and evaluation graphs (``TrainingPrecision``).
    public var precision: TrainingPrecision = .fp32

    /// - Parameters:
    ///   - kernel: kernel size per spatial axis; its count (2 or 3) sets the dimensionality.
    ///   - padding: nil for "same" padding `dilation·(k − 1)/2` with odd kernels.
    public init<G: RandomNumberGenerator>(
        inputChannels: Int, outputChannels: Int, kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil,
        dilation: [Int]? = nil, groups: Int = 1, bias: Bool = true, using g: inout G
    ) {
        precondition(inputChannels % groups == 0 && outputChannels % groups == 0, "channels must divide by groups")
        let r = kernel.count
        self.stride = stride ?? [Int](repeating: 1, count: r)
        self.dilation = dilation ?? [Int](repeating: 1, count: r)
        self.padding = padding ?? zip(kernel, self.dilation).map { ($0 - 1) * $1 / 2 }
        self.groups = groups
        let fanIn = inputChannels / groups * kernel.reduce(1, *)
        weight = Parameter(kaimingNormal([outputChannels, inputChannels / groups] + kernel, fanIn: fanIn, using: &g))
        self.bias = bias ? Parameter(Tensor(zeros: [outputChannels])) : nil
    }

    public func callAsFunction(_ x: Variable) throws -> Variable {
        try convolution(
            x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
            precision: precision)
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func setTraining(_ training: Bool) {}
}

/// A transposed convolution layer (PyTorch's `ConvTranspose2d/3d`): weight `[I, O/groups, k…]`.
public final class TransposedConvolution: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: [Int]
    public let padding: [Int]
    public let groups: Int
    /// Arithmetic of the kernels in training and evaluation graphs (``TrainingPrecision``).
    public var precision: TrainingPrecision = .fp32

    public init<G: RandomNumberGenerator>(
        inputChannels: Int, outputChannels: Int, kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil,
        groups: Int = 1, bias: Bool = true, using g: inout G
    ) {
        let r = kernel.count
        self.stride = stride ?? kernel
        self.padding = padding ?? [Int](repeating: 0, count: r)
        self.groups = groups
        let fanIn = inputChannels / groups * kernel.reduce(1, *)
        weight = Parameter(kaimingNormal([inputChannels, outputChannels / groups] + kernel, fanIn: fanIn, using: &g))
        self.bias = bias ? Parameter(Tensor(zeros: [outputChannels])) : nil
    }

    public func callAsFunction(_ x: Variable) throws -> Variable {
        try transposedConvolution(
            x, weight: weight, bias: bias, stride: stride, padding: padding, groups: groups, precision: precision)
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func setTraining(_ training: Bool) {}
}

/// A fully connected layer (PyTorch's `Linear`): weight `[O, I]`, bias `[O]`.
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?

    public init<G: RandomNumberGenerator>(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, using g: inout G)
    {
        weight = Parameter(kaimingNormal([outputFeatures, inputFeatures], fanIn: inputFeatures, using: &g))
        self.bias = bias ? Parameter(Tensor(zeros: [outputFeatures])) : nil
    }

    public func callAsFunction(_ x: Variable) throws -> Variable { try linear(x, weight: weight, bias: bias) }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func setTraining(_ training: Bool) {}
}
