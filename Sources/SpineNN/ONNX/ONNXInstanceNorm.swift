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
    /// - Parameter threads: the most threads to split over (default ``ComputeThreads/count``); a
    ///   sample of fewer than 2¹⁷ elements runs on one, each thread gets at least 2¹⁶.
    static func run(
        _ x: MemoryView, scale: [Float], bias: [Float], epsilon: Float, slopes: [Float]?, into y: MemoryView,
        threads: Int = ComputeThreads.count
    ) {
        switch (x.layout.scalarType, y.layout.scalarType) {
        case (.float32, .float32):
            run(F32.self, F32.self, x, scale, bias, epsilon, slopes, y, threads)
        case (.bfloat16, .float32):
            run(BF16.self, F32.self, x, scale, bias, epsilon, slopes, y, threads)
        case (.float32, .bfloat16):
            run(F32.self, BF16.self, x, scale, bias, epsilon, slopes, y, threads)
        case (.bfloat16, .bfloat16):
            run(BF16.self, BF16.self, x, scale, bias, epsilon, slopes, y, threads)
        }
    }

    private static func run<X: StoredScalar, Y: StoredScalar>(
        _: X.Type, _: Y.Type, _ x: MemoryView, _ scale: [Float], _ bias: [Float], _ epsilon: Float,
        _ slopes: [Float]?, _ y: MemoryView, _ maximumThreads: Int
    ) {
        let dims = x.layout.dims
        precondition(dims == y.layout.dims && dims.count >= 3)
        let n = dims[0], c = dims[1]
        let s = dims.reduce(1, *) / max(n * c, 1)
        guard s > 0, c > 0 else { return }
        let threads = max(1, min(maximumThreads, s * c / (1 << 16)))
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
            if let lanes = Lanes(channels: c) {
                let a16 = lanes.pattern(ac), s16 = lanes.pattern(sc), k16 = slope.map(lanes.pattern)
                chunked { _, range in
                    let src = xp.base + base, dst = yp.base + base
                    let blocks = range.count / lanes.positions
                    a16.withUnsafeBufferPointer { a16 in
                        s16.withUnsafeBufferPointer { s16 in
                            for blk in 0..<blocks {
                                let e = (range.lowerBound + blk * lanes.positions) * c
                                for v in 0..<lanes.vectors {
                                    var y = X.load16(src + e + v * 16) * a16[v] + s16[v]
                                    if let k16 { y.replace(with: y * k16[v], where: y .< 0) }
                                    Y.store16(y, dst + e + v * 16)
                                }
                            }
                        }
                    }
                    for p in (range.lowerBound + blocks * lanes.positions)..<range.upperBound {
                        for ch in 0..<c {
                            let v = X.load(src[p * c + ch]) * ac[ch] + sc[ch]
                            dst[p * c + ch] = Y.store(slope.map { v < 0 ? v * $0[ch] : v } ?? v)
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
        if let lanes = Lanes(channels: c) {
            let v16 = lanes.vectors
            let acc = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: v16)
            defer { acc.deallocate() }
            let m16 = center.map(lanes.pattern) ?? []
            let blocks = range.count / lanes.positions
            // Float32 sums over about 1024 positions at a time, then float64.
            let flush = max(1, 1024 / lanes.positions)
            m16.withUnsafeBufferPointer { m16 in
                var b = 0
                while b < blocks {
                    let end = min(b + flush, blocks)
                    for v in 0..<v16 { acc[v] = .zero }
                    for blk in b..<end {
                        let row = x + (range.lowerBound + blk * lanes.positions) * c
                        if center != nil {
                            for v in 0..<v16 {
                                let d = X.load16(row + v * 16) - m16[v]
                                acc[v] += d * d
                            }
                        } else {
                            for v in 0..<v16 { acc[v] += X.load16(row + v * 16) }
                        }
                    }
                    for v in 0..<v16 { for l in 0..<16 { out[(v * 16 + l) % c] += Double(acc[v][l]) } }
                    b = end
                }
            }
            for p in (range.lowerBound + blocks * lanes.positions)..<range.upperBound {
                for ch in 0..<c {
                    let e = X.load(x[p * c + ch])
                    let d = center.map { e - $0[ch] } ?? e
                    out[ch] += Double(center == nil ? d : d * d)
                }
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

/// Channels-last data seen as 16-lane vectors whose lane `l` of vector `v` in a block always holds
/// channel `(16·v + l) mod C`: a block is `lcm(C, 16)` elements (`positions` whole positions), so
/// any channel count whose block fits in a few vectors (C = 3, 8, 12, 16, 24, 32, …) streams
/// through full-width SIMD instead of a loop of `C` scalars per position.
struct Lanes {
    /// Vectors per block.
    let vectors: Int
    /// Positions per block.
    let positions: Int
    let channels: Int

    init?(channels c: Int) {
        var (a, b) = (c, 16)
        while b != 0 { (a, b) = (b, a % b) }
        guard c > 0, c / a <= 64 else { return nil }
        vectors = c / a
        positions = 16 / a
        channels = c
    }

    /// Per-channel values laid out lane by lane over one block.
    func pattern(_ perChannel: [Float]) -> [SIMD16<Float>] {
        (0..<vectors).map { v in SIMD16<Float>((0..<16).map { perChannel[(v * 16 + $0) % channels] }) }
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
