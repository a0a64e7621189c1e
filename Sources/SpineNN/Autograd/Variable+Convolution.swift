/// Checks that `x` is a batch of 2-D or 3-D images (`[N, C, H, W]` or `[N, C, D, H, W]`).
func requireImageBatch(_ x: Variable, _ op: String) throws {
    guard x.shape.count == 4 || x.shape.count == 5 else {
        throw NNError.shape(op, expected: "input [N, C, H, W] or [N, C, D, H, W]", got: "\(x.shape)")
    }
}

/// 2-D or 3-D convolution (cross-correlation, as PyTorch's `Conv2d`/`Conv3d`).
///
/// - Parameters:
///   - x: `[N, C_in, H, W]` or `[N, C_in, D, H, W]`.
///   - weight: `[C_out, C_in / groups, kH, kW]` (or with `kD`).
///   - bias: `[C_out]` or nil.
///   - stride, padding, dilation: one value for all spatial axes or one per axis (D, H, W order);
///     nil means 1, 0, 1. Padding is symmetric, in voxels.
///   - groups: channel groups; `C_in` and `C_out` must be divisible by it.
/// - Returns: `[N, C_out, H_out, W_out]` with `H_out = (H + 2p − d(k − 1) − 1) / s + 1`.
/// - Throws: ``NNError`` `.shapeMismatch` or `.invalidArgument` before anything reaches oneDNN.
public func convolution(
    _ x: Variable, weight: Variable, bias: Variable? = nil, stride: [Int]? = nil, padding: [Int]? = nil,
    dilation: [Int]? = nil, groups: Int = 1
) throws -> Variable {
    try convolutionCommon(
        x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
        transposed: false)
}

/// Transposed 2-D or 3-D convolution (PyTorch's `ConvTranspose2d`/`ConvTranspose3d`, no output padding).
///
/// - Parameters:
///   - x: `[N, C_in, H, W]` or `[N, C_in, D, H, W]`.
///   - weight: `[C_in, C_out / groups, kH, kW]` (PyTorch's order for transposed convolutions).
///   - bias: `[C_out]` or nil.
/// - Returns: `[N, C_out, H_out, W_out]` with `H_out = (H − 1)s − 2p + d(k − 1) + 1`.
public func transposedConvolution(
    _ x: Variable, weight: Variable, bias: Variable? = nil, stride: [Int]? = nil, padding: [Int]? = nil,
    dilation: [Int]? = nil, groups: Int = 1
) throws -> Variable {
    try convolutionCommon(
        x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
        transposed: true)
}

private func convolutionCommon(
    _ x: Variable, weight: Variable, bias: Variable?, stride: [Int]?, padding: [Int]?, dilation: [Int]?, groups: Int,
    transposed: Bool
) throws -> Variable {
    let op = transposed ? "transposedConvolution" : "convolution"
    try requireImageBatch(x, op)
    let xs = x.shape
    let ws = weight.shape
    guard ws.count == xs.count else {
        throw NNError.shape(op, expected: "weight of rank \(xs.count) for input \(xs)", got: "weight \(ws)")
    }
    let g = try ConvolutionGeometry(
        spatialRank: xs.count - 2, stride: stride, padding: padding, dilation: dilation, groups: groups,
        transposed: transposed, op: op)
    let outChannels: Int
    if transposed {
        guard ws[0] == xs[1], xs[1] % groups == 0 else {
            throw NNError.shape(
                op, expected: "weight [\(xs[1]), C_out/groups, k…] for \(xs[1]) input channels and \(groups) groups",
                got: "weight \(ws)")
        }
        outChannels = ws[1] * groups
    } else {
        guard ws[1] * groups == xs[1], ws[0] % groups == 0 else {
            throw NNError.shape(
                op,
                expected:
                    "weight [C_out, \(xs[1] / max(groups, 1)), k…] for \(xs[1]) input channels and \(groups) groups",
                got: "weight \(ws)")
        }
        outChannels = ws[0]
    }
    if let bias, bias.shape != [outChannels] {
        throw NNError.shape(op, expected: "bias [\(outChannels)]", got: "\(bias.shape)")
    }
    let spatial = g.outputSpatial(input: Array(xs.dropFirst(2)), kernel: Array(ws.dropFirst(2)))
    guard spatial.allSatisfy({ $0 >= 1 }), ws.dropFirst(2).allSatisfy({ $0 >= 1 }) else {
        throw NNError.shape(
            op,
            expected:
                "kernel \(Array(ws.dropFirst(2))) to fit input \(Array(xs.dropFirst(2))) with padding \(g.paddingLow), dilation \(g.dilation)",
            got: "output size \(spatial)")
    }
    let outShape = [xs[0], outChannels] + spatial
    let needsGrad = GradientMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
    let xv = x.value
    let wv = weight.value
    let y = try DNNL.convolutionForward(
        xv, weight: wv, bias: bias?.value, outputShape: outShape, geometry: g, training: needsGrad)
    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    let hasBias = bias != nil
    return .result(y, inputs: inputs) { gy in
        let gx =
            x.requiresGrad
            ? try DNNL.convolutionBackwardData(gy, weight: wv, inputShape: xs, hasBias: hasBias, geometry: g) : nil
        var gw: Tensor? = nil
        var gb: Tensor? = nil
        if weight.requiresGrad || bias?.requiresGrad == true {
            (gw, gb) = try DNNL.convolutionBackwardWeights(
                gy, input: xv, weightShape: ws, hasBias: hasBias, geometry: g)
        }
        return hasBias ? [gx, gw, gb] : [gx, gw]
    }
}
