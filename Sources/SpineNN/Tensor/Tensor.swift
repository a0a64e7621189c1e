import Foundation

/// A dense float32 tensor stored channels-last, the layout oneDNN's fastest CPU kernels want.
///
/// The logical shape is PyTorch's: `[N, C]`, `[N, C, H, W]` or `[N, C, D, H, W]` (any rank ≥ 1 is
/// accepted). The physical order moves the channel axis last: `N, H, W, C` (NHWC) or
/// `N, D, H, W, C` (NDHWC); ranks 1 and 2 are stored as written. Convolution weights
/// `[O, I, kH, kW]` are therefore stored `O, kH, kW, I`.
///
/// `Tensor` has value semantics with copy-on-write storage, so passing one around is cheap.
/// Conversion to and from logical (NCHW) `[Float]` order is explicit: ``init(shape:nchw:)``,
/// ``nchwScalars``; ``init(shape:channelsLast:)`` and ``channelsLastScalars`` copy the
/// physical order unchanged.
public struct Tensor: Sendable {
    /// Logical dimensions, PyTorch order (`N, C, [D,] H, W`).
    public private(set) var shape: [Int]
    package private(set) var storage: TensorStorage

    /// Number of elements.
    public var count: Int { storage.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *), zeroed: true)
    }

    /// A tensor filled with one value.
    public init(shape: [Int], repeating value: Float) {
        self.init(zeros: shape)
        if value != 0 { storage.pointer.update(repeating: value, count: count) }
    }

    /// A tensor whose contents are not initialised (package use: outputs that a kernel writes).
    package init(uninitialized shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *), zeroed: false)
    }

    package init(shape: [Int], storage: TensorStorage) {
        precondition(shape.reduce(1, *) == storage.count)
        self.shape = shape
        self.storage = storage
    }

    /// A tensor from scalars in physical (channels-last) order.
    /// - Throws: ``NNError`` `.shapeMismatch` when the count does not match the shape.
    public init(shape: [Int], channelsLast scalars: [Float]) throws {
        let n = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), scalars.count == n else {
            throw NNError.shape("Tensor", expected: "\(n) scalars for shape \(shape)", got: "\(scalars.count)")
        }
        self.init(uninitialized: shape)
        scalars.withUnsafeBufferPointer { src in
            if n > 0 { storage.pointer.update(from: src.baseAddress!, count: n) }
        }
    }

    /// A tensor from scalars in logical order (`N, C, [D,] H, W`, as PyTorch and NumPy hold them).
    /// - Throws: ``NNError`` `.shapeMismatch` when the count does not match the shape.
    public init(shape: [Int], nchw scalars: [Float]) throws {
        let n = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), scalars.count == n else {
            throw NNError.shape("Tensor", expected: "\(n) scalars for shape \(shape)", got: "\(scalars.count)")
        }
        self.init(uninitialized: shape)
        if shape.count < 3 {
            scalars.withUnsafeBufferPointer { src in
                if n > 0 { storage.pointer.update(from: src.baseAddress!, count: n) }
            }
        } else {
            let dst = storage.pointer
            scalars.withUnsafeBufferPointer { src in
                Tensor.permute(from: src.baseAddress!, to: dst, shape: shape, toChannelsLast: true)
            }
        }
    }

    /// The scalars in logical order (`N, C, [D,] H, W`).
    public var nchwScalars: [Float] {
        if rank < 3 { return channelsLastScalars }
        return [Float](unsafeUninitializedCapacity: count) { buf, initialized in
            if count > 0 {
                Tensor.permute(from: storage.pointer, to: buf.baseAddress!, shape: shape, toChannelsLast: false)
            }
            initialized = count
        }
    }

    /// The scalars in physical (channels-last) order.
    public var channelsLastScalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The same storage seen with another shape of the same element count; the physical
    /// (channels-last) order is what is kept, so `[N, C, 1, 1]` ↔ `[N, C]` is exact.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard newShape.reduce(1, *) == count else {
            throw NNError.shape("reshape", expected: "\(count) elements", got: "\(newShape) (\(newShape.reduce(1, *)))")
        }
        return Tensor(shape: newShape, storage: storage)
    }

    /// Element access by logical index (slow; for tests and small tensors).
    public subscript(_ index: [Int]) -> Float {
        get { storage.pointer[physicalOffset(index)] }
        set {
            makeUnique()
            storage.pointer[physicalOffset(index)] = newValue
        }
    }

    /// Strides in elements for the logical dimensions, describing the channels-last storage.
    package var strides: [Int] { Tensor.channelsLastStrides(shape) }

    package static func channelsLastStrides(_ shape: [Int]) -> [Int] {
        let r = shape.count
        if r < 3 {
            var s = [Int](repeating: 1, count: r)
            if r == 2 { s[0] = shape[1] }
            return s
        }
        var s = [Int](repeating: 0, count: r)
        s[1] = 1
        var acc = shape[1]
        for d in stride(from: r - 1, through: 2, by: -1) {
            s[d] = acc
            acc *= shape[d]
        }
        s[0] = acc
        return s
    }

    func physicalOffset(_ index: [Int]) -> Int {
        precondition(index.count == rank, "index \(index) for shape \(shape)")
        var o = 0
        for (i, s) in zip(index, strides) { o += i * s }
        return o
    }

    /// Copies storage if shared, so that writes do not leak into other values.
    package mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let fresh = TensorStorage(count: count, zeroed: false)
            if count > 0 { fresh.pointer.update(from: storage.pointer, count: count) }
            storage = fresh
        }
    }

    /// Read access to the physical scalars.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Write access to the physical scalars (copies first if the storage is shared).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Moves the channel axis last (or back) for rank ≥ 3.
    static func permute(
        from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, shape: [Int], toChannelsLast: Bool
    ) {
        let n = shape[0]
        let c = shape[1]
        let spatial = shape.dropFirst(2).reduce(1, *)
        for b in 0..<n {
            let base = b * c * spatial
            for ch in 0..<c {
                for p in 0..<spatial {
                    let nchw = base + ch * spatial + p
                    let nhwc = base + p * c + ch
                    if toChannelsLast { dst[nhwc] = src[nchw] } else { dst[nchw] = src[nhwc] }
                }
            }
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor(\(shape))" }
}

/// Owned, 64-byte aligned float storage (large buffers recycled through ``BufferCache``).
package final class TensorStorage: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<Float>
    package let count: Int

    package init(count: Int, zeroed: Bool) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = BufferCache.shared.allocate(bytes: bytes)
        if zeroed { raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
        self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit {
        BufferCache.shared.release(UnsafeMutableRawPointer(pointer), bytes: max(count, 1) * MemoryLayout<Float>.stride)
    }
}

extension Tensor {
    /// Sample `n` of the batch (axis 0) as its own tensor with batch size 1.
    package func batchItem(_ n: Int) -> Tensor {
        let per = count / shape[0]
        var s = shape
        s[0] = 1
        let y = Tensor(uninitialized: s)
        y.storage.pointer.update(from: storage.pointer + n * per, count: per)
        return y
    }

    /// Batch-1 tensors of equal shape stacked along axis 0.
    package static func stackBatch(_ items: [Tensor]) -> Tensor {
        var s = items[0].shape
        let per = items[0].count
        s[0] = items.count
        let y = Tensor(uninitialized: s)
        for (i, t) in items.enumerated() {
            precondition(t.count == per)
            (y.storage.pointer + i * per).update(from: t.storage.pointer, count: per)
        }
        return y
    }
}
