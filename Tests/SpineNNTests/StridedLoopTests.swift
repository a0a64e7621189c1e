import Foundation
import Testing

@testable import SpineNN

/// The Swift loop nests of the ONNX path's layout operations, against element-by-element
/// references in logical order.
@Suite("Strided loops")
struct StridedLoopTests {
    /// Deterministic values that differ at every element.
    static func values(_ n: Int, seed: Int = 1) -> [Float] {
        (0..<n).map { Float(($0 &* 7919 &+ seed &* 104_729) % 1000) / 250 - 2 }
    }

    static func tensor(_ shape: [Int], seed: Int = 1) throws -> Tensor {
        try Tensor(shape: shape, nchw: values(shape.reduce(1, *), seed: seed))
    }

    /// Logical index → offset for `strides`.
    static func offset(_ index: [Int], _ strides: [Int]) -> Int { zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 } }

    static func allIndices(_ dims: [Int]) -> [[Int]] {
        var out: [[Int]] = [[]]
        for d in dims { out = out.flatMap { i in (0..<d).map { i + [$0] } } }
        return out
    }

    @Test(arguments: [
        [1, 2, 80, 6, 8], [2, 3, 4, 5], [1, 16, 9, 9], [3, 1, 7], [5], [1, 1, 1, 1], [2, 33, 3, 2],
    ])
    func copyBetweenAnyTwoLayoutsMovesEveryElement(_ dims: [Int]) {
        // Source: channels-last strides of a permuted shape; destination: row-major.
        let perm = Array(dims.indices.reversed())
        let srcStrides = perm.map { Tensor.channelsLastStrides(perm.map { dims[$0] })[$0] }
        let dstStrides = Tensor.rowMajorStrides(dims)
        let n = dims.reduce(1, *)
        let src = Self.values(n)
        var dst = [Float](repeating: .nan, count: n)
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { d in
                StridedLoop.copy(
                    dims: dims, from: s.baseAddress!, srcStrides, to: d.baseAddress!, dstStrides)
            }
        }
        for i in Self.allIndices(dims) {
            #expect(dst[Self.offset(i, dstStrides)] == src[Self.offset(i, srcStrides)], "at \(i)")
        }
    }

    @Test func broadcastBinaryMatchesTheLogicalDefinition() throws {
        // The detector head's class × objectness product: [1, 2, 8, 6, 3] · [1, 2, 8, 6, 1], and a
        // broadcast over leading and middle axes.
        for (a, b) in [([1, 2, 8, 6, 3], [1, 2, 8, 6, 1]), ([2, 3, 4, 5], [3, 1, 5]), ([4, 1, 6], [1, 5, 1])] {
            let x = try Self.tensor(a, seed: 2), y = try Self.tensor(b, seed: 3)
            let s = try #require(broadcastShape(a, b))
            let expected = zip(
                broadcastValues(x.nchwScalars, shape: a, to: s), broadcastValues(y.nchwScalars, shape: b, to: s)
            ).map { $0 - $1 }
            let out = Tensor(uninitialized: s)
            let ctx = KernelContext(
                buffer: { _, _ in out }, view: { _, _, _ in preconditionFailure() }, precision: .fp32,
                bf16Output: false, bf16MinimumMultiplyAdds: 0)
            let got = try ONNXOperators.floatBinary("Sub", x, y, ctx)
            #expect(got.shape == s)
            #expect(got.nchwScalars == expected, "\(a) − \(b)")
        }
    }

    @Test func reshapeViewsSplitAndMergeContiguousAxesOnly() {
        // Channels-last [1, 16, 4, 5]: splitting the channel axis is a view ...
        let s = [1, 16, 4, 5]
        let st = Tensor.channelsLastStrides(s)
        // (strides of extent-1 axes are never used; compare the others)
        #expect(Tensor.viewStrides(s, st, reshapedTo: [1, 2, 8, 4, 5])?.dropFirst() == [8, 1, 80, 16])
        // ... merging channels with a spatial axis is not (they are not adjacent in storage).
        #expect(Tensor.viewStrides(s, st, reshapedTo: [1, 64, 5]) == nil)
        // Row-major storage: any reshape is a view.
        #expect(Tensor.viewStrides([2, 3, 4], [12, 4, 1], reshapedTo: [6, 4]) == [4, 1])
        #expect(Tensor.viewStrides([2, 3, 4], [12, 4, 1], reshapedTo: [2, 12, 1])?.prefix(2) == [12, 1])
    }

    @Test(arguments: [[1, 2, 16, 6, 8], [1, 4, 3], [2, 5, 7, 3], [1, 3, 40, 1]])
    func logicalReshapeKeepsTheRowMajorOrder(_ shape: [Int]) throws {
        let x = try Self.tensor(shape, seed: 4)
        let n = shape.reduce(1, *)
        for target in [[n], [shape[0], n / shape[0]], Array(shape.reversed()), [1] + shape + [1]]
        where target.reduce(1, *) == n {
            let y = try x.logicallyReshaped(target)
            #expect(y.shape == target)
            #expect(y.nchwScalars == x.nchwScalars, "\(shape) → \(target)")
        }
    }

    @Test func stridedSoftmaxMatchesTheLogicalSoftmax() throws {
        for (shape, axis) in [([1, 2, 20, 6, 3], 4), ([2, 5, 7, 3], 2), ([1, 3, 4, 70], 3), ([1, 4, 33], 2)] {
            let x = try Self.tensor(shape, seed: 5)
            let got = ONNXOperators.stridedSoftmax(x, axis: axis).nchwScalars
            let expected = ONNXOperators.softmax(x.nchwScalars, shape: shape, axis: axis, opset: 13)
            let worst = zip(got, expected).map { abs($0 - $1) / max(abs($1), 1e-30) }.max() ?? 0
            #expect(worst < 1e-5, "\(shape) axis \(axis): relative difference \(worst)")
        }
    }

    @Test func vectorExponentialAgreesWithExpf() {
        var worst: Float = 0
        var x: Float = -87
        while x <= 0 {
            let e = VectorMath.expNonPositive(x), r = expf(x)
            worst = max(worst, abs(e - r) / r)
            x += 0.0137
        }
        #expect(worst < 5e-7, "worst relative error \(worst)")
        #expect(VectorMath.expNonPositive(0) == 1)
        #expect(VectorMath.expNonPositive(-.infinity) < 1e-37)
        #expect(VectorMath.expNonPositive(.nan).isNaN)
    }
}

/// InstanceNormalization's SIMD lanes (`Lanes`: channel `(16·v + l) mod C` in lane `l` of vector `v`)
/// against a float64 loop in logical order, for channel counts with 1 to 5 vectors per block and
/// position counts that leave a partial block.
@Suite("Instance normalization lanes")
struct InstanceNormLanesTests {
    @Test(arguments: [(3, 37), (8, 301), (12, 45), (16, 1030), (24, 33), (40, 7), (17, 20)])
    func matchesTheDefinition(_ c: Int, _ positions: Int) throws {
        let x = randn([2, c, positions, 1], seed: UInt64(c * 1000 + positions), std: 3)
        let scale = (0..<c).map { 0.5 + Float($0) / Float(c) }
        let bias = (0..<c).map { Float($0) * 0.1 - 0.3 }
        let slopes = (0..<c).map { Float($0 % 3) * 0.2 }
        let y = Tensor(uninitialized: x.shape)
        ONNXInstanceNorm.run(
            MemoryView(x), scale: scale, bias: bias, epsilon: 1e-5, slopes: slopes, into: MemoryView(y))
        let expected = Self.reference(x.nchwScalars, channels: c, scale: scale, bias: bias, slopes: slopes)
        let worst = zip(expected, y.nchwScalars).map { abs($0 - Double($1)) }.max() ?? 0
        #expect(worst < 1e-5, "C = \(c), \(positions) positions: max |difference| \(worst)")
    }

    /// InstanceNormalization (ε 10⁻⁵) then leaky ReLU of `[batch, channels, positions]` values in NCHW order,
    /// computed in float64 in logical order: the definition the kernels are checked against.
    static func reference(_ xs: [Float], channels c: Int, scale: [Float], bias: [Float], slopes: [Float]) -> [Double] {
        let positions = xs.count / (2 * c)
        precondition(xs.count == 2 * c * positions, "two samples expected")
        var out = [Double](repeating: 0, count: xs.count)
        for row in 0..<(2 * c) {
            let ch = row % c, start = row * positions
            let v = xs[start..<(start + positions)].map(Double.init)
            let mean = v.reduce(0, +) / Double(positions)
            let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(positions)
            for p in 0..<positions {
                var e = Double(scale[ch]) * (v[p] - mean) / (variance + 1e-5).squareRoot() + Double(bias[ch])
                if e < 0 { e *= Double(slopes[ch]) }
                out[start + p] = e
            }
        }
        return out
    }
}

/// InstanceNormalization above the one-thread limit (2¹⁶ elements per sample), where the sums are
/// split over threads and combined, for every float32/bfloat16 pairing of input and output.
@Suite("Instance normalization, threaded and bfloat16")
struct InstanceNormThreadedTests {
    enum Kind: String, CaseIterable, Sendable { case f32f32, bf16f32, f32bf16, bf16bf16 }

    @Test(arguments: Kind.allCases, [2, 3])
    func matchesTheDefinitionOnSplitSums(_ kind: Kind, _ threads: Int) throws {
        // 2 samples × 16 channels × 12 289 positions = 196 624 elements per sample: 3 chunks of at least 2¹⁶
        // (so 3 threads run 3); an odd position count leaves uneven chunks and a partial lane block.
        let (c, positions) = (16, 12_289)
        // A channel mean far from zero (as after a convolution) makes one-pass variance formulas fail.
        var x = randn([2, c, positions, 1], seed: 77, std: 2)
        x = try Tensor(
            shape: x.shape, nchw: x.nchwScalars.enumerated().map { $0.element + Float($0.offset / positions % c) * 3 })
        let scale = (0..<c).map { 0.5 + Float($0) / Float(c) }
        let bias = (0..<c).map { Float($0) * 0.1 - 0.3 }
        let slopes = (0..<c).map { Float($0 % 3) * 0.2 }
        let inBF16 = kind == .bf16f32 || kind == .bf16bf16, outBF16 = kind == .f32bf16 || kind == .bf16bf16
        let xb = RawBuffer(byteCount: x.count * 2), yb = RawBuffer(byteCount: x.count * 2)
        func bf16View(_ b: RawBuffer) -> MemoryView {
            MemoryView(
                layout: DenseLayout(dims: x.shape, strides: x.strides, scalarType: .bfloat16), pointer: b.pointer)
        }
        let xv = inBF16 ? bf16View(xb) : MemoryView(x)
        if inBF16 { xv.storeBFloat16(x) }
        // The reference reads what the kernel reads (the bfloat16-rounded input).
        let xs = inBF16 ? xv.float32Tensor().nchwScalars : x.nchwScalars
        let yf = Tensor(uninitialized: x.shape)
        let yv = outBF16 ? bf16View(yb) : MemoryView(yf)
        ONNXInstanceNorm.run(
            xv, scale: scale, bias: bias, epsilon: 1e-5, slopes: slopes, into: yv, threads: threads)
        let ys = (outBF16 ? yv.float32Tensor() : yf).nchwScalars
        let expected = InstanceNormLanesTests.reference(xs, channels: c, scale: scale, bias: bias, slopes: slopes)
        // A bfloat16 output is rounded to 8 significant bits (relative 2⁻⁹).
        let worst =
            zip(expected, ys).map { e, y in abs(e - Double(y)) / (outBF16 ? abs(e) / 256 + 1e-5 : 1e-4) }.max() ?? 0
        #expect(worst <= 1, "\(kind), \(threads) threads: worst |difference| / tolerance \(worst)")
    }
}

/// Copies with more than 2¹⁶ elements (the earlier cases stay below).
@Suite("Strided loops, large")
struct StridedLoopLargeTests {
    @Test(arguments: [[1, 2, 96, 96, 8], [1, 40, 70, 33]])
    func largeCopyMovesEveryElement(_ dims: [Int]) {
        let perm = Array(dims.indices.reversed())
        let srcStrides = perm.map { Tensor.channelsLastStrides(perm.map { dims[$0] })[$0] }
        let dstStrides = Tensor.rowMajorStrides(dims)
        let n = dims.reduce(1, *)
        let src = StridedLoopTests.values(n)
        var dst = [Float](repeating: .nan, count: n)
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { d in
                StridedLoop.copy(dims: dims, from: s.baseAddress!, srcStrides, to: d.baseAddress!, dstStrides)
            }
        }
        var wrong = 0
        for i in StridedLoopTests.allIndices(dims)
        where dst[StridedLoopTests.offset(i, dstStrides)] != src[StridedLoopTests.offset(i, srcStrides)] {
            wrong += 1
        }
        #expect(n > 1 << 16)
        #expect(wrong == 0, "\(dims): \(wrong) of \(n) elements wrong")
    }
}
