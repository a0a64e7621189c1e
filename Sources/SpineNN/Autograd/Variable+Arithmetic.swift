/// Whether `small` broadcasts to `big`: same rank, each dimension equal or 1.
private func broadcasts(_ small: [Int], to big: [Int]) -> Bool {
    small.count == big.count && zip(small, big).allSatisfy { $0 == $1 || $0 == 1 }
}

private func binaryOp(_ k: DNNL.BinaryKind, _ a: Variable, _ b: Variable, _ op: String) throws -> Variable {
    // oneDNN broadcasts its second source; put the full-shaped operand first.
    var (p, q) = (a, b)
    if !broadcasts(q.shape, to: p.shape) && broadcasts(p.shape, to: q.shape) { (p, q) = (b, a) }
    guard broadcasts(q.shape, to: p.shape) else {
        throw NNError.shape(
            op, expected: "equal shapes or one broadcastable to the other (dimensions equal or 1)",
            got: "\(a.shape) and \(b.shape)")
    }
    let pv = p.value, qv = q.value
    let y = try DNNL.binary(k, pv, qv)
    let swapped = p !== a
    return .result(y, inputs: [a, b]) { gy in
        let gp: Tensor?
        let gq: Tensor?
        switch k {
        case .add:
            gp = gy
            gq = try DNNL.reduceSum(gy, to: qv.shape)
        case .multiply:
            gp = try DNNL.binary(.multiply, gy, qv)
            gq = try DNNL.reduceSum(try DNNL.binary(.multiply, gy, pv), to: qv.shape)
        }
        return swapped ? [gq, gp] : [gp, gq]
    }
}

/// Elementwise sum; one operand may broadcast (dimensions of 1) to the other's shape.
public func + (a: Variable, b: Variable) throws -> Variable { try binaryOp(.add, a, b, "add") }

/// Elementwise product; one operand may broadcast (dimensions of 1) to the other's shape.
public func * (a: Variable, b: Variable) throws -> Variable { try binaryOp(.multiply, a, b, "multiply") }

/// Concatenation along the channel axis (1); all other dimensions must agree.
public func concat(_ xs: [Variable]) throws -> Variable {
    guard let first = xs.first else { throw NNError(.invalidArgument, "concat: no inputs") }
    guard first.shape.count >= 2 else {
        throw NNError.shape("concat", expected: "inputs [N, C, …]", got: "\(first.shape)")
    }
    for x in xs.dropFirst() {
        var a = x.shape
        var b = first.shape
        guard a.count == b.count else {
            throw NNError.shape("concat", expected: "rank \(b.count) like \(b)", got: "\(a)")
        }
        a[1] = 0
        b[1] = 0
        guard a == b else {
            throw NNError.shape(
                "concat", expected: "all dimensions but channels equal to \(first.shape)", got: "\(x.shape)")
        }
    }
    let widths = xs.map { $0.shape[1] }
    let y = try DNNL.concatChannels(xs.map(\.value))
    return .result(y, inputs: xs) { gy in
        var start = 0
        var grads: [Tensor?] = []
        for (x, w) in zip(xs, widths) {
            grads.append(x.requiresGrad ? try DNNL.sliceChannels(gy, start: start, length: w) : nil)
            start += w
        }
        return grads
    }
}

/// Fully connected layer `y = x Wᵀ + b`: `x` `[N, I]`, `weight` `[O, I]`, `bias` `[O]`.
public func linear(_ x: Variable, weight: Variable, bias: Variable? = nil) throws -> Variable {
    guard x.shape.count == 2, weight.shape.count == 2, weight.shape[1] == x.shape[1] else {
        throw NNError.shape(
            "linear", expected: "input [N, I] and weight [O, I] with the same I",
            got: "input \(x.shape), weight \(weight.shape)")
    }
    if let bias, bias.shape != [weight.shape[0]] {
        throw NNError.shape("linear", expected: "bias [\(weight.shape[0])]", got: "\(bias.shape)")
    }
    let xv = x.value, wv = weight.value
    let hasBias = bias != nil
    let y = try DNNL.innerProductForward(xv, weight: wv, bias: bias?.value)
    return .result(y, inputs: [x, weight] + (bias.map { [$0] } ?? [])) { gy in
        let gx =
            x.requiresGrad
            ? try DNNL.innerProductBackwardData(gy, weight: wv, inputShape: xv.shape, hasBias: hasBias) : nil
        var gw: Tensor? = nil
        var gb: Tensor? = nil
        if weight.requiresGrad || bias?.requiresGrad == true {
            (gw, gb) = try DNNL.innerProductBackwardWeights(gy, input: xv, weightShape: wv.shape, hasBias: hasBias)
        }
        return hasBias ? [gx, gw, gb] : [gx, gw]
    }
}

/// The same values with another shape of equal size, in physical (channels-last) order.
public func reshape(_ x: Variable, _ shape: [Int]) throws -> Variable {
    let old = x.shape
    let y = try x.value.reshaped(shape)
    return .result(y, inputs: [x]) { gy in [try gy.reshaped(old)] }
}

/// Sum of all elements, shape `[1]`.
public func sum(_ x: Variable) -> Variable {
    let shape = x.shape
    let y = Tensor(shape: [1], repeating: Float(x.value.sum()))
    return .result(y, inputs: [x]) { gy in [Tensor(shape: shape, repeating: gy.storage.pointer[0])] }
}

/// Mean of all elements, shape `[1]`.
public func mean(_ x: Variable) -> Variable {
    let shape = x.shape
    let n = Float(max(x.value.count, 1))
    let y = Tensor(shape: [1], repeating: Float(x.value.sum()) / n)
    return .result(y, inputs: [x]) { gy in [Tensor(shape: shape, repeating: gy.storage.pointer[0] / n)] }
}

/// Every element multiplied by a constant.
public func * (a: Variable, s: Float) -> Variable {
    .result(a.value * s, inputs: [a]) { gy in [gy * s] }
}
