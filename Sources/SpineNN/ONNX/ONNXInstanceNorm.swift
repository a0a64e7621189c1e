import Dispatch
import Foundation

/// ONNX `InstanceNormalization` on channels-last storage, with the activation that follows it in
/// MONAI and nnU-Net blocks (Relu, LeakyRelu, PRelu) applied in the same pass.
///
/// oneDNN 2.6's batch normalization run once per sample was measured at 20–60 ms per node on a
/// MONAI U-Net at 256² (2 threads) and the separate PRelu pass at up to 18 ms; here it is three
/// streaming passes (mean, variance about the mean, normalize + activate), each split over
/// ``ComputeThreads/count`` threads along the spatial axis. Sums are float32 per chunk of 1024
/// positions, float64 across chunks.
enum ONNXInstanceNorm {
    /// `y = act(scale·(x − μ)/√(σ² + ε) + bias)` per sample and channel; `slopes` (count 1 or `C`)
    /// is the negative-side slope (0 for Relu, nil for none). `x` and `y` are dense channels-last
    /// views of the same dims, float32 or bfloat16 (a bf16 session keeps them bfloat16).
    static func run(
        _ x: MemoryView, scale: [Float], bias: [Float], epsilon: Float, slopes: [Float]?, into y: MemoryView
    ) {
        switch (x.layout.scalarType, y.layout.scalarType) {
        case (.float32, .float32):
            run(F32.self, F32.self, x, scale: scale, bias: bias, epsilon: epsilon, slopes: slopes, into: y)
        case (.bfloat16, .float32):
            run(BF16.self, F32.self, x, scale: scale, bias: bias, epsilon: epsilon, slopes: slopes, into: y)
        case (.float32, .bfloat16):
            run(F32.self, BF16.self, x, scale: scale, bias: bias, epsilon: epsilon, slopes: slopes, into: y)
        case (.bfloat16, .bfloat16):
            run(BF16.self, BF16.self, x, scale: scale, bias: bias, epsilon: epsilon, slopes: slopes, into: y)
        }
    }

    private static func run<X: StoredScalar, Y: StoredScalar>(
        _: X.Type, _: Y.Type, _ x: MemoryView, scale: [Float], bias: [Float], epsilon: Float, slopes: [Float]?,
        into y: MemoryView
    ) {
        let dims = x.layout.dims
        precondition(dims == y.layout.dims && dims.count >= 3)
        let n = dims[0], c = dims[1]
        let s = dims.reduce(1, *) / max(n * c, 1)
        guard s > 0, c > 0 else { return }
        let threads = max(1, min(ComputeThreads.count, s * c / (1 << 16)))
        let xp = SendableBuffer(x.pointer.assumingMemoryBound(to: X.Storage.self))
        let yp = SendableBuffer(y.pointer.assumingMemoryBound(to: Y.Storage.self))
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: threads * c)
        defer { partial.deallocate() }
        let pp = SendableBuffer(partial)
        let slope: [Float]? = slopes.map { $0.count == 1 ? [Float](repeating: $0[0], count: c) : $0 }

        func chunked(_ body: @Sendable (_ thread: Int, _ range: Range<Int>) -> Void) {
            if threads == 1 {
                body(0, 0..<s)
                return
            }
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                body(t, (s * t / threads)..<(s * (t + 1) / threads))
            }
        }
        for b in 0..<n {
            let base = b * s * c
            // Pass 1: sums per channel.
            let mean = [Float](unsafeUninitializedCapacity: c) { out, count in
                let o = SendableBuffer(out.baseAddress!)
                chunked { t, range in
                    Self.sum(X.self, xp.base + base, c: c, range: range, center: nil, into: pp.base + t * c)
                }
                for ch in 0..<c {
                    var total = 0.0
                    for t in 0..<threads { total += partial[t * c + ch] }
                    o.base[ch] = Float(total / Double(s))
                }
                count = c
            }
            // Pass 2: sums of squared deviations.
            let meanCopy = mean
            chunked { t, range in
                Self.sum(X.self, xp.base + base, c: c, range: range, center: meanCopy, into: pp.base + t * c)
            }
            var a = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
            for ch in 0..<c {
                var total = 0.0
                for t in 0..<threads { total += partial[t * c + ch] }
                let inv = 1 / (Float(total / Double(s)) + epsilon).squareRoot()
                a[ch] = scale[ch] * inv
                shift[ch] = bias[ch] - mean[ch] * a[ch]
            }
            // Pass 3: y = x·a + shift, then the activation.
            let (ac, sc) = (a, shift)
            if c % 16 == 0 {
                let v16 = c / 16
                let a16 = (0..<v16).map { v in SIMD16<Float>(ac[(v * 16)..<(v * 16 + 16)]) }
                let s16 = (0..<v16).map { v in SIMD16<Float>(sc[(v * 16)..<(v * 16 + 16)]) }
                let k16 = slope.map { k in (0..<v16).map { v in SIMD16<Float>(k[(v * 16)..<(v * 16 + 16)]) } }
                chunked { _, range in
                    let src = xp.base + base, dst = yp.base + base
                    for p in range {
                        let row = p * c
                        for v in 0..<v16 {
                            var y = X.load16(src + row + v * 16) * a16[v] + s16[v]
                            if let k16 { y.replace(with: y * k16[v], where: y .< 0) }
                            Y.store16(y, dst + row + v * 16)
                        }
                    }
                }
                continue
            }
            chunked { _, range in
                let src = xp.base + base, dst = yp.base + base
                ac.withUnsafeBufferPointer { a in
                    sc.withUnsafeBufferPointer { sh in
                        if let slope {
                            slope.withUnsafeBufferPointer { k in
                                for p in range {
                                    let row = p * c
                                    for ch in 0..<c {
                                        let v = X.load(src[row + ch]) * a[ch] + sh[ch]
                                        dst[row + ch] = Y.store(v < 0 ? v * k[ch] : v)
                                    }
                                }
                            }
                        } else {
                            for p in range {
                                let row = p * c
                                for ch in 0..<c { dst[row + ch] = Y.store(X.load(src[row + ch]) * a[ch] + sh[ch]) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Per-channel sums of `x` (or of `(x − center)²`) over positions `range`, into `out[0..<c]`.
    private static func sum<X: StoredScalar>(
        _: X.Type, _ x: UnsafeMutablePointer<X.Storage>, c: Int, range: Range<Int>, center: [Float]?,
        into out: UnsafeMutablePointer<Double>
    ) {
        for ch in 0..<c { out[ch] = 0 }
        if c % 16 == 0 {
            let v16 = c / 16
            var acc = [SIMD16<Float>](repeating: .zero, count: v16)
            let m16 = center.map { m in (0..<v16).map { v in SIMD16<Float>(m[(v * 16)..<(v * 16 + 16)]) } }
            var p = range.lowerBound
            while p < range.upperBound {
                let end = min(p + 1024, range.upperBound)
                for v in 0..<v16 { acc[v] = .zero }
                for q in p..<end {
                    let row = x + q * c
                    for v in 0..<v16 {
                        let e = X.load16(row + v * 16)
                        if let m16 {
                            let d = e - m16[v]
                            acc[v] += d * d
                        } else {
                            acc[v] += e
                        }
                    }
                }
                for v in 0..<v16 { for l in 0..<16 { out[v * 16 + l] += Double(acc[v][l]) } }
                p = end
            }
            return
        }
        var acc = [Float](repeating: 0, count: c)
        acc.withUnsafeMutableBufferPointer { acc in
            var p = range.lowerBound
            while p < range.upperBound {
                let end = min(p + 1024, range.upperBound)
                for ch in 0..<c { acc[ch] = 0 }
                if let center {
                    center.withUnsafeBufferPointer { m in
                        for q in p..<end {
                            let row = x + q * c
                            for ch in 0..<c {
                                let d = X.load(row[ch]) - m[ch]
                                acc[ch] += d * d
                            }
                        }
                    }
                } else {
                    for q in p..<end {
                        let row = x + q * c
                        for ch in 0..<c { acc[ch] += X.load(row[ch]) }
                    }
                }
                for ch in 0..<c { out[ch] += Double(acc[ch]) }
                p = end
            }
        }
    }
}

/// How an element type is stored: float32 as is, bfloat16 as the top 16 bits (rounded to nearest even).
protocol StoredScalar {
    associatedtype Storage
    static func load(_ v: Storage) -> Float
    static func store(_ v: Float) -> Storage
    /// 16 consecutive elements from `p`.
    static func load16(_ p: UnsafeMutablePointer<Storage>) -> SIMD16<Float>
    static func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Storage>)
}

enum F32: StoredScalar {
    @inline(__always) static func load(_ v: Float) -> Float { v }
    @inline(__always) static func store(_ v: Float) -> Float { v }
    @inline(__always) static func load16(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }
    @inline(__always) static func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }
}

enum BF16: StoredScalar {
    @inline(__always) static func load(_ v: UInt16) -> Float { Float(bitPattern: UInt32(v) << 16) }
    @inline(__always) static func store(_ v: Float) -> UInt16 {
        let bits = v.bitPattern
        if v.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x40 }
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }
    @inline(__always) static func load16(_ p: UnsafeMutablePointer<UInt16>) -> SIMD16<Float> {
        let u = SIMD16<UInt32>(truncatingIfNeeded: UnsafeRawPointer(p).loadUnaligned(as: SIMD16<UInt16>.self))
        return unsafeBitCast(u &<< 16, to: SIMD16<Float>.self)
    }
    @inline(__always) static func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<UInt16>) {
        let bits = unsafeBitCast(v, to: SIMD16<UInt32>.self)
        var r = (bits &+ 0x7FFF &+ ((bits &>> 16) & 1)) &>> 16
        r.replace(with: (bits &>> 16) | 0x40, where: v .!= v)
        UnsafeMutableRawPointer(p).storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: r), as: SIMD16<UInt16>.self)
    }
}

/// A pointer shared by concurrent chunks that each touch a disjoint part of its memory.
struct SendableBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ base: UnsafeMutablePointer<T>) { self.base = base }
}
