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
    /// is the negative-side slope (0 for Relu, nil for none).
    static func run(
        _ x: Tensor, scale: [Float], bias: [Float], epsilon: Float, slopes: [Float]?, into y: Tensor
    ) {
        let n = x.shape[0], c = x.shape[1]
        let s = x.count / max(n * c, 1)
        guard s > 0, c > 0 else { return }
        let threads = max(1, min(ComputeThreads.count, s * c / (1 << 16)))
        let xp = SendableBuffer(x.storage.pointer), yp = SendableBuffer(y.storage.pointer)
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: threads * c)
        defer { partial.deallocate() }
        let pp = SendableBuffer(partial)
        let slope: [Float]? = slopes.map { $0.count == 1 ? [Float](repeating: $0[0], count: c) : $0 }

        func chunked(_ body: @Sendable (_ thread: Int, _ range: Range<Int>) -> Void) {
            if threads == 1 {
                body(0, 0..<s)
                return
            }
            DispatchQueue.concurrentPerform(iterations: threads) { t in body(t, (s * t / threads)..<(s * (t + 1) / threads)) }
        }
        for b in 0..<n {
            let base = b * s * c
            // Pass 1: sums per channel.
            let mean = [Float](unsafeUninitializedCapacity: c) { out, count in
                let o = SendableBuffer(out.baseAddress!)
                chunked { t, range in
                    Self.sum(xp.base + base, c: c, range: range, center: nil, into: pp.base + t * c)
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
                Self.sum(xp.base + base, c: c, range: range, center: meanCopy, into: pp.base + t * c)
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
            chunked { _, range in
                let src = xp.base + base, dst = yp.base + base
                ac.withUnsafeBufferPointer { a in
                    sc.withUnsafeBufferPointer { sh in
                        if let slope {
                            slope.withUnsafeBufferPointer { k in
                                for p in range {
                                    let row = p * c
                                    for ch in 0..<c {
                                        let v = src[row + ch] * a[ch] + sh[ch]
                                        dst[row + ch] = v < 0 ? v * k[ch] : v
                                    }
                                }
                            }
                        } else {
                            for p in range {
                                let row = p * c
                                for ch in 0..<c { dst[row + ch] = src[row + ch] * a[ch] + sh[ch] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Per-channel sums of `x` (or of `(x − center)²`) over positions `range`, into `out[0..<c]`.
    private static func sum(
        _ x: UnsafeMutablePointer<Float>, c: Int, range: Range<Int>, center: [Float]?, into out: UnsafeMutablePointer<Double>
    ) {
        var acc = [Float](repeating: 0, count: c)
        for ch in 0..<c { out[ch] = 0 }
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
                                let d = row[ch] - m[ch]
                                acc[ch] += d * d
                            }
                        }
                    }
                } else {
                    for q in p..<end {
                        let row = x + q * c
                        for ch in 0..<c { acc[ch] += row[ch] }
                    }
                }
                for ch in 0..<c { out[ch] += Double(acc[ch]) }
                p = end
            }
        }
    }
}

/// A pointer shared by concurrent chunks that each touch a disjoint part of its memory.
struct SendableBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ base: UnsafeMutablePointer<T>) { self.base = base }
}
