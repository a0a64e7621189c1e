private func pool(_ kind: PoolingKind, _ x: Variable, kernel: [Int], stride: [Int]?, padding: [Int]?, op: String) throws
    -> Variable
{
    try requireImageBatch(x, op)
    let r = x.shape.count - 2
    func expand(_ a: [Int]?, _ def: [Int], _ name: String) throws -> [Int] {
        guard let a else { return def }
        if a.count == 1 { return [Int](repeating: a[0], count: r) }
        guard a.count == r else { throw NNError(.invalidArgument, "\(op): \(name) needs 1 or \(r) values, got \(a)") }
        return a
    }
    let k = try expand(kernel, kernel, "kernel")
    let s = try expand(stride, k, "stride")
    let p = try expand(padding, [Int](repeating: 0, count: r), "padding")
    let kernelOK = k.count == r && k.allSatisfy { $0 >= 1 } && s.allSatisfy { $0 >= 1 }
    let paddingOK = zip(p, k).allSatisfy { (pad: Int, size: Int) -> Bool in pad >= 0 && pad < size }
    guard kernelOK, paddingOK else {
        throw NNError(
            .invalidArgument, "\(op): kernel \(k) and stride \(s) must be ≥ 1 and padding \(p) below the kernel")
    }
    let inSpatial = Array(x.shape.dropFirst(2))
    let outSpatial = (0..<r).map { (a: Int) -> Int in
        let padded: Int = inSpatial[a] + 2 * p[a] - k[a]
        return padded < 0 ? 0 : padded / s[a] + 1
    }
    guard outSpatial.allSatisfy({ $0 >= 1 }) else {
        throw NNError.shape(op, expected: "input of at least kernel size \(k)", got: "\(inSpatial)")
    }
    let outShape = Array(x.shape.prefix(2)) + outSpatial
    let xs = x.shape
    let training = GradientMode.isEnabled && x.requiresGrad
    let (y, ws) = try DNNL.poolingForward(
        kind, x.value, outputShape: outShape, kernel: k, stride: s, padding: p, training: training)
    return .result(y, inputs: [x]) { gy in
        [try DNNL.poolingBackward(kind, gy, inputShape: xs, kernel: k, stride: s, padding: p, workspace: ws)]
    }
}

/// Max pooling over `kernel` windows (one value or one per spatial axis); stride defaults to the kernel.
public func maxPool(_ x: Variable, kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil) throws -> Variable {
    try pool(.max, x, kernel: kernel, stride: stride, padding: padding, op: "maxPool")
}

/// Average pooling (padding excluded from the average); stride defaults to the kernel.
public func averagePool(_ x: Variable, kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil) throws -> Variable {
    try pool(.average, x, kernel: kernel, stride: stride, padding: padding, op: "averagePool")
}

/// Mean over all spatial axes: `[N, C, …]` → `[N, C]`.
public func globalAveragePool(_ x: Variable) throws -> Variable {
    try requireImageBatch(x, "globalAveragePool")
    let spatial = Array(x.shape.dropFirst(2))
    let pooled = try pool(.average, x, kernel: spatial, stride: spatial, padding: nil, op: "averagePool")
    return try reshape(pooled, Array(x.shape.prefix(2)))
}

/// Interpolation mode for ``upsample(_:factor:mode:)``.
public enum UpsamplingMode: String, Sendable, Codable {
    case nearest
    /// Bilinear (2-D) or trilinear (3-D), half-pixel centres (PyTorch `align_corners=False`).
    case linear
}

/// Upsamples the spatial axes by integer factors (one value or one per axis).
public func upsample(_ x: Variable, factor: [Int], mode: UpsamplingMode = .nearest) throws -> Variable {
    try requireImageBatch(x, "upsample")
    let r = x.shape.count - 2
    let f = factor.count == 1 ? [Int](repeating: factor[0], count: r) : factor
    guard f.count == r, f.allSatisfy({ $0 >= 1 }) else {
        throw NNError(.invalidArgument, "upsample: factor needs 1 or \(r) values ≥ 1, got \(factor)")
    }
    let outShape = Array(x.shape.prefix(2)) + zip(x.shape.dropFirst(2), f).map { $0 * $1 }
    let xs = x.shape
    let linear = mode == .linear
    let y = try DNNL.resampleForward(x.value, outputShape: outShape, linear: linear)
    return .result(y, inputs: [x]) { gy in [try DNNL.resampleBackward(gy, inputShape: xs, linear: linear)] }
}
