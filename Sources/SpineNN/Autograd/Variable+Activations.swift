private func eltwise(_ k: EltwiseKind, _ x: Variable) throws -> Variable {
    let xv = x.value
    let y = try DNNL.eltwiseForward(k, xv)
    return .result(y, inputs: [x]) { gy in [try DNNL.eltwiseBackward(k, gy, input: xv, output: y)] }
}

/// `max(x, 0)`, elementwise.
public func relu(_ x: Variable) throws -> Variable { try eltwise(.relu(negativeSlope: 0), x) }

/// `x` where positive, `negativeSlope · x` elsewhere.
public func leakyReLU(_ x: Variable, negativeSlope: Float = 0.01) throws -> Variable {
    try eltwise(.relu(negativeSlope: negativeSlope), x)
}

/// Gaussian error linear unit, `x Φ(x)` (exact, erf form) or its tanh approximation.
public func gelu(_ x: Variable, tanhApproximation: Bool = false) throws -> Variable {
    try eltwise(tanhApproximation ? .geluTanh : .geluErf, x)
}

/// Logistic sigmoid `1 / (1 + e^{−x})`, elementwise.
public func sigmoid(_ x: Variable) throws -> Variable { try eltwise(.sigmoid, x) }

/// Softmax over the channel axis (1) of `[N, C, …]`.
public func softmax(_ x: Variable) throws -> Variable {
    guard x.shape.count >= 2 else {
        throw NNError.shape("softmax", expected: "input [N, C, …]", got: "\(x.shape)")
    }
    let y = try DNNL.softmaxForward(x.value, axis: 1)
    return .result(y, inputs: [x]) { gy in [try DNNL.softmaxBackward(gy, output: y, axis: 1)] }
}

/// Inverted dropout: zeroes each element with probability `p` and scales the rest by `1/(1−p)`.
///
/// Call it only while training; the mask comes from `generator`, so a seeded run repeats.
public func dropout<G: RandomNumberGenerator>(_ x: Variable, probability p: Float, using generator: inout G) throws
    -> Variable
{
    guard p >= 0, p < 1 else { throw NNError(.invalidArgument, "dropout: probability must be in [0, 1), got \(p)") }
    if p == 0 { return x }
    let mask = Tensor(uninitialized: x.shape)
    let keep = 1 / (1 - p)
    for i in 0..<mask.count { mask.storage.pointer[i] = Float.random(in: 0..<1, using: &generator) < p ? 0 : keep }
    let y = try DNNL.binary(.multiply, x.value, mask)
    return .result(y, inputs: [x]) { gy in [try DNNL.binary(.multiply, gy, mask)] }
}
