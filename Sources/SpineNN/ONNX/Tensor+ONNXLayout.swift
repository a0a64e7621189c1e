import Foundation

// Layout-changing operations on channels-last tensors with ONNX's logical (row-major) meaning:
// reshape, transpose, slice, concatenation, gathers along axes. Fast paths are oneDNN reorders
// on strided views; the general fallbacks work on logical-order arrays.

extension Tensor {
    /// Whether the channels-last storage of `shape` is also its row-major (logical) order.
    static func storageIsLogicalOrder(_ shape: [Int]) -> Bool {
        shape.count < 3 || shape[1] == 1 || shape.dropFirst(2).allSatisfy { $0 == 1 }
    }

    /// Row-major strides of `shape`.
    static func rowMajorStrides(_ shape: [Int]) -> [Int] { DenseLayout.rowMajor(shape).strides }

    /// The same elements in logical (row-major) order with another shape of equal count (ONNX
    /// `Reshape` semantics; a free re-view when both storages are in logical order).
    func logicallyReshaped(_ newShape: [Int]) throws -> Tensor {
        guard newShape.reduce(1, *) == count else {
            throw NNError.shape("reshape", expected: "\(count) elements", got: "\(newShape) (\(newShape.reduce(1, *)))")
        }
        if newShape == shape { return self }
        if Tensor.storageIsLogicalOrder(shape) && Tensor.storageIsLogicalOrder(newShape) || count <= 1 {
            return try reshaped(newShape)
        }
        // Splitting or merging axes that are contiguous in storage: one copy from a strided view
        // (none when the view is already the new shape's channels-last layout).
        if let view = Tensor.viewStrides(shape, strides, reshapedTo: newShape) {
            let target = Tensor.channelsLastStrides(newShape)
            if newShape.indices.allSatisfy({ newShape[$0] == 1 || view[$0] == target[$0] }) {
                return Tensor(shape: newShape, storage: storage)
            }
            let y = Tensor(uninitialized: newShape)
            try Tensor.stridedCopy(dims: newShape, from: storage.pointer, view, to: y.storage.pointer, target)
            return y
        }
        var logical = self
        if !Tensor.storageIsLogicalOrder(shape) {
            logical = Tensor(uninitialized: shape)
            try Tensor.stridedCopy(
                dims: shape, from: storage.pointer, strides, to: logical.storage.pointer, Tensor.rowMajorStrides(shape))
        }
        if Tensor.storageIsLogicalOrder(newShape) { return Tensor(shape: newShape, storage: logical.storage) }
        let y = Tensor(uninitialized: newShape)
        try Tensor.stridedCopy(
            dims: newShape, from: logical.storage.pointer, Tensor.rowMajorStrides(newShape), to: y.storage.pointer,
            y.strides)
        return y
    }

    /// Strides that view storage laid out as `shape`/`strides` with the logical (row-major) meaning
    /// of `newShape`, or nil when the reshape needs a copy (it merges axes that are not contiguous
    /// in storage). NumPy's no-copy reshape rule.
    static func viewStrides(_ shape: [Int], _ strides: [Int], reshapedTo newShape: [Int]) -> [Int]? {
        let keep = shape.indices.filter { shape[$0] != 1 }
        let od = keep.map { shape[$0] }, os = keep.map { strides[$0] }
        var ns = [Int](repeating: 0, count: newShape.count)
        var oi = 0, oj = 1, ni = 0, nj = 1
        while ni < newShape.count && oi < od.count {
            var np = newShape[ni], op = od[oi]
            while np != op {
                if np < op {
                    guard nj < newShape.count else { return nil }
                    np *= newShape[nj]
                    nj += 1
                } else {
                    guard oj < od.count else { return nil }
                    op *= od[oj]
                    oj += 1
                }
            }
            for k in oi..<(oj - 1) where os[k] != od[k + 1] * os[k + 1] { return nil }
            ns[nj - 1] = os[oj - 1]
            var k = nj - 1
            while k > ni {
                ns[k - 1] = ns[k] * newShape[k]
                k -= 1
            }
            ni = nj
            nj += 1
            oi = oj
            oj += 1
        }
        return oi == od.count ? ns : nil
    }

    /// Copies `dims` elements between two strided views: oneDNN's reorder (on all threads) for large
    /// copies whose innermost run is contiguous on both sides, else a Swift loop nest
    /// (`StridedLoop`): oneDNN 2.6 runs its generic reorder on unusual strides, ~0.5 ms for 30 000
    /// elements.
    static func stridedCopy(
        dims: [Int], from src: UnsafeMutablePointer<Float>, _ srcStrides: [Int], to dst: UnsafeMutablePointer<Float>,
        _ dstStrides: [Int]
    ) throws {
        let loop = StridedLoop(dims: dims, strides: [dstStrides, srcStrides])
        if loop.count == 0 { return }
        if loop.count >= 1 << 16 {
            let inner = loop.inner
            if inner.extent >= 16, inner.strides.0 == 1, inner.strides.1 == 1 {
                do {
                    try DNNL.copy(
                        from: DenseLayout(dims: dims, strides: srcStrides), UnsafeRawPointer(src),
                        to: DenseLayout(dims: dims, strides: dstStrides), UnsafeMutableRawPointer(dst))
                    return
                } catch {}  // oneDNN refuses some valid strided views (a conservative overlap check)
            }
        }
        loop.copy(from: src, to: dst)
    }

    /// A copy of the strided view `dims`/`strides` starting `offset` elements into the storage.
    func copyOfView(dims: [Int], strides viewStrides: [Int], offset: Int) throws -> Tensor {
        let y = Tensor(uninitialized: dims)
        if y.count == 0 { return y }
        if dims.isEmpty {
            y.storage.pointer[0] = storage.pointer[offset]
            return y
        }
        try Tensor.stridedCopy(
            dims: dims, from: storage.pointer + offset, viewStrides, to: y.storage.pointer, y.strides)
        return y
    }

    /// ONNX `Transpose`: output dimension `i` is input dimension `perm[i]`.
    func transposed(_ perm: [Int]) throws -> Tensor {
        let s = strides
        return try copyOfView(dims: perm.map { shape[$0] }, strides: perm.map { s[$0] }, offset: 0)
    }

    /// Writes `self` into `destination` at `offset` along `axis` (the rest of the shape equal).
    func write(into destination: Tensor, axis: Int, offset: Int) throws {
        if count == 0 { return }
        let ds = destination.strides
        try Tensor.stridedCopy(
            dims: shape, from: storage.pointer, strides, to: destination.storage.pointer + offset * ds[axis], ds)
    }

    /// ONNX `Concat` of float tensors along `axis`.
    static func concatenate(_ xs: [Tensor], axis: Int, into out: Tensor? = nil) throws -> Tensor {
        var shape = xs[0].shape
        shape[axis] = xs.reduce(0) { $0 + $1.shape[axis] }
        let y = out ?? Tensor(uninitialized: shape)
        var start = 0
        for x in xs {
            try x.write(into: y, axis: axis, offset: start)
            start += x.shape[axis]
        }
        return y
    }

    /// Part `[start, start + length)` of `axis`.
    func slice(axis: Int, start: Int, length: Int) throws -> Tensor {
        var dims = shape
        dims[axis] = length
        return try copyOfView(dims: dims, strides: strides, offset: start * strides[axis])
    }
}

/// Gathers along every axis by index maps, in logical order: output element `(o₀, o₁, …)` is
/// input element `(maps[0][o₀], maps[1][o₁], …)`, or `fill` where a map holds −1.
func gatherAlongAxes<T>(_ src: [T], shape: [Int], maps: [[Int]], fill: T) -> [T] {
    let r = shape.count
    let outShape = maps.map(\.count)
    let n = outShape.reduce(1, *)
    if n == 0 { return [] }
    if r == 0 { return src }
    let st = Tensor.rowMajorStrides(shape)
    var out = [T]()
    out.reserveCapacity(n)
    var idx = [Int](repeating: 0, count: r)
    let last = r - 1
    let lastMap = maps[last]
    let lastStride = st[last]
    while true {
        var base = 0
        var valid = true
        for a in 0..<last {
            let m = maps[a][idx[a]]
            if m < 0 { valid = false; break }
            base += m * st[a]
        }
        for m in lastMap { out.append(valid && m >= 0 ? src[base + m * lastStride] : fill) }
        // Advance the index over all but the last axis.
        var a = last - 1
        while a >= 0 {
            idx[a] += 1
            if idx[a] < outShape[a] { break }
            idx[a] = 0
            a -= 1
        }
        if a < 0 { break }
    }
    return out
}

/// Output shape of NumPy-style broadcasting, or nil when the shapes are incompatible.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let r = max(a.count, b.count)
    let pa = [Int](repeating: 1, count: r - a.count) + a
    let pb = [Int](repeating: 1, count: r - b.count) + b
    var out: [Int] = []
    for (x, y) in zip(pa, pb) {
        if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
    }
    return out
}

/// `src` (logical order, `shape`) broadcast to `target` (NumPy rules; `target` already checked).
func broadcastValues<T>(_ src: [T], shape: [Int], to target: [Int]) -> [T] {
    let padded = [Int](repeating: 1, count: target.count - shape.count) + shape
    if padded == target { return src }
    let maps = zip(padded, target).map { d, t in d == t ? Array(0..<t) : [Int](repeating: 0, count: t) }
    return gatherAlongAxes(src, shape: padded, maps: maps, fill: src.first!)
}
