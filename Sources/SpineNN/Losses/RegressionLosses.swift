import Foundation

/// Throws unless `target` has `x`'s shape and `x` is finite (the losses' common check).
func requireSameShape(_ op: String, _ x: Variable, _ target: Tensor) throws {
    guard x.shape == target.shape else {
        throw NNError.shape(op, expected: "target of shape \(x.shape)", got: "\(target.shape)")
    }
    guard x.value.isFinite else { throw NNError(.nonFinite, "\(op): input contains NaN or infinite values") }
}

/// Binary cross-entropy on logits, `max(z, 0) − z·y + log(1 + e^{−|z|})`, averaged over elements.
///
/// - Parameters:
///   - targets: probabilities in [0, 1], same shape as `logits`.
///   - positiveWeight: weight of the positive term (PyTorch's `pos_weight`), 1 by default.
public func binaryCrossEntropy(_ logits: Variable, targets: Tensor, positiveWeight: Float = 1) throws -> Variable {
    let op = "binaryCrossEntropy"
    try requireSameShape(op, logits, targets)
    let n = logits.value.count
    var grad = [Float](repeating: 0, count: n)
    var total = 0.0
    let pw = Double(positiveWeight)
    logits.value.withUnsafeBufferPointer { z in
        targets.withUnsafeBufferPointer { y in
            for i in 0..<n {
                let zi = Double(z[i]), yi = Double(y[i])
                // log σ(z) = −softplus(−z); log(1 − σ(z)) = −softplus(z).
                let spNeg = max(-zi, 0) + Foundation.log1p(Foundation.exp(-abs(zi)))
                let spPos = max(zi, 0) + Foundation.log1p(Foundation.exp(-abs(zi)))
                total += pw * yi * spNeg + (1 - yi) * spPos
                let s = 1 / (1 + Foundation.exp(-zi))
                grad[i] = Float(pw * yi * (s - 1) + (1 - yi) * s)
            }
        }
    }
    let loss = total / Double(max(n, 1))
    guard loss.isFinite else { throw NNError(.nonFinite, "\(op): loss is \(loss)") }
    let shape = logits.shape
    return .result(Tensor(shape: [1], repeating: Float(loss)), inputs: [logits]) { gy in
        [try Tensor(shape: shape, channelsLast: grad) * (gy[[0]] / Float(max(n, 1)))]
    }
}

/// Smooth L1 (Huber-like) loss: `0.5 d²/β` where `|d| < β`, else `|d| − 0.5β`, averaged.
public func smoothL1Loss(_ x: Variable, target: Tensor, beta: Float = 1) throws -> Variable {
    let op = "smoothL1Loss"
    try requireSameShape(op, x, target)
    guard beta > 0 else { throw NNError(.invalidArgument, "\(op): beta must be > 0, got \(beta)") }
    let n = x.value.count
    var grad = [Float](repeating: 0, count: n)
    var total = 0.0
    x.value.withUnsafeBufferPointer { a in
        target.withUnsafeBufferPointer { t in
            for i in 0..<n {
                let d = a[i] - t[i]
                if abs(d) < beta {
                    total += Double(0.5 * d * d / beta)
                    grad[i] = d / beta
                } else {
                    total += Double(abs(d) - 0.5 * beta)
                    grad[i] = d > 0 ? 1 : -1
                }
            }
        }
    }
    let loss = total / Double(max(n, 1))
    let shape = x.shape
    return .result(Tensor(shape: [1], repeating: Float(loss)), inputs: [x]) { gy in
        [try Tensor(shape: shape, channelsLast: grad) * (gy[[0]] / Float(max(n, 1)))]
    }
}
