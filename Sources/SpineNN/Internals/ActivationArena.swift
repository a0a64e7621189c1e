/// Activation buffers of an inference network: allocated on first use for an input shape and
/// reused on later calls, so that no call pays for fresh pages (first-touching new memory costs
/// about as much as a convolution layer).
///
/// Buffers are addressed by a small integer id chosen by the network; a buffer grows when a
/// later request needs more bytes and is otherwise reused as is.
final class ActivationArena {
    private var buffers: [Int: RawBuffer] = [:]

    /// A dense channels-last view of `shape` with elements of `type`, in buffer `id`.
    func view(_ id: Int, shape: [Int], type: ScalarType) -> MemoryView {
        let bytes = shape.reduce(1, *) * type.byteCount
        let buffer: RawBuffer
        if let b = buffers[id], b.byteCount >= bytes {
            buffer = b
        } else {
            buffer = RawBuffer(byteCount: bytes)
            buffers[id] = buffer
        }
        return MemoryView(
            layout: DenseLayout(dims: shape, strides: Tensor.channelsLastStrides(shape), scalarType: type),
            pointer: buffer.pointer)
    }

    /// Releases every buffer.
    func removeAll() { buffers.removeAll() }

    /// Bytes held.
    var byteCount: Int { buffers.values.reduce(0) { $0 + $1.byteCount } }
}

extension MemoryView {
    /// Bytes from `pointer` to just past the last element (any non-negative strides).
    var byteExtent: Int {
        guard !layout.dims.contains(0) else { return 0 }
        let last = zip(layout.dims, layout.strides).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
        return (last + 1) * layout.scalarType.byteCount
    }

    /// Whether the memory ranges of two views intersect.
    func overlaps(_ other: MemoryView) -> Bool {
        pointer < other.pointer + other.byteExtent && other.pointer < pointer + byteExtent
    }

    /// Channels `[start, start + count)` of this channels-last view (a strided view on the same memory).
    func channels(_ start: Int, _ count: Int) -> MemoryView {
        var dims = layout.dims
        dims[1] = count
        return reinterpreted(dims: dims, strides: layout.strides, offset: start * layout.strides[1])
    }

    /// The pair of views that makes a copy from `self` to `destination` a pixel shuffle
    /// (depth-to-space).
    ///
    /// `self` is `[N, s₀·s₁·…·C, S₀, S₁, …]` with its channel index ordered `(d₀, d₁, …, c)`,
    /// `c` fastest; `destination` is `[N, C, s₀·S₀, s₁·S₁, …]` (any strides, for instance a channel
    /// slice of a concatenation buffer). Element `(n, (d, c), i)` goes to `(n, c, i·s + d)`. Both
    /// are seen as `[N, S₀, s₀, S₁, s₁, …, C]`.
    func pixelShuffleViews(into destination: MemoryView, factors s: [Int]) -> (
        source: MemoryView, destination: MemoryView
    ) {
        let r = s.count
        let c = destination.layout.dims[1]
        let src = layout.strides
        let dst = destination.layout.strides
        var dims = [layout.dims[0]]
        var srcStrides = [src[0]]
        var dstStrides = [destination.layout.strides[0]]
        for a in 0..<r {
            let inner = c * s[(a + 1)...].reduce(1, *)
            dims += [layout.dims[2 + a], s[a]]
            srcStrides += [src[2 + a], inner * src[1]]
            dstStrides += [s[a] * dst[2 + a], dst[2 + a]]
        }
        dims.append(c)
        srcStrides.append(src[1])
        dstStrides.append(dst[1])
        return (
            reinterpreted(dims: dims, strides: srcStrides),
            destination.reinterpreted(dims: dims, strides: dstStrides)
        )
    }
}

extension MemoryView {
    /// Writes `t` (float32) into this dense bfloat16 view of the same element count, rounding to
    /// nearest even (what oneDNN's conversions do). oneDNN 2.6's reorder takes milliseconds for
    /// this on a one-channel image; the loop takes microseconds.
    func storeBFloat16(_ t: Tensor) {
        precondition(layout.scalarType == .bfloat16 && layout.dims.reduce(1, *) == t.count)
        let out = pointer.assumingMemoryBound(to: UInt16.self)
        t.withUnsafeBufferPointer { src in
            for i in 0..<src.count {
                let bits = src[i].bitPattern
                if src[i].isNaN {
                    out[i] = UInt16(truncatingIfNeeded: bits >> 16) | 0x40
                } else {
                    out[i] = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
                }
            }
        }
    }
}
