import Foundation
import Testing

@testable import SpineNN

/// Relative L2 distance `‖a − b‖ / ‖b‖`.
func relativeL2(_ a: Tensor, _ b: Tensor) -> Double {
    (a - b).squaredNorm().squareRoot() / max(b.squaredNorm().squareRoot(), 1e-30)
}

@Suite("Training step: fused kernels and bf16 mixed precision")
struct MixedPrecisionTrainingTests {
    /// Finite differences of the fused batch norm + ReLU. Shifts of ±3 with scales near 0.5 keep
    /// every output at least 1 away from the ReLU's kink (channels all positive or all zero), so a
    /// step of 1e-2 cannot cross it; the mixed-sign case is checked against the separate ops below.
    @Test func fusedBatchNormReLUGradients() throws {
        let scale = try Tensor(shape: [4], channelsLast: [0.5, 0.4, 0.6, 0.5])
        let shift = try Tensor(shape: [4], channelsLast: [3, -3, 3.2, -2.8])
        try checkGradients([randn([3, 4, 3, 3], seed: 41), scale, shift], eps: 1e-2) { v in
            try batchNorm(v[0], scale: v[1], shift: v[2], fusedReLU: true).output
        }
    }

    /// The fused forward and backward equal batch norm followed by a separate ReLU.
    @Test func fusedBatchNormReLUEqualsSeparateOps() throws {
        let x = randn([2, 8, 5, 6], seed: 44)
        let scale = randn([8], seed: 45)
        let shift = randn([8], seed: 46)
        let seed = randn([2, 8, 5, 6], seed: 47)
        func run(_ fused: Bool) throws -> [Tensor] {
            let v = [x, scale, shift].map { Variable($0, requiresGrad: true) }
            let y =
                fused
                ? try batchNorm(v[0], scale: v[1], shift: v[2], fusedReLU: true).output
                : try relu(try batchNorm(v[0], scale: v[1], shift: v[2]).output)
            try y.backward(seed: seed)
            return [y.value] + v.map { $0.grad! }
        }
        let fused = try run(true)
        let separate = try run(false)
        for (a, b) in zip(fused, separate) { #expect(a.maxAbsDifference(b) < 1e-5) }
    }

    /// Training convolutions that qualify (2-D 3×3, stride 1, padding 1, channels multiples of 16)
    /// run oneDNN's Winograd kernels when asked: finite differences, and agreement with the direct
    /// kernels. Disabled with the kernels (see `DNNL.winogradTraining`): running them corrupted the
    /// heap in some suite runs.
    @Test(.disabled("oneDNN 2.6 Winograd training kernels crashed 2 of 8 suite runs; off until understood"))
    func winogradTrainingConvolution() throws {
        try DNNL.$winogradTraining.withValue(true) { try winogradChecks() }
    }

    private func winogradChecks() throws {
        try checkGradients([randn([2, 16, 6, 6], seed: 57), randn([16, 16, 3, 3], seed: 58, std: 0.1)]) { v in
            try convolution(v[0], weight: v[1], padding: [1])
        }
        #expect(DNNLContext.shared.cachedPrimitiveCount(containing: "conv_bwd_weights_wino") > 0)
        let x = randn([2, 32, 20, 20], seed: 59)
        let w = randn([16, 32, 3, 3], seed: 60, std: 0.1)
        let gy = randn([2, 16, 20, 20], seed: 61)
        func run() throws -> [Tensor] {
            let v = [x, w].map { Variable($0, requiresGrad: true) }
            let y = try convolution(v[0], weight: v[1], padding: [1])
            try y.backward(seed: gy)
            return [y.value] + v.map { $0.grad! }
        }
        let winograd = try run()
        let direct = try DNNL.$winogradTraining.withValue(false) { try run() }
        for (name, (a, b)) in zip(["output", "input gradient", "weight gradient"], zip(winograd, direct)) {
            print("Winograd vs direct \(name): relative L2 \(relativeL2(a, b))")
            #expect(relativeL2(a, b) < 1e-4, "\(name): relative L2 \(relativeL2(a, b))")
        }
    }

    /// One convolution in bf16 against float32 on random data: output and input, weight and bias
    /// gradients within 1 % relative L2 (bfloat16 rounding is ≤ 2⁻⁹ relative per operand; the
    /// K-term float32 sums average the independent errors).
    @Test(arguments: [false, true])
    func bf16ConvolutionMatchesFloat32(_ transposed: Bool) throws {
        let x = randn([2, 16, 12, 12], seed: 53)
        let w = randn(transposed ? [16, 24, 2, 2] : [24, 16, 3, 3], seed: 54, std: 0.1)
        let b = randn([24], seed: 55)
        let gy = randn(transposed ? [2, 24, 24, 24] : [2, 24, 12, 12], seed: 56)
        func run(_ precision: TrainingPrecision) throws -> [Tensor] {
            let v = [x, w, b].map { Variable($0, requiresGrad: true) }
            let y =
                transposed
                ? try transposedConvolution(v[0], weight: v[1], bias: v[2], stride: [2], precision: precision)
                : try convolution(v[0], weight: v[1], bias: v[2], padding: [1], precision: precision)
            try y.backward(seed: gy)
            return [y.value] + v.map { $0.grad! }
        }
        let low = try run(.bf16)
        let full = try run(.fp32)
        for (i, (a, b)) in zip(low, full).enumerated() {
            let e = relativeL2(a, b)
            #expect(e < 1e-2 && e > 0, "\(["output", "input", "weight", "bias"][i]): relative L2 \(e)")
        }
    }

    /// Gradients of one bf16 mixed-precision step of a small U-Net against the float32 step from
    /// the same weights and batch. Each bf16 convolution alone is within 1 % (above); through the
    /// network, training-mode batch norm's backward subtracts each channel's mean gradient and its
    /// projection on the normalized input, which cancels most of the gradient's magnitude, so the
    /// ~0.3 % rounding noise of the bf16 operands becomes a large share of what is left a few layers
    /// down (measured: 0.2 % at the head, 1–16 % in the decoder, 10–32 % in the encoder). The bound
    /// is 0.5 relative L2 per parameter tensor (two unrelated gradients of equal norm differ by
    /// √2 ≈ 1.4, a sign or layout error by more), 1 % at the head, whose gradient sees no bf16
    /// backward, and 1e-3 relative on the loss.
    @Test(arguments: [2, 3])
    func bf16GradientsMatchFloat32(_ dims: Int) throws {
        var g = SeededGenerator(seed: 51)
        let config = UNetConfiguration(spatialDimensions: dims, classes: 3, levels: 3, baseFeatures: 16)
        let net = try UNet(config, using: &g)
        let shape = dims == 2 ? [2, 1, 32, 32] : [1, 1, 8, 16, 16]
        let x = randn(shape, seed: 52)
        let labels = (0..<(shape.reduce(1, *))).map { _ in Int32.random(in: 0..<3, using: &g) }
        func gradients(_ precision: TrainingPrecision) throws -> (Float, [Tensor]) {
            net.trainingPrecision = precision
            for p in net.trainableParameters { p.grad = nil }
            let loss = try crossEntropy(try net(Variable(x)), labels: labels)
            try loss.backward()
            return (loss.value[[0]], net.trainableParameters.map { $0.grad! })
        }
        let (loss32, g32) = try gradients(.fp32)
        let (loss16, g16) = try gradients(.bf16)
        #expect(DNNLContext.shared.cachedPrimitiveCount(containing: "|bf16") > 0)
        #expect(abs(loss16 - loss32) <= 1e-3 * abs(loss32), "loss \(loss16) vs \(loss32)")
        var worst = 0.0
        let names = net.namedParameters().filter { $0.parameter.isTrainable }.map(\.name)
        for (name, (a, b)) in zip(names, zip(g16, g32)) {
            let e = relativeL2(a, b)
            if name.hasPrefix("head") { #expect(e < 1e-2, "\(name): relative L2 \(e)") }
            worst = max(worst, e)
        }
        print("bf16 vs fp32 gradients (\(dims)-D): largest relative L2 difference \(worst), loss \(loss16), \(loss32)")
        #expect(worst < 0.5, "largest relative L2 gradient difference \(worst)")
        #expect(worst > 0, "bf16 step identical to float32: the bf16 kernels did not run")
    }
}
