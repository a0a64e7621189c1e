import Foundation

/// CenterNet's penalty-reduced pixel-wise focal loss on heatmap logits (Zhou et al., "Objects as
/// Points", 2019, eq. 1; Law & Deng, CornerNet, ECCV 2018): with `p = σ(z)` and target `y`,
/// `−(1 − p)^α log p` where `y = 1` and `−(1 − y)^β p^α log(1 − p)` elsewhere, summed and divided
/// by the number of objects (elements with `y = 1`, at least 1).
///
/// - Parameters:
///   - logits: `[N, classes, …]` heatmap logits.
///   - heatmap: targets in [0, 1] of the same shape: 1 at object centres, a Gaussian falloff around them.
public func centerHeatmapFocalLoss(_ logits: Variable, heatmap: Tensor, alpha: Double = 2, beta: Double = 4) throws
    -> Variable
{
    let op = "centerHeatmapFocalLoss"
    try requireSameShape(op, logits, heatmap)
    let n = logits.value.count
    var grad = [Double](repeating: 0, count: n)
    var total = 0.0
    var positives = 0.0
    try logits.value.withUnsafeBufferPointer { z in
        try heatmap.withUnsafeBufferPointer { y in
            for i in 0..<n {
                let zi = Double(z[i]), yi = Double(y[i])
                guard yi >= 0, yi <= 1 else {
                    throw NNError(.invalidArgument, "\(op): heatmap value \(yi) at element \(i) is outside [0, 1]")
                }
                let p = 1 / (1 + Foundation.exp(-zi))
                // log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z), stable for large |z|.
                let logP = -(max(-zi, 0) + Foundation.log1p(Foundation.exp(-abs(zi))))
                let logQ = -(max(zi, 0) + Foundation.log1p(Foundation.exp(-abs(zi))))
                if yi == 1 {
                    let q = 1 - p
                    total -= Foundation.pow(q, alpha) * logP
                    grad[i] = alpha * p * Foundation.pow(q, alpha) * logP - Foundation.pow(q, alpha + 1)
                    positives += 1
                } else {
                    let w = Foundation.pow(1 - yi, beta)
                    total -= w * Foundation.pow(p, alpha) * logQ
                    grad[i] = w * (Foundation.pow(p, alpha + 1) - alpha * Foundation.pow(p, alpha) * (1 - p) * logQ)
                }
            }
        }
    }
    let scale = 1 / max(positives, 1)
    let loss = total * scale
    guard loss.isFinite else { throw NNError(.nonFinite, "\(op): loss is \(loss)") }
    let shape = logits.shape
    let g = grad.map { Float($0 * scale) }
    return .result(Tensor(shape: [1], repeating: Float(loss)), inputs: [logits]) { gy in
        [try Tensor(shape: shape, channelsLast: g) * gy[[0]]]
    }
}

/// L1 loss where `mask` is non-zero, `Σ m·|x − t| / Σ m` (CenterNet's size and offset losses,
/// which count only object centres); 0 when the mask is empty.
public func maskedL1Loss(_ x: Variable, target: Tensor, mask: Tensor) throws -> Variable {
    let op = "maskedL1Loss"
    try requireSameShape(op, x, target)
    guard x.shape == mask.shape else {
        throw NNError.shape(op, expected: "mask of shape \(x.shape)", got: "\(mask.shape)")
    }
    let n = x.value.count
    var grad = [Float](repeating: 0, count: n)
    var total = 0.0
    var weight = 0.0
    x.value.withUnsafeBufferPointer { a in
        target.withUnsafeBufferPointer { t in
            mask.withUnsafeBufferPointer { m in
                for i in 0..<n where m[i] != 0 {
                    let d = a[i] - t[i]
                    total += Double(m[i] * abs(d))
                    weight += Double(m[i])
                    grad[i] = d > 0 ? m[i] : (d < 0 ? -m[i] : 0)
                }
            }
        }
    }
    let scale = weight > 0 ? 1 / weight : 0
    let shape = x.shape
    return .result(Tensor(shape: [1], repeating: Float(total * scale)), inputs: [x]) { gy in
        [try Tensor(shape: shape, channelsLast: grad) * (gy[[0]] * Float(scale))]
    }
}

/// Generalized IoU loss (Rezatofighi et al., CVPR 2019), `1 − GIoU`, averaged over boxes:
/// `GIoU = IoU − (C − U)/C` with `U` the union and `C` the smallest enclosing box.
///
/// - Parameters:
///   - predicted: `[N, 4]` boxes `(x0, y0, x1, y1)` with `x1 ≥ x0`, `y1 ≥ y0`.
///   - target: `[N, 4]` boxes in the same convention.
public func generalizedIoULoss(_ predicted: Variable, target: Tensor) throws -> Variable {
    let op = "generalizedIoULoss"
    guard predicted.shape.count == 2, predicted.shape[1] == 4, target.shape == predicted.shape else {
        throw NNError.shape(op, expected: "predicted [N, 4] and target [N, 4]", got: "\(predicted.shape), \(target.shape)")
    }
    guard predicted.value.isFinite, target.isFinite else {
        throw NNError(.nonFinite, "\(op): boxes contain NaN or infinite values")
    }
    let count = predicted.shape[0]
    let a = predicted.value.channelsLastScalars.map(Double.init)
    let b = target.channelsLastScalars.map(Double.init)
    var grad = [Double](repeating: 0, count: count * 4)
    var total = 0.0
    let eps = 1e-9
    for k in 0..<count {
        let (ax0, ay0, ax1, ay1) = (a[4 * k], a[4 * k + 1], a[4 * k + 2], a[4 * k + 3])
        let (bx0, by0, bx1, by1) = (b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3])
        guard ax1 >= ax0, ay1 >= ay0, bx1 >= bx0, by1 >= by0 else {
            throw NNError(.invalidArgument, "\(op): box \(k) has x1 < x0 or y1 < y0")
        }
        let areaA = (ax1 - ax0) * (ay1 - ay0), areaB = (bx1 - bx0) * (by1 - by0)
        let iw = min(ax1, bx1) - max(ax0, bx0), ih = min(ay1, by1) - max(ay0, by0)
        let overlaps = iw > 0 && ih > 0
        let inter = overlaps ? iw * ih : 0
        let union = areaA + areaB - inter + eps
        let cw = max(ax1, bx1) - min(ax0, bx0), ch = max(ay1, by1) - min(ay0, by0)
        let hull = cw * ch + eps
        total += 2 - inter / union - union / hull
        // L = 2 − I/U − U/C with U = A + B − I.
        let dI = -(1 / union + inter / (union * union)) + 1 / hull
        let dA = inter / (union * union) - 1 / hull
        let dC = union / (hull * hull)
        var g = [0.0, 0.0, 0.0, 0.0]
        g[0] += dA * -(ay1 - ay0)
        g[2] += dA * (ay1 - ay0)
        g[1] += dA * -(ax1 - ax0)
        g[3] += dA * (ax1 - ax0)
        if overlaps {
            if ax0 >= bx0 { g[0] -= dI * ih }
            if ax1 <= bx1 { g[2] += dI * ih }
            if ay0 >= by0 { g[1] -= dI * iw }
            if ay1 <= by1 { g[3] += dI * iw }
        }
        if ax0 <= bx0 { g[0] -= dC * ch }
        if ax1 >= bx1 { g[2] += dC * ch }
        if ay0 <= by0 { g[1] -= dC * cw }
        if ay1 >= by1 { g[3] += dC * cw }
        for j in 0..<4 { grad[4 * k + j] = g[j] }
    }
    let scale = 1 / Double(max(count, 1))
    let shape = predicted.shape
    let g = grad.map { Float($0 * scale) }
    return .result(Tensor(shape: [1], repeating: Float(total * scale)), inputs: [predicted]) { gy in
        [try Tensor(shape: shape, channelsLast: g) * gy[[0]]]
    }
}
