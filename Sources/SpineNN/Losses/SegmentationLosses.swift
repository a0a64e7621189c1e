import Foundation

// Losses over channels-last logits `[N, C, …]`: the C class scores of one voxel are contiguous,
// voxel v (in N, D, H, W order) starts at v·C. Labels are one Int32 per voxel in that order.

/// Checks logits and labels and returns (voxels, classes).
private func checkSegmentation(_ op: String, _ logits: Variable, _ labels: [Int32], voxelWeights: [Float]?) throws -> (
    Int, Int
) {
    guard logits.shape.count >= 2 else {
        throw NNError.shape(op, expected: "logits [N, C, …]", got: "\(logits.shape)")
    }
    let c = logits.shape[1]
    let voxels = logits.value.count / max(c, 1)
    guard labels.count == voxels else {
        throw NNError.shape(op, expected: "\(voxels) labels (one per voxel of \(logits.shape))", got: "\(labels.count)")
    }
    if let voxelWeights, voxelWeights.count != voxels {
        throw NNError.shape(op, expected: "\(voxels) voxel weights", got: "\(voxelWeights.count)")
    }
    guard logits.value.isFinite else {
        throw NNError(.nonFinite, "\(op): logits contain NaN or infinite values")
    }
    return (voxels, c)
}

private func requireFinite(_ op: String, _ loss: Double) throws {
    guard loss.isFinite else { throw NNError(.nonFinite, "\(op): loss is \(loss)") }
}

/// Softmax of each voxel's C scores (channels-last), in double precision.
private func voxelSoftmax(_ z: UnsafeBufferPointer<Float>, voxels: Int, classes c: Int) -> [Double] {
    var p = [Double](repeating: 0, count: voxels * c)
    for v in 0..<voxels {
        let base = v * c
        var m = -Double.infinity
        for k in 0..<c { m = max(m, Double(z[base + k])) }
        var s = 0.0
        for k in 0..<c {
            let e = Foundation.exp(Double(z[base + k]) - m)
            p[base + k] = e
            s += e
        }
        for k in 0..<c { p[base + k] /= s }
    }
    return p
}

/// Cross-entropy between per-voxel softmax and integer labels, with class weights, a voxel mask
/// and partial labels.
///
/// - Parameters:
///   - logits: `[N, C, …]` unnormalized scores.
///   - labels: one class index per voxel, in `N, [D,] H, W` order.
///   - classWeights: `C` weights; the mean is weighted as PyTorch's (`Σ wᵥ ℓᵥ / Σ wᵥ`).
///   - voxelWeights: one weight per voxel; 0 removes a voxel (an unlabelled region).
///   - ignoreIndex: a label value whose voxels are left out.
///   - annotatedClasses: for partial labels, the foreground classes each sample annotates
///     (one set per sample). In a sample, a voxel labelled 0 means "none of the annotated
///     classes", so its target is background *or any class the sample does not annotate*:
///     the marginal loss `−log Σ_{k ∈ S} pₖ` (Shi et al., "Marginal loss and exclusion loss for
///     partially supervised multi-organ segmentation", MedIA 2021). An unannotated class is thus
///     never taken as background.
/// - Returns: the weighted mean loss, shape `[1]`.
/// - Throws: ``NNError`` for mismatched counts, labels out of range, or non-finite logits.
public func crossEntropy(
    _ logits: Variable, labels: [Int32], classWeights: [Float]? = nil, voxelWeights: [Float]? = nil,
    ignoreIndex: Int32? = nil, annotatedClasses: [Set<Int>]? = nil
) throws -> Variable {
    let op = "crossEntropy"
    let (voxels, c) = try checkSegmentation(op, logits, labels, voxelWeights: voxelWeights)
    if let classWeights, classWeights.count != c {
        throw NNError.shape(op, expected: "\(c) class weights", got: "\(classWeights.count)")
    }
    let n = logits.shape[0]
    let perSample = voxels / max(n, 1)
    if let annotatedClasses, annotatedClasses.count != n {
        throw NNError.shape(
            op, expected: "\(n) annotated-class sets (one per sample)", got: "\(annotatedClasses.count)")
    }
    // The target set of each sample's background voxels (marginal loss).
    let backgroundSets: [[Bool]]? = annotatedClasses.map { sets in
        sets.map { a in (0..<c).map { k in k == 0 || !a.contains(k) } }
    }
    // One pass per voxel: float32 softmax (log-sum-exp for the loss, accumulated in double) and
    // the unscaled gradient w·(p − target), written straight into the gradient tensor.
    let grad = Tensor(uninitialized: logits.shape)
    let gp = grad.storage.pointer
    var total = 0.0
    var weightSum = 0.0
    try logits.value.withUnsafeBufferPointer { z in
        for v in 0..<voxels {
            let base = v * c
            let l = labels[v]
            var w = 0.0
            if ignoreIndex != l {
                guard l >= 0, Int(l) < c else {
                    throw NNError(.invalidArgument, "\(op): label \(l) at voxel \(v) is outside 0..<\(c)")
                }
                w = Double(classWeights?[Int(l)] ?? 1)
                if let voxelWeights { w *= Double(voxelWeights[v]) }
            }
            if w == 0 {
                (gp + base).update(repeating: 0, count: c)
                continue
            }
            var m = z[base]
            for k in 1..<c { m = max(m, z[base + k]) }
            var sum: Float = 0
            for k in 0..<c {
                let e = Foundation.exp(z[base + k] - m)
                gp[base + k] = e
                sum += e
            }
            let inv = 1 / sum
            let wf = Float(w)
            if l == 0, let sets = backgroundSets?[v / perSample] {
                var ps: Float = 0
                for k in 0..<c where sets[k] { ps += gp[base + k] * inv }
                total += -w * Foundation.log(max(Double(ps), 1e-300))
                for k in 0..<c {
                    let pk = gp[base + k] * inv
                    gp[base + k] = wf * (pk - (sets[k] ? pk / ps : 0))
                }
            } else {
                total += w * (Double(Foundation.log(sum)) + Double(m) - Double(z[base + Int(l)]))
                for k in 0..<c { gp[base + k] *= wf * inv }
                gp[base + Int(l)] -= wf
            }
            weightSum += w
        }
    }
    let loss = weightSum > 0 ? total / weightSum : 0
    try requireFinite(op, loss)
    let scale = weightSum > 0 ? 1 / weightSum : 0
    return .result(Tensor(shape: [1], repeating: Float(loss)), inputs: [logits]) { gy in
        [grad * Float(Double(gy[[0]]) * scale)]
    }
}

/// Soft Dice loss on softmax probabilities, as nnU-Net's `SoftDiceLoss`: `1 − mean_c DSC_c` with
/// `DSC = (2 TP + s) / (2 TP + FP + FN + s)`.
///
/// - Parameters:
///   - batchDice: pool TP/FP/FN over the whole batch (nnU-Net's `batch_dice`) instead of per sample.
///   - includeBackground: count class 0 in the mean (nnU-Net leaves it out).
///   - smooth: `s`, nnU-Net's 1e-5.
///   - voxelWeights: 0 removes a voxel from TP, FP and FN (partial labels).
/// - Reference: Milletari et al., "V-Net", 3DV 2016; Isensee et al., "nnU-Net", Nat. Methods 2021.
public func softDiceLoss(
    _ logits: Variable, labels: [Int32], batchDice: Bool = true, includeBackground: Bool = false, smooth: Double = 1e-5,
    voxelWeights: [Float]? = nil
) throws -> Variable {
    let op = "softDiceLoss"
    let (voxels, c) = try checkSegmentation(op, logits, labels, voxelWeights: voxelWeights)
    let n = logits.shape[0]
    let perSample = voxels / max(n, 1)
    let groups = batchDice ? 1 : n
    let p = logits.value.withUnsafeBufferPointer { voxelSoftmax($0, voxels: voxels, classes: c) }
    // Per group and class: TP and Σ(p + y) over masked voxels.
    var tp = [Double](repeating: 0, count: groups * c)
    var total = [Double](repeating: 0, count: groups * c)
    for v in 0..<voxels {
        let l = Int(labels[v])
        guard l >= 0, l < c else {
            throw NNError(.invalidArgument, "\(op): label \(l) at voxel \(v) is outside 0..<\(c)")
        }
        let m = Double(voxelWeights?[v] ?? 1)
        if m == 0 { continue }
        let g = batchDice ? 0 : v / perSample
        for k in 0..<c {
            let y: Double = k == l ? 1 : 0
            tp[g * c + k] += m * p[v * c + k] * y
            total[g * c + k] += m * (p[v * c + k] + y)
        }
    }
    let first = includeBackground ? 0 : 1
    let counted = Double(groups * (c - first))
    guard counted > 0 else { throw NNError(.invalidArgument, "\(op): no classes to average (C = \(c))") }
    var dsc = 0.0
    for g in 0..<groups {
        for k in first..<c { dsc += (2 * tp[g * c + k] + smooth) / max(total[g * c + k] + smooth, 1e-8) }
    }
    let loss = 1 - dsc / counted
    try requireFinite(op, loss)
    // d DSC/d pᵥ = m (2y·den − num) / den²; then through the softmax of each voxel.
    var grad = [Float](repeating: 0, count: voxels * c)
    for v in 0..<voxels {
        let m = Double(voxelWeights?[v] ?? 1)
        if m == 0 { continue }
        let l = Int(labels[v])
        let g = batchDice ? 0 : v / perSample
        var gp = [Double](repeating: 0, count: c)
        for k in first..<c {
            let num = 2 * tp[g * c + k] + smooth
            let den = max(total[g * c + k] + smooth, 1e-8)
            let y: Double = k == l ? 1 : 0
            gp[k] = -m * (2 * y * den - num) / (den * den) / counted
        }
        var dot = 0.0
        for k in 0..<c { dot += gp[k] * p[v * c + k] }
        for k in 0..<c { grad[v * c + k] = Float(p[v * c + k] * (gp[k] - dot)) }
    }
    let shape = logits.shape
    return .result(Tensor(shape: [1], repeating: Float(loss)), inputs: [logits]) { gy in
        [try Tensor(shape: shape, channelsLast: grad) * gy[[0]]]
    }
}

/// Multi-class focal loss `−α_t (1 − p_t)^γ log p_t`, averaged over voxels (Lin et al., "Focal
/// Loss for Dense Object Detection", ICCV 2017).
///
/// - Parameters:
///   - gamma: focusing exponent γ (2 in the paper; 0 gives cross-entropy).
///   - classWeights: α per class, or nil for 1.
public func focalLoss(
    _ logits: Variable, labels: [Int32], gamma: Double = 2, classWeights: [Float]? = nil, voxelWeights: [Float]? = nil
) throws -> Variable {
    let op = "focalLoss"
    let (voxels, c) = try checkSegmentation(op, logits, labels, voxelWeights: voxelWeights)
    if let classWeights, classWeights.count != c {
        throw NNError.shape(op, expected: "\(c) class weights", got: "\(classWeights.count)")
    }
    let p = logits.value.withUnsafeBufferPointer { voxelSoftmax($0, voxels: voxels, classes: c) }
    var grad = [Double](repeating: 0, count: voxels * c)
    var total = 0.0
    var count = 0.0
    for v in 0..<voxels {
        let l = Int(labels[v])
        guard l >= 0, l < c else {
            throw NNError(.invalidArgument, "\(op): label \(l) at voxel \(v) is outside 0..<\(c)")
        }
        let m = Double(voxelWeights?[v] ?? 1)
        if m == 0 { continue }
        let w = m * Double(classWeights?[l] ?? 1)
        let pt = max(p[v * c + l], 1e-300)
        let logp = Foundation.log(pt)
        let q = 1 - pt
        total += -w * Foundation.pow(q, gamma) * logp
        count += m
        // dL/dpt, then dpt/dz_j = pt (δ_tj − p_j).
        let dpt = w * (gamma * (gamma == 0 ? 0 : Foundation.pow(q, gamma - 1)) * logp - Foundation.pow(q, gamma) / pt)
        for k in 0..<c { grad[v * c + k] = dpt * pt * ((k == l ? 1 : 0) - p[v * c + k]) }
    }
    let loss = count > 0 ? total / count : 0
    try requireFinite(op, loss)
    let scale = count > 0 ? 1 / count : 0
    let shape = logits.shape
    return .result(Tensor(shape: [1], repeating: Float(loss)), inputs: [logits]) { gy in
        let g = Double(gy[[0]]) * scale
        return [try Tensor(shape: shape, channelsLast: grad.map { Float($0 * g) })]
    }
}
