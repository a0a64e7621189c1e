/// A loop nest over up to three strided views of the same logical shape (an output and its
/// operands), ordered for the output: axes sorted by the output's strides (largest outside),
/// size-1 axes dropped, and neighbouring axes merged where every view allows it. The two innermost
/// axes run as plain nested loops in the caller's body; an odometer walks the rest.
///
/// The small tails of detection heads (transposes, splits, concatenations and broadcasts along
/// the last axis of 5-D tensors) otherwise went through logical-order copies or oneDNN 2.6's
/// generic reorder, which costs ~17 ns per element on such strides.
struct StridedLoop {
    /// Extent and per-view strides of one axis.
    struct Axis {
        var extent: Int
        var strides: (Int, Int, Int)
    }

    /// Outer axes (outermost first), walked by the odometer.
    private(set) var outer: [Axis]
    /// The second-innermost and the innermost axis (extent 1 when the shape has fewer axes).
    private(set) var middle: Axis
    private(set) var inner: Axis
    /// Elements in the loop nest.
    let count: Int

    /// `strides` holds one to three stride arrays, each with `dims.count` entries; the first view
    /// decides the order. Views with stride 0 along an axis broadcast there.
    init(dims: [Int], strides: [[Int]]) {
        precondition((1...3).contains(strides.count) && strides.allSatisfy { $0.count == dims.count })
        count = dims.reduce(1, *)
        func s(_ k: Int, _ a: Int) -> Int { k < strides.count ? strides[k][a] : 0 }
        var axes = dims.indices.filter { dims[$0] != 1 }.map {
            Axis(extent: dims[$0], strides: (s(0, $0), s(1, $0), s(2, $0)))
        }
        // Largest output stride outside; ties keep the logical order (stable).
        axes = axes.enumerated().sorted {
            abs($0.element.strides.0) != abs($1.element.strides.0)
                ? abs($0.element.strides.0) > abs($1.element.strides.0) : $0.offset < $1.offset
        }.map(\.element)
        // Merge an axis into the next inner one when every view steps over it as one run.
        var merged: [Axis] = []
        for a in axes {
            if var last = merged.last, last.strides.0 == a.strides.0 * a.extent,
                last.strides.1 == a.strides.1 * a.extent, last.strides.2 == a.strides.2 * a.extent
            {
                last.extent *= a.extent
                last.strides = a.strides
                merged[merged.count - 1] = last
            } else {
                merged.append(a)
            }
        }
        // A short innermost run (a few channels) would spend the time in loop overhead: the
        // longest axis goes innermost instead, strided.
        if let last = merged.last, last.extent < 16, merged.count > 1,
            let longest = merged.indices.max(by: { merged[$0].extent < merged[$1].extent }),
            merged[longest].extent > 2 * last.extent
        {
            merged.append(merged.remove(at: longest))
        }
        let unit = Axis(extent: 1, strides: (0, 0, 0))
        inner = merged.popLast() ?? unit
        middle = merged.popLast() ?? unit
        outer = merged
    }

    /// Calls `body` with the base offsets of each (middle × inner) block; the body runs the two
    /// innermost loops with `middle` and `inner`.
    @inline(__always)
    func forEachBlock(_ body: (_ b0: Int, _ b1: Int, _ b2: Int) throws -> Void) rethrows {
        if count == 0 { return }
        var idx = [Int](repeating: 0, count: outer.count)
        var b0 = 0, b1 = 0, b2 = 0
        while true {
            try body(b0, b1, b2)
            var a = outer.count - 1
            while a >= 0 {
                idx[a] += 1
                b0 += outer[a].strides.0
                b1 += outer[a].strides.1
                b2 += outer[a].strides.2
                if idx[a] < outer[a].extent { break }
                b0 -= idx[a] * outer[a].strides.0
                b1 -= idx[a] * outer[a].strides.1
                b2 -= idx[a] * outer[a].strides.2
                idx[a] = 0
                a -= 1
            }
            if a < 0 { return }
        }
    }

    /// `dst[i] = src[i]` over the views (`dst` first).
    static func copy(
        dims: [Int], from src: UnsafePointer<Float>, _ srcStrides: [Int], to dst: UnsafeMutablePointer<Float>,
        _ dstStrides: [Int]
    ) {
        StridedLoop(dims: dims, strides: [dstStrides, srcStrides]).copy(from: src, to: dst)
    }

    /// `dst[i] = src[i]` over this loop's first two views (the destination's strides first).
    func copy(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>) {
        let (m, n) = (middle, inner)
        let (dm, sm, dn, sn) = (m.strides.0, m.strides.1, n.strides.0, n.strides.1)
        forEachBlock { d0, s0, _ in
            for j in 0..<m.extent {
                let d = dst + d0 + j * dm, s = src + s0 + j * sm
                if dn == 1 && sn == 1 && n.extent >= 32 {
                    d.update(from: s, count: n.extent)
                } else {
                    var (d, s) = (d, s)
                    for _ in 0..<n.extent {
                        d.pointee = s.pointee
                        d += dn
                        s += sn
                    }
                }
            }
        }
    }

    /// `out[i] = f(x[i], y[i])` over the views (`out` first; stride 0 broadcasts an operand).
    @inline(__always)
    static func map(
        dims: [Int], out: UnsafeMutablePointer<Float>, _ outStrides: [Int], _ x: UnsafePointer<Float>,
        _ xStrides: [Int], _ y: UnsafePointer<Float>, _ yStrides: [Int], _ f: (Float, Float) -> Float
    ) {
        let loop = StridedLoop(dims: dims, strides: [outStrides, xStrides, yStrides])
        let (m, n) = (loop.middle, loop.inner)
        loop.forEachBlock { o0, x0, y0 in
            for j in 0..<m.extent {
                let o = out + o0 + j * m.strides.0, p = x + x0 + j * m.strides.1, q = y + y0 + j * m.strides.2
                let (so, sx, sy) = n.strides
                if so == 1 && sx == 1 && sy == 1 {
                    for k in 0..<n.extent { o[k] = f(p[k], q[k]) }
                } else if so == 1 && sx == 1 && sy == 0 {
                    let c = q[0]
                    for k in 0..<n.extent { o[k] = f(p[k], c) }
                } else if so == 1 && sx == 0 && sy == 1 {
                    let c = p[0]
                    for k in 0..<n.extent { o[k] = f(c, q[k]) }
                } else {
                    var (o, p, q) = (o, p, q)
                    for _ in 0..<n.extent {
                        o.pointee = f(p.pointee, q.pointee)
                        o += so
                        p += sx
                        q += sy
                    }
                }
            }
        }
    }
}
