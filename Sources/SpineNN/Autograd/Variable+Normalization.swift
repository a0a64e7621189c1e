private func requireChannelVectors(_ op: String, _ x: Variable, _ vectors: [(String, [Int])]) throws {
    let c = x.shape[1]
    for (name, s) in vectors where s != [c] {
        throw NNError.shape(op, expected: "\(name) [\(c)] for \(c) channels", got: "\(s)")
    }
}

/// Batch normalization with the batch's statistics (training).
///
/// Normalizes each channel over the batch and spatial axes, then applies `scale` (γ) and
/// `shift` (β). Returns the batch mean and the biased batch variance too, from which a layer
/// updates its running statistics.
///
/// - Parameters:
///   - x: `[N, C, …]` (rank 2, 4 or 5).
///   - scale, shift: `[C]`.
///   - fusedReLU: also apply `max(·, 0)` in the same pass (and its gradient in the backward
///     pass): equal to ``relu(_:)`` of the output without the extra passes over memory.
public func batchNorm(
    _ x: Variable, scale: Variable, shift: Variable, epsilon: Float = 1e-5, fusedReLU: Bool = false
) throws -> (output: Variable, mean: Tensor, variance: Tensor) {
    let op = "batchNorm"
    guard [2, 4, 5].contains(x.shape.count) else {
        throw NNError.shape(op, expected: "input [N, C], [N, C, H, W] or [N, C, D, H, W]", got: "\(x.shape)")
    }
    try requireChannelVectors(op, x, [("scale", scale.shape), ("shift", shift.shape)])
    let xv = x.value
    let sv = scale.value
    let shv = shift.value
    let (y, mean, variance, workspace) = try DNNL.batchNormTraining(
        xv, scale: sv, shift: shv, epsilon: epsilon, fuseReLU: fusedReLU)
    let out = Variable.result(y, inputs: [x, scale, shift]) { gy in
        let (gx, gs, gb) = try DNNL.batchNormBackward(
            gy, input: xv, scale: sv, shift: shv, mean: mean, variance: variance, epsilon: epsilon,
            reluWorkspace: workspace)
        return [gx, gs, gb]
    }
    return (out, mean, variance)
}

/// Batch normalization with fixed statistics (inference, or training with frozen statistics).
///
/// `y = γ (x − mean) / √(variance + ε) + β`; gradients flow to `x`, `scale` and `shift`.
public func batchNorm(
    _ x: Variable, scale: Variable, shift: Variable, mean: Tensor, variance: Tensor, epsilon: Float = 1e-5
) throws -> Variable {
    let op = "batchNorm"
    guard [2, 4, 5].contains(x.shape.count) else {
        throw NNError.shape(op, expected: "input [N, C], [N, C, H, W] or [N, C, D, H, W]", got: "\(x.shape)")
    }
    try requireChannelVectors(
        op, x, [("scale", scale.shape), ("shift", shift.shape), ("mean", mean.shape), ("variance", variance.shape)])
    let xv = x.value
    let sv = scale.value
    let y = try DNNL.batchNormInference(
        xv, scale: sv, shift: shift.value, mean: mean, variance: variance, epsilon: epsilon)
    return .result(y, inputs: [x, scale, shift]) { gy in
        let c = xv.shape[1]
        var factor = Tensor(uninitialized: [c])
        for i in 0..<c {
            factor.storage.pointer[i] = sv.storage.pointer[i] / (variance.storage.pointer[i] + epsilon).squareRoot()
        }
        var bshape = [Int](repeating: 1, count: xv.rank)
        bshape[1] = c
        factor = try factor.reshaped(bshape)
        let gx = try DNNL.binary(.multiply, gy, factor)
        let ones = Tensor(shape: [c], repeating: 1)
        let zeros = Tensor(zeros: [c])
        let xhat = try DNNL.batchNormInference(
            xv, scale: ones, shift: zeros, mean: mean, variance: variance, epsilon: epsilon)
        let gs = try DNNL.reduceSum(try DNNL.binary(.multiply, gy, xhat), to: bshape).reshaped([c])
        let gb = try DNNL.reduceSum(gy, to: bshape).reshaped([c])
        return [gx, gs, gb]
    }
}

/// Instance normalization: each sample and channel normalized over its spatial axes, then `scale`
/// and `shift` (`[C]`) applied (PyTorch's `InstanceNorm2d/3d(affine: true)` without running
/// statistics). Composed from oneDNN's batch normalization run on one sample at a time.
public func instanceNorm(_ x: Variable, scale: Variable, shift: Variable, epsilon: Float = 1e-5) throws -> Variable {
    let op = "instanceNorm"
    try requireImageBatch(x, op)
    try requireChannelVectors(op, x, [("scale", scale.shape), ("shift", shift.shape)])
    let xv = x.value
    let sv = scale.value
    let shv = shift.value
    let n = xv.shape[0]
    var items: [Tensor] = []
    var stats: [(Tensor, Tensor, Tensor)] = []
    for i in 0..<n {
        let xi = xv.batchItem(i)
        let (yi, m, v, _) = try DNNL.batchNormTraining(xi, scale: sv, shift: shift.value, epsilon: epsilon)
        items.append(yi)
        stats.append((xi, m, v))
    }
    return .result(Tensor.stackBatch(items), inputs: [x, scale, shift]) { gy in
        var gxs: [Tensor] = []
        var gs = Tensor(zeros: sv.shape)
        var gb = Tensor(zeros: sv.shape)
        for i in 0..<n {
            let (xi, m, v) = stats[i]
            let (gx, s, b) = try DNNL.batchNormBackward(
                gy.batchItem(i), input: xi, scale: sv, shift: shv, mean: m, variance: v, epsilon: epsilon)
            gxs.append(gx)
            gs += s
            gb += b
        }
        return [Tensor.stackBatch(gxs), gs, gb]
    }
}
