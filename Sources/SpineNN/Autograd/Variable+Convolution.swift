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
///   - precision: ``TrainingPrecision/bf16`` runs the kernels (forward and backward) on bfloat16
///     copies with float32 accumulation; values and gradients stay float32.
/// - Returns: `[N, C_out, H_out, W_out]` with `H_out = (H + 2p − d(k − 1) − 1) / s + 1`.
/// - Throws: ``NNError`` `.shapeMismatch` or `.invalidArgument` before anything reaches oneDNN.
public func convolution(
    _ x: Variable, weight: Variable, bias: Variable? = nil, stride: [Int]? = nil, padding: [Int]? = nil,
    dilation: [Int]? = nil, groups: Int = 1, precision: TrainingPrecision = .fp32
) throws -> Variable {
    try convolutionCommon(
        x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
        transposed: false, precision: precision)
}

/// Transposed 2-D or 3-D convolution (PyTorch's `ConvTranspose2d`/`ConvTranspose3d`, no output padding).
///
/// - Parameters:
///   - x: `[N, C_in, H, W]` or `[N, C_in, D, H, W]`.
///   - weight: `[C_in, C_out / groups, kH, kW]` (PyTorch's order for transposed convolutions).
///   - bias: `[C_out]` or nil.
///   - precision: as for ``convolution(_:weight:bias:stride:padding:dilation:groups:precision:)``;
///     bfloat16 applies to transposed convolutions whose kernel equals their stride (run as a
///     1×1 convolution and a pixel shuffle), the others stay float32.
/// - Returns: `[N, C_out, H_out, W_out]` with `H_out = (H − 1)s − 2p + d(k − 1) + 1`.
public func transposedConvolution(
    _ x: Variable, weight: Variable, bias: Variable? = nil, stride: [Int]? = nil, padding: [Int]? = nil,
    dilation: [Int]? = nil, groups: Int = 1, precision: TrainingPrecision = .fp32
) throws -> Variable {
    try convolutionCommon(
        x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
        transposed: true, precision: precision)
}

private func convolutionCommon(
    _ x: Variable, weight: Variable, bias: Variable?, stride: [Int]?, padding: [Int]?, dilation: [Int]?, groups: Int,
    transposed: Bool, precision: TrainingPrecision
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
    let kernel = Array(ws.dropFirst(2))
    if transposed, groups == 1, g.stride == kernel, g.paddingLow.allSatisfy({ $0 == 0 }),
        g.paddingHigh.allSatisfy({ $0 == 0 }), g.dilation.allSatisfy({ $0 == 1 })
    {
        return try shuffleTransposedConvolution(
            x, weight: weight, bias: bias, outputShape: outShape, precision: precision)
    }
    let needsGrad = GradientMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
    let xv = x.value
    let wv = weight.value
    // Transposed convolutions other than the pixel-shuffle kind stay float32.
    let low =
        !transposed && precision.usesBFloat16(inputChannels: xs[1] / groups, outputChannels: outChannels / groups)
    let xLow = low ? try DNNL.bfloat16Copy(xv) : nil
    let y = try DNNL.convolutionForward(
        xv, weight: wv, bias: bias?.value, outputShape: outShape, geometry: g, training: needsGrad,
        lowPrecisionSource: xLow)
    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    let hasBias = bias != nil
    return .result(y, inputs: inputs) { gy in
        let gyLow = low ? try DNNL.bfloat16Copy(gy) : nil
        let gx =
            x.requiresGrad
            ? try DNNL.convolutionBackwardData(
                gy, weight: wv, inputShape: xs, hasBias: hasBias, geometry: g, lowPrecisionGradient: gyLow) : nil
        var gw: Tensor? = nil
        var gb: Tensor? = nil
        if weight.requiresGrad || bias?.requiresGrad == true {
            (gw, gb) = try DNNL.convolutionBackwardWeights(
                gy, input: xv, weightShape: ws, hasBias: hasBias, geometry: g,
                lowPrecision: xLow.flatMap { s in gyLow.map { (s, $0) } })
        }
        return hasBias ? [gx, gw, gb] : [gx, gw]
    }
}

/// A transposed convolution whose kernel equals its stride (no padding, groups or dilation), as
/// a 1×1 convolution to `C·Πk` channels followed by a pixel shuffle (depth-to-space); backward
/// is the inverse shuffle and the 1×1 convolution's backward. oneDNN 2.6's transposed
/// convolution kernels run at a fraction of its 1×1 convolutions' speed.
///
/// The weight `[C_in, C, k…]` is stored `C_in, k…, C`, which is exactly the 1×1 weight
/// `[(k…, C), C_in]` read column-major, so neither it nor its gradient is ever copied.
private func shuffleTransposedConvolution(
    _ x: Variable, weight: Variable, bias: Variable?, outputShape: [Int], precision: TrainingPrecision
) throws -> Variable {
    let xs = x.shape
    let ws = weight.shape
    let r = xs.count - 2
    let factors = Array(ws.dropFirst(2))
    let c = ws[1]
    let k = c * factors.reduce(1, *)
    let cin = ws[0]
    let ones = [Int](repeating: 1, count: r)
    let view = DenseLayout(dims: [k, cin] + ones, strides: [1, k] + [Int](repeating: k * cin, count: r))
    let g = try ConvolutionGeometry(
        spatialRank: r, stride: nil, padding: nil, dilation: nil, groups: 1, transposed: false,
        op: "transposedConvolution")
    let innerShape = [xs[0], k] + Array(xs.dropFirst(2))
    let xv = x.value
    let wv = weight.value
    var expandedBias: Tensor? = nil
    if let b = bias?.value {
        let e = Tensor(uninitialized: [k])
        for o in 0..<k { e.storage.pointer[o] = b.storage.pointer[o % c] }
        expandedBias = e
    }
    let needsGrad = GradientMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
    let low = precision.usesBFloat16(inputChannels: cin, outputChannels: k)
    let xLow = low ? try DNNL.bfloat16Copy(xv) : nil
    let inner = try DNNL.convolutionForward(
        xv, weight: wv, bias: expandedBias, outputShape: innerShape, geometry: g, training: needsGrad,
        weightView: view, lowPrecisionSource: xLow)
    let y = Tensor(uninitialized: outputShape)
    let (from, to) = MemoryView(inner).pixelShuffleViews(into: MemoryView(y), factors: factors)
    try DNNL.copy(from, into: to)
    let hasBias = bias != nil
    return .result(y, inputs: [x, weight] + (bias.map { [$0] } ?? [])) { gy in
        let gInner = Tensor(uninitialized: innerShape)
        let (shuffled, unshuffled) = MemoryView(gInner).pixelShuffleViews(into: MemoryView(gy), factors: factors)
        try DNNL.copy(unshuffled, into: shuffled)
        let gLow = low ? try DNNL.bfloat16Copy(gInner) : nil
        let gx =
            x.requiresGrad
            ? try DNNL.convolutionBackwardData(
                gInner, weight: wv, inputShape: xs, hasBias: hasBias, geometry: g, weightView: view,
                lowPrecisionGradient: gLow) : nil
        var gw: Tensor? = nil
        var gb: Tensor? = nil
        if weight.requiresGrad || bias?.requiresGrad == true {
            let (w, expanded) = try DNNL.convolutionBackwardWeights(
                gInner, input: xv, weightShape: ws, hasBias: hasBias, geometry: g, weightView: view,
                lowPrecision: xLow.flatMap { s in gLow.map { (s, $0) } })
            gw = w
            if let expanded {
                var b = Tensor(zeros: [c])
                b.withUnsafeMutableBufferPointer { b in
                    for o in 0..<k { b[o % c] += expanded.storage.pointer[o] }
                }
                gb = b
            }
        }
        return hasBias ? [gx, gw, gb] : [gx, gw]
    }
}
