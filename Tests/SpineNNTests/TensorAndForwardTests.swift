import Foundation
import Testing

@testable import SpineNN

/// Direct NCHW convolution, the definition (PyTorch semantics), for checking oneDNN's layouts.
func referenceConvolution2D(
    x: [Float], xShape: [Int], w: [Float], wShape: [Int], bias: [Float]?, stride: Int, padding: Int, dilation: Int,
    groups: Int
) -> (values: [Float], shape: [Int]) {
    let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
    let (o, cg, kh, kw) = (wShape[0], wShape[1], wShape[2], wShape[3])
    let oh = (h + 2 * padding - dilation * (kh - 1) - 1) / stride + 1
    let ow = (wd + 2 * padding - dilation * (kw - 1) - 1) / stride + 1
    let og = o / groups
    var y = [Float](repeating: 0, count: n * o * oh * ow)
    for b in 0..<n {
        for oc in 0..<o {
            for i in 0..<oh {
                for j in 0..<ow {
                    var s: Double = Double(bias?[oc] ?? 0)
                    let g = oc / og
                    for ic in 0..<cg {
                        for p in 0..<kh {
                            for q in 0..<kw {
                                let yy = i * stride - padding + p * dilation
                                let xx = j * stride - padding + q * dilation
                                if yy < 0 || yy >= h || xx < 0 || xx >= wd { continue }
                                let xc = g * cg + ic
                                s +=
                                    Double(x[((b * c + xc) * h + yy) * wd + xx])
                                    * Double(w[((oc * cg + ic) * kh + p) * kw + q])
                            }
                        }
                    }
                    y[((b * o + oc) * oh + i) * ow + j] = Float(s)
                }
            }
        }
    }
    return (y, [n, o, oh, ow])
}

/// Direct transposed convolution (PyTorch `ConvTranspose2d`, weight `[C_in, C_out/groups, kH, kW]`).
func referenceTransposedConvolution2D(
    x: [Float], xShape: [Int], w: [Float], wShape: [Int], stride: Int, padding: Int, groups: Int
) -> (values: [Float], shape: [Int]) {
    let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
    let (og, kh, kw) = (wShape[1], wShape[2], wShape[3])
    let o = og * groups
    let cg = c / groups
    let oh = (h - 1) * stride - 2 * padding + kh
    let ow = (wd - 1) * stride - 2 * padding + kw
    var y = [Double](repeating: 0, count: n * o * oh * ow)
    for b in 0..<n {
        for ic in 0..<c {
            for i in 0..<h {
                for j in 0..<wd {
                    let g = ic / cg
                    for oc in 0..<og {
                        for p in 0..<kh {
                            for q in 0..<kw {
                                let yy = i * stride - padding + p
                                let xx = j * stride - padding + q
                                if yy < 0 || yy >= oh || xx < 0 || xx >= ow { continue }
                                y[((b * o + g * og + oc) * oh + yy) * ow + xx] +=
                                    Double(x[((b * c + ic) * h + i) * wd + j])
                                    * Double(w[((ic * og + oc) * kh + p) * kw + q])
                            }
                        }
                    }
                }
            }
        }
    }
    return (y.map { Float($0) }, [n, o, oh, ow])
}

func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var m: Float = 0
    for (x, y) in zip(a, b) { m = max(m, abs(x - y) / max(1, abs(y))) }
    return m
}

@Suite("Tensor layout and forward results")
struct TensorAndForwardTests {
    @Test func nchwRoundTripAndChannelsLastOrder() throws {
        let shape = [2, 3, 2, 4]
        let values = (0..<48).map(Float.init)
        let t = try Tensor(shape: shape, nchw: values)
        #expect(t.nchwScalars == values)
        // Element (n=0, c=1, h=0, w=0) is NCHW index 8 and sits at physical index 1 (channels last).
        #expect(t.channelsLastScalars[1] == 8)
        #expect(t[[1, 2, 1, 3]] == values[((1 * 3 + 2) * 2 + 1) * 4 + 3])
        let v = try Tensor(shape: [1, 2, 2, 2, 2], nchw: (0..<16).map(Float.init))
        #expect(v.nchwScalars == (0..<16).map(Float.init))
        #expect(v.strides == [16, 1, 8, 4, 2])
    }

    @Test func copyOnWrite() throws {
        let a = Tensor(shape: [2, 2], repeating: 1)
        var b = a
        b[[0, 0]] = 5
        #expect(a[[0, 0]] == 1)
        #expect(b[[0, 0]] == 5)
    }

    @Test func badScalarCountThrows() {
        #expect(throws: NNError.self) { try Tensor(shape: [1, 2, 3, 3], nchw: [1, 2, 3]) }
    }

    @Test(arguments: [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 1), (2, 1, 1, 2), (1, 1, 1, 4)])
    func convolutionMatchesDefinition(_ p: (stride: Int, padding: Int, dilation: Int, groups: Int)) throws {
        let xShape = [2, 4, 9, 8]
        let wShape = [8, 4 / p.groups, 3, 3]
        let x = randn(xShape, seed: 1)
        let w = randn(wShape, seed: 2)
        let b = randn([8], seed: 3)
        let y = try convolution(
            Variable(x), weight: Variable(w), bias: Variable(b), stride: [p.stride], padding: [p.padding],
            dilation: [p.dilation], groups: p.groups)
        let ref = referenceConvolution2D(
            x: x.nchwScalars, xShape: xShape, w: w.nchwScalars, wShape: wShape, bias: b.nchwScalars, stride: p.stride,
            padding: p.padding, dilation: p.dilation, groups: p.groups)
        #expect(y.shape == ref.shape)
        #expect(maxRelativeError(y.value.nchwScalars, ref.values) < 1e-4)
    }

    @Test(arguments: [(2, 0, 1), (2, 1, 1), (1, 1, 2), (2, 0, 2)])
    func transposedConvolutionMatchesDefinition(_ p: (stride: Int, padding: Int, groups: Int)) throws {
        let xShape = [2, 4, 5, 6]
        let wShape = [4, 6 / p.groups, 3, 3]
        let x = randn(xShape, seed: 4)
        let w = randn(wShape, seed: 5)
        let y = try transposedConvolution(
            Variable(x), weight: Variable(w), stride: [p.stride], padding: [p.padding], groups: p.groups)
        let ref = referenceTransposedConvolution2D(
            x: x.nchwScalars, xShape: xShape, w: w.nchwScalars, wShape: wShape, stride: p.stride, padding: p.padding,
            groups: p.groups)
        #expect(y.shape == ref.shape)
        #expect(maxRelativeError(y.value.nchwScalars, ref.values) < 1e-4)
    }

    @Test func batchNormTrainingNormalizesEachChannel() throws {
        let x = randn([4, 3, 5, 5], seed: 6, std: 3)
        let (y, mean, variance) = try batchNorm(
            Variable(x), scale: Variable(Tensor(shape: [3], repeating: 2)),
            shift: Variable(Tensor(shape: [3], repeating: 1)))
        let v = y.value.nchwScalars
        let xs = x.nchwScalars
        for c in 0..<3 {
            var vals: [Float] = []
            var raw: [Float] = []
            for n in 0..<4 {
                for i in 0..<25 { vals.append(v[(n * 3 + c) * 25 + i]); raw.append(xs[(n * 3 + c) * 25 + i]) }
            }
            let m = vals.reduce(0, +) / Float(vals.count)
            let s = vals.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Float(vals.count)
            #expect(abs(m - 1) < 1e-4)
            #expect(abs(s - 4) < 1e-2)
            let rm = raw.reduce(0, +) / Float(raw.count)
            #expect(abs(mean[[c]] - rm) < 1e-4)
            let rv = raw.map { ($0 - rm) * ($0 - rm) }.reduce(0, +) / Float(raw.count)
            #expect(abs(variance[[c]] - rv) / rv < 1e-4)
        }
    }

    @Test func poolingUpsampleSoftmaxValues() throws {
        let x = try Tensor(shape: [1, 1, 2, 4], nchw: [1, 5, 2, 0, 3, 4, 8, 7])
        #expect(try maxPool(Variable(x), kernel: [2]).value.nchwScalars == [5, 8])
        #expect(try averagePool(Variable(x), kernel: [2]).value.nchwScalars == [3.25, 4.25])
        let u = try upsample(Variable(try Tensor(shape: [1, 1, 1, 2], nchw: [1, 2])), factor: [2])
        #expect(u.value.nchwScalars == [1, 1, 2, 2, 1, 1, 2, 2])
        let s = try softmax(Variable(try Tensor(shape: [1, 2, 1, 1], nchw: [0, Float(log(3.0))]))).value.nchwScalars
        #expect(abs(s[0] - 0.25) < 1e-6 && abs(s[1] - 0.75) < 1e-6)
    }

    @Test func primitivesAreCachedPerShape() throws {
        let x = Variable(randn([1, 2, 13, 11], seed: 7))
        let w = Variable(randn([3, 2, 3, 3], seed: 8))
        // Primitives are kept per thread count, and threadSettingIsHonoured may switch between 1
        // and 2 threads while this runs: four calls make at most two primitives when cached.
        for _ in 0..<4 { _ = try convolution(x, weight: w, padding: [1]) }
        let made = DNNLContext.shared.cachedPrimitiveCount(containing: "[1, 2, 13, 11]")
        #expect(made >= 1 && made <= 2)
    }

    @Test func threadSettingIsHonoured() throws {
        let old = ComputeThreads.count
        defer { ComputeThreads.count = old }
        ComputeThreads.count = 1
        _ = try relu(Variable(randn([1, 2, 3, 3], seed: 9)))
        #expect(ComputeThreads.count == 1)
        #expect(ComputeThreads.appliedOnCurrentThread == 1)
        // Inference (bf16 included) and a fresh thread (a data-loader worker) apply it too.
        ComputeThreads.count = 2
        var g = SeededGenerator(seed: 1)
        let net = try UNet(UNetConfiguration(classes: 2, levels: 2, baseFeatures: 4), using: &g)
        net.setTraining(false)
        _ = try InferenceUNet(net, precision: .bf16)(randn([1, 1, 8, 8], seed: 2))
        #expect(ComputeThreads.appliedOnCurrentThread == 2)
        ComputeThreads.count = 1
        let loader = DataLoader<Int>(count: 1, batchSize: 1, workers: 1, seed: 1) { _, _ in
            _ = try relu(Variable(Tensor(zeros: [1, 1, 2, 2])))
            return ComputeThreads.appliedOnCurrentThread
        }
        #expect(try loader.epoch(0).next() == 1)
    }
}

@Suite("Shape errors are thrown before oneDNN sees them")
struct ShapeErrorTests {
    func expectShapeError(_ body: () throws -> Variable) {
        do {
            _ = try body()
            Issue.record("expected NNError")
        } catch let e as NNError {
            #expect(e.code == .shapeMismatch || e.code == .invalidArgument, "\(e)")
            if e.code == .shapeMismatch { #expect(e.message.contains("expected")) }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func mismatches() {
        let x = Variable(Tensor(zeros: [1, 3, 8, 8]))
        expectShapeError { try convolution(x, weight: Variable(Tensor(zeros: [4, 2, 3, 3]))) }
        expectShapeError {
            try convolution(x, weight: Variable(Tensor(zeros: [4, 3, 3, 3])), bias: Variable(Tensor(zeros: [5])))
        }
        expectShapeError { try convolution(x, weight: Variable(Tensor(zeros: [4, 3, 9, 9]))) }
        expectShapeError {
            try convolution(Variable(Tensor(zeros: [3, 8, 8])), weight: Variable(Tensor(zeros: [4, 3, 3, 3])))
        }
        expectShapeError { try convolution(x, weight: Variable(Tensor(zeros: [4, 3, 3, 3])), stride: [0]) }
        expectShapeError { try transposedConvolution(x, weight: Variable(Tensor(zeros: [4, 3, 2, 2]))) }
        expectShapeError {
            try batchNorm(x, scale: Variable(Tensor(zeros: [2])), shift: Variable(Tensor(zeros: [3]))).output
        }
        expectShapeError { try concat([x, Variable(Tensor(zeros: [1, 3, 4, 8]))]) }
        expectShapeError { try x + Variable(Tensor(zeros: [1, 3, 8, 7])) }
        expectShapeError { try linear(Variable(Tensor(zeros: [2, 5])), weight: Variable(Tensor(zeros: [3, 4]))) }
        expectShapeError { try maxPool(Variable(Tensor(zeros: [1, 1, 1, 1])), kernel: [2]) }
        expectShapeError { try maxPool(Variable(Tensor(zeros: [1, 1, 3, 3])), kernel: [4], stride: [2]) }
        expectShapeError { try convolution(x, weight: Variable(Tensor(zeros: [4, 3, 9, 9])), stride: [2]) }
        expectShapeError { try upsample(x, factor: [2, 2, 2]) }
    }
}
