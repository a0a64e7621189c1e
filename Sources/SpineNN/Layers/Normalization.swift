/// Batch normalization with running statistics (PyTorch's `BatchNorm2d/3d`, momentum 0.1).
///
/// In training it normalizes with the batch's statistics and updates `running_mean` and
/// `running_var` (unbiased variance, as PyTorch); in evaluation it uses the running ones.
public final class BatchNorm: Layer {
    public let scale: Parameter
    public let shift: Parameter
    public let runningMean: Parameter
    public let runningVariance: Parameter
    public var momentum: Float
    public let epsilon: Float
    public private(set) var isTraining = true

    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        scale = Parameter(Tensor(shape: [channels], repeating: 1))
        shift = Parameter(Tensor(zeros: [channels]))
        runningMean = Parameter(Tensor(zeros: [channels]), trainable: false)
        runningVariance = Parameter(Tensor(shape: [channels], repeating: 1), trainable: false)
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public func callAsFunction(_ x: Variable) throws -> Variable { try self(x, fusedReLU: false) }

    /// Batch normalization followed, with `fusedReLU`, by `max(·, 0)`; in training both run in one
    /// oneDNN pass forward and one backward.
    public func callAsFunction(_ x: Variable, fusedReLU: Bool) throws -> Variable {
        guard isTraining else {
            let y = try batchNorm(
                x, scale: scale, shift: shift, mean: runningMean.value, variance: runningVariance.value,
                epsilon: epsilon)
            return fusedReLU ? try relu(y) : y
        }
        let (y, mean, variance) = try batchNorm(
            x, scale: scale, shift: shift, epsilon: epsilon, fusedReLU: fusedReLU)
        let n = Float(x.value.count / max(x.shape[1], 1))
        let unbias = n > 1 ? n / (n - 1) : 1
        let m = momentum
        runningMean.update { rm in
            rm.withUnsafeMutableBufferPointer { r in
                mean.withUnsafeBufferPointer { b in for i in 0..<r.count { r[i] = (1 - m) * r[i] + m * b[i] } }
            }
        }
        runningVariance.update { rv in
            rv.withUnsafeMutableBufferPointer { r in
                variance.withUnsafeBufferPointer { b in
                    for i in 0..<r.count { r[i] = (1 - m) * r[i] + m * b[i] * unbias }
                }
            }
        }
        return y
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        [("weight", scale), ("bias", shift), ("running_mean", runningMean), ("running_var", runningVariance)]
    }

    public func setTraining(_ training: Bool) { isTraining = training }
}

/// Instance normalization with affine scale and shift (PyTorch's `InstanceNorm2d/3d(affine=True)`).
public final class InstanceNorm: Layer {
    public let scale: Parameter
    public let shift: Parameter
    public let epsilon: Float

    public init(channels: Int, epsilon: Float = 1e-5) {
        scale = Parameter(Tensor(shape: [channels], repeating: 1))
        shift = Parameter(Tensor(zeros: [channels]))
        self.epsilon = epsilon
    }

    public func callAsFunction(_ x: Variable) throws -> Variable {
        try instanceNorm(x, scale: scale, shift: shift, epsilon: epsilon)
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] { [("weight", scale), ("bias", shift)] }

    public func setTraining(_ training: Bool) {}
}
