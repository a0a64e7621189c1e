extension Tensor {
    /// The tensor mirrored along the given spatial axes (0 = the first axis after `N, C`: `D` of
    /// a volume, `H` of an image).
    ///
    /// Flipping twice along the same axes gives the tensor back exactly. `O(count)`.
    /// - Precondition: `rank ≥ 3` and every axis is in `0..<rank − 2`.
    public func flipped(spatialAxes axes: [Int]) -> Tensor {
        precondition(rank >= 3, "flipped: needs [N, C, spatial…], got \(shape)")
        let r = rank - 2
        precondition(axes.allSatisfy { (0..<r).contains($0) }, "flipped: axes \(axes) outside 0..<\(r)")
        let y = Tensor(uninitialized: shape)
        guard count > 0 else { return y }
        let flip = (0..<r).map { a in axes.filter { $0 == a }.count % 2 == 1 }
        let c = shape[1]
        let spatial = Array(shape.dropFirst(2))
        let voxels = spatial.reduce(1, *)
        let src = storage.pointer, dst = y.storage.pointer
        var index = [Int](repeating: 0, count: r)
        for n in 0..<shape[0] {
            let base = n * voxels * c
            for v in 0..<voxels {
                // v enumerates destination voxels in row-major order; find the mirrored source voxel.
                var rest = v
                for a in stride(from: r - 1, through: 0, by: -1) {
                    index[a] = rest % spatial[a]
                    rest /= spatial[a]
                }
                var s = 0
                for a in 0..<r { s = s * spatial[a] + (flip[a] ? spatial[a] - 1 - index[a] : index[a]) }
                (dst + base + v * c).update(from: src + base + s * c, count: c)
            }
        }
        return y
    }
}
