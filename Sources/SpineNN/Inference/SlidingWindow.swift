import Foundation

/// Sliding-window inference over images and volumes larger (or smaller) than a network's patch,
/// as nnU-Net does it (Isensee et al., Nature Methods 2021): overlapping patches, each
/// prediction weighted by a Gaussian importance map that trusts patch centres more than borders,
/// inputs smaller than the patch padded, and optional test-time augmentation by mirroring.
///
/// It works with any predictor `(Tensor) throws -> Tensor` mapping `[B, C, patch…]` to
/// `[B, K, patch…]` (an ``InferenceUNet``, a ``UNet`` under ``GradientMode/withoutGradients(_:)``,
/// a closure). The result is the weighted mean of the predictions (logits or probabilities,
/// whatever the predictor returns), `[N, K, spatial…]` for an input `[N, C, spatial…]`.
public struct SlidingWindow: Sendable {
    /// Patch size per spatial axis (`[H, W]` or `[D, H, W]`), in voxels.
    public var patchSize: [Int]
    /// Fraction of the patch that neighbouring patches share along each axis, in `[0, 1)`; the
    /// step is at most `patch·(1 − overlap)` and chosen so that the patches span the input evenly.
    public var overlap: Double
    /// Gaussian σ as a fraction of the patch size (nnU-Net: 1/8); nil weighs every voxel equally.
    public var sigmaFraction: Double?
    /// Spatial axes (0 = first after `N, C`) to mirror for test-time augmentation: the prediction
    /// is averaged over all `2^count` combinations of flips, each flipped back.
    public var mirrorAxes: [Int]
    /// Patches passed to the predictor per call.
    public var batchSize: Int
    /// Value that pads inputs smaller than the patch (0: the mean of z-score-normalised data).
    public var paddingValue: Float

    public init(
        patchSize: [Int], overlap: Double = 0.5, sigmaFraction: Double? = 1.0 / 8, mirrorAxes: [Int] = [],
        batchSize: Int = 1,
        paddingValue: Float = 0
    ) {
        self.patchSize = patchSize
        self.overlap = overlap
        self.sigmaFraction = sigmaFraction
        self.mirrorAxes = mirrorAxes
        self.batchSize = batchSize
        self.paddingValue = paddingValue
    }

    /// Patch start offsets along one axis of `size` voxels (after padding to at least `patch`):
    /// `⌈(size − patch) / (patch·(1 − overlap))⌉ + 1` starts spread evenly from 0 to `size − patch`.
    public static func starts(size: Int, patch: Int, overlap: Double) -> [Int] {
        let size = max(size, patch)
        let target = Double(patch) * (1 - overlap)
        let count = Int((Double(size - patch) / target).rounded(.up)) + 1
        guard count > 1 else { return [0] }
        let step = Double(size - patch) / Double(count - 1)
        return (0..<count).map { Int((Double($0) * step).rounded()) }
    }

    /// The importance weights of one patch, row-major over the patch: a Gaussian centred on the
    /// patch with σ = `sigmaFraction·patch` per axis, scaled to a maximum of 1 (all ones without σ).
    public func importanceMap() -> [Float] {
        let count = patchSize.reduce(1, *)
        guard let f = sigmaFraction else { return [Float](repeating: 1, count: count) }
        let profiles: [[Double]] = patchSize.map { p in
            let sigma = max(f * Double(p), 1e-6)
            let centre = Double(p - 1) / 2
            return (0..<p).map { i in Foundation.exp(-(Double(i) - centre) * (Double(i) - centre) / (2 * sigma * sigma))
            }
        }
        var map = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: patchSize.count)
        for v in 0..<count {
            var rest = v
            for a in stride(from: patchSize.count - 1, through: 0, by: -1) {
                index[a] = rest % patchSize[a]
                rest /= patchSize[a]
            }
            var w = 1.0
            for a in 0..<patchSize.count { w *= profiles[a][index[a]] }
            map[v] = Float(w)
        }
        let peak = map.max() ?? 1
        // Scaled to a maximum of 1; the far corners keep a small positive weight so that a voxel
        // covered only by patch corners is still defined.
        return map.map { Swift.max($0 / peak, 1e-6) }
    }

    private func validate(_ image: Tensor) throws {
        let r = patchSize.count
        guard image.rank == r + 2, r >= 1 else {
            throw NNError.shape(
                "SlidingWindow", expected: "input [N, C, \(r) spatial axes] for patch \(patchSize)",
                got: "\(image.shape)")
        }
        guard patchSize.allSatisfy({ $0 >= 1 }), (0..<1).contains(overlap), batchSize >= 1,
            mirrorAxes.allSatisfy({ (0..<r).contains($0) }), Set(mirrorAxes).count == mirrorAxes.count,
            sigmaFraction.map({ $0 > 0 }) ?? true
        else {
            throw NNError(
                .invalidArgument,
                "SlidingWindow: patch \(patchSize) ≥ 1, overlap \(overlap) in [0, 1), batch \(batchSize) ≥ 1, sigma fraction \(sigmaFraction.map { "\($0)" } ?? "nil") > 0 and distinct mirror axes \(mirrorAxes) in 0..<\(r) expected"
            )
        }
    }

    /// The weighted mean prediction for every voxel of `image` (`[N, C, spatial…]`).
    /// - Returns: `[N, K, spatial…]` where `K` is the predictor's channel count.
    /// - Throws: ``NNError`` for an input of the wrong rank, invalid settings, or a predictor
    ///   whose output is not `[B, K, patch…]`; errors of the predictor pass through.
    public func callAsFunction(_ image: Tensor, _ predictor: (Tensor) throws -> Tensor) throws -> Tensor {
        try validate(image)
        let r = patchSize.count
        let n = image.shape[0], c = image.shape[1]
        let size = Array(image.shape.dropFirst(2))
        let padded = zip(size, patchSize).map { Swift.max($0, $1) }
        let padLow = zip(padded, size).map { ($0 - $1) / 2 }
        let starts = (0..<r).map { SlidingWindow.starts(size: padded[$0], patch: patchSize[$0], overlap: overlap) }
        var windows: [[Int]] = [[]]
        for a in 0..<r { windows = windows.flatMap { w in starts[a].map { w + [$0] } } }
        let weights = importanceMap()
        let patchVoxels = patchSize.reduce(1, *)
        let paddedVoxels = padded.reduce(1, *)
        let mirrorSets: [[Int]] = (0..<(1 << mirrorAxes.count)).map { m in
            mirrorAxes.enumerated().filter { m & (1 << $0.offset) != 0 }.map(\.element)
        }
        var result: Tensor? = nil
        var classes = 0

        for item in 0..<n {
            let source = try paddedImage(image, item: item, padded: padded, padLow: padLow)
            var sum: [Float] = []
            var weightSum = [Float](repeating: 0, count: paddedVoxels)
            for first in stride(from: 0, to: windows.count, by: batchSize) {
                let batch = Array(windows[first..<Swift.min(first + batchSize, windows.count)])
                let patches = Tensor(uninitialized: [batch.count, c] + patchSize)
                for (b, start) in batch.enumerated() {
                    forEachRow(start: start, extent: padded) { patchOffset, paddedOffset in
                        (patches.storage.pointer + (b * patchVoxels + patchOffset) * c)
                            .update(from: source.storage.pointer + paddedOffset * c, count: patchSize[r - 1] * c)
                    }
                }
                var prediction: Tensor? = nil
                for axes in mirrorSets {
                    let input = axes.isEmpty ? patches : patches.flipped(spatialAxes: axes)
                    var out = try predictor(input)
                    guard out.rank == r + 2, out.shape[0] == batch.count, Array(out.shape.dropFirst(2)) == patchSize,
                        classes == 0 || out.shape[1] == classes
                    else {
                        throw NNError.shape(
                            "SlidingWindow predictor",
                            expected:
                                "output [\(batch.count), \(classes == 0 ? "K" : "\(classes)"), \(patchSize.map(String.init).joined(separator: ", "))]",
                            got: "\(out.shape)")
                    }
                    if !axes.isEmpty { out = out.flipped(spatialAxes: axes) }
                    if let p = prediction { prediction = p + out } else { prediction = out }
                }
                guard var prediction else { continue }
                if mirrorSets.count > 1 { prediction = prediction * (1 / Float(mirrorSets.count)) }
                if classes == 0 {
                    classes = prediction.shape[1]
                }
                if sum.isEmpty { sum = [Float](repeating: 0, count: paddedVoxels * classes) }
                let k = classes
                let pp = prediction.storage.pointer
                sum.withUnsafeMutableBufferPointer { acc in
                    weightSum.withUnsafeMutableBufferPointer { ws in
                        for (b, start) in batch.enumerated() {
                            forEachRow(start: start, extent: padded) { patchOffset, paddedOffset in
                                for j in 0..<patchSize[r - 1] {
                                    let w = weights[patchOffset + j]
                                    let v = paddedOffset + j
                                    ws[v] += w
                                    let src = pp + (b * patchVoxels + patchOffset + j) * k
                                    for q in 0..<k { acc[v * k + q] += w * src[q] }
                                }
                            }
                        }
                    }
                }
            }
            if result == nil { result = Tensor(uninitialized: [n, classes] + size) }
            // Normalise and crop the padding away.
            let out = result!.storage.pointer + item * size.reduce(1, *) * classes
            let k = classes
            var outIndex = 0
            forEachVoxel(size) { index in
                var v = 0
                for a in 0..<r { v = v * padded[a] + index[a] + padLow[a] }
                let w = weightSum[v]
                for q in 0..<k { out[outIndex * k + q] = sum[v * k + q] / w }
                outIndex += 1
            }
        }
        return result ?? Tensor(zeros: [0, 0] + size)
    }

    /// Sample `item` of `image` as `[1, C, padded…]`, centred and padded with ``paddingValue``.
    private func paddedImage(_ image: Tensor, item: Int, padded: [Int], padLow: [Int]) throws -> Tensor {
        let size = Array(image.shape.dropFirst(2))
        let one = image.batchItem(item)
        if padded == size { return one }
        let c = image.shape[1]
        let y = Tensor(shape: [1, c] + padded, repeating: paddingValue)
        let r = size.count
        var src = 0
        forEachVoxel(Array(size.dropLast())) { index in
            var v = 0
            for a in 0..<(r - 1) { v = v * padded[a] + index[a] + padLow[a] }
            v = v * padded[r - 1] + padLow[r - 1]
            (y.storage.pointer + v * c).update(from: one.storage.pointer + src * c, count: size[r - 1] * c)
            src += size[r - 1]
        }
        return y
    }

    /// Calls `body(patchVoxelOffset, paddedVoxelOffset)` for the first voxel of every row (last
    /// axis) of the patch at `start` inside a volume of `extent`.
    private func forEachRow(start: [Int], extent: [Int], _ body: (Int, Int) -> Void) {
        let r = patchSize.count
        var patchOffset = 0
        forEachVoxel(Array(patchSize.dropLast())) { index in
            var v = 0
            for a in 0..<(r - 1) { v = v * extent[a] + start[a] + index[a] }
            v = v * extent[r - 1] + start[r - 1]
            body(patchOffset, v)
            patchOffset += patchSize[r - 1]
        }
    }
}

/// Calls `body` with every index of a row-major grid of `dims` (once, with `[]`, for no dims).
func forEachVoxel(_ dims: [Int], _ body: ([Int]) -> Void) {
    guard dims.allSatisfy({ $0 > 0 }) else { return }
    var index = [Int](repeating: 0, count: dims.count)
    while true {
        body(index)
        var a = dims.count - 1
        while a >= 0 {
            index[a] += 1
            if index[a] < dims[a] { break }
            index[a] = 0
            a -= 1
        }
        if a < 0 { return }
    }
}
