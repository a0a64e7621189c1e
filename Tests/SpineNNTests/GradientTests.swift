import Testing

@testable import SpineNN

@Suite("Gradients (finite differences)")
struct GradientTests {
    @Test func convolution2DStridePaddingDilationGroupsBias() throws {
        try checkGradients([
            randn([2, 4, 7, 6], seed: 1), randn([6, 2, 3, 3], seed: 2, std: 0.3), randn([6], seed: 3),
        ]) { v in
            try convolution(v[0], weight: v[1], bias: v[2], stride: [2, 1], padding: [1], dilation: [1, 2], groups: 2)
        }
    }

    @Test func convolution3D() throws {
        try checkGradients([
            randn([1, 3, 4, 5, 5], seed: 4), randn([4, 3, 3, 3, 3], seed: 5, std: 0.3), randn([4], seed: 6),
        ]) { v in
            try convolution(v[0], weight: v[1], bias: v[2], padding: [1])
        }
    }

    @Test func transposedConvolution2D() throws {
        try checkGradients([
            randn([2, 4, 3, 4], seed: 7), randn([4, 3, 2, 2], seed: 8, std: 0.3), randn([3], seed: 9),
        ]) { v in
            try transposedConvolution(v[0], weight: v[1], bias: v[2], stride: [2])
        }
    }

    @Test func transposedConvolutionGroupedPadded() throws {
        try checkGradients([randn([1, 4, 4, 4], seed: 10), randn([4, 3, 3, 3], seed: 11, std: 0.3)]) { v in
            try transposedConvolution(v[0], weight: v[1], stride: [2], padding: [1], groups: 2)
        }
    }

    @Test func transposedConvolution3D() throws {
        try checkGradients([randn([1, 2, 2, 3, 3], seed: 12), randn([2, 3, 2, 2, 2], seed: 13, std: 0.3)]) { v in
            try transposedConvolution(v[0], weight: v[1], stride: [2])
        }
    }

    @Test func batchNormTraining() throws {
        try checkGradients([randn([3, 4, 3, 3], seed: 14), randn([4], seed: 15), randn([4], seed: 16)], eps: 1e-2) {
            v in
            try batchNorm(v[0], scale: v[1], shift: v[2]).output
        }
    }

    @Test func batchNormInference() throws {
        let mean = randn([3], seed: 17)
        let variance = Tensor(shape: [3], repeating: 0.7)
        try checkGradients([randn([2, 3, 4, 4], seed: 18), randn([3], seed: 19), randn([3], seed: 20)]) { v in
            try batchNorm(v[0], scale: v[1], shift: v[2], mean: mean, variance: variance)
        }
    }

    @Test func instanceNorm3D() throws {
        try checkGradients([randn([2, 3, 2, 3, 3], seed: 21), randn([3], seed: 22), randn([3], seed: 23)], eps: 1e-2) {
            v in
            try SpineNN.instanceNorm(v[0], scale: v[1], shift: v[2])
        }
    }

    @Test(arguments: ["relu", "leakyReLU", "gelu", "geluTanh", "sigmoid", "softmax"])
    func activation(_ name: String) throws {
        try checkGradients([randn([2, 5, 3, 3], seed: 24)]) { v in
            switch name {
            case "relu": return try relu(v[0])
            case "leakyReLU": return try leakyReLU(v[0], negativeSlope: 0.1)
            case "gelu": return try gelu(v[0])
            case "geluTanh": return try gelu(v[0], tanhApproximation: true)
            case "sigmoid": return try sigmoid(v[0])
            default: return try softmax(v[0])
            }
        }
    }

    @Test func maxPool2D() throws {
        try checkGradients([randn([2, 3, 6, 6], seed: 25)]) { v in try maxPool(v[0], kernel: [2]) }
    }

    @Test func maxPool3DOverlapping() throws {
        try checkGradients([randn([1, 2, 5, 5, 5], seed: 26)]) { v in
            try maxPool(v[0], kernel: [3], stride: [2], padding: [1])
        }
    }

    @Test func averagePoolPadded() throws {
        try checkGradients([randn([2, 3, 5, 5], seed: 27)]) { v in
            try averagePool(v[0], kernel: [3], stride: [2], padding: [1])
        }
    }

    @Test func globalAveragePoolThenLinear() throws {
        try checkGradients([randn([3, 4, 3, 5], seed: 28), randn([2, 4], seed: 29), randn([2], seed: 30)]) { v in
            try linear(try globalAveragePool(v[0]), weight: v[1], bias: v[2])
        }
    }

    @Test(arguments: [UpsamplingMode.nearest, .linear])
    func upsample2D(_ mode: UpsamplingMode) throws {
        try checkGradients([randn([2, 3, 3, 4], seed: 31)]) { v in try upsample(v[0], factor: [2], mode: mode) }
    }

    @Test func upsample3DLinear() throws {
        try checkGradients([randn([1, 2, 2, 3, 3], seed: 32)]) { v in try upsample(v[0], factor: [2], mode: .linear) }
    }

    @Test func concatChannels() throws {
        try checkGradients([
            randn([2, 3, 4, 4], seed: 33), randn([2, 5, 4, 4], seed: 34), randn([2, 1, 4, 4], seed: 35),
        ]) { v in
            try concat(v)
        }
    }

    @Test func addAndMultiplyWithBroadcast() throws {
        try checkGradients([
            randn([2, 3, 4, 4], seed: 36), randn([1, 3, 1, 1], seed: 37), randn([2, 3, 4, 4], seed: 38),
        ]) { v in
            try (try v[0] + v[1]) * v[2] * 0.5
        }
    }

    @Test func multiplyBroadcastFirst() throws {
        try checkGradients([randn([2, 1, 4, 4], seed: 39), randn([2, 3, 4, 4], seed: 40)]) { v in try v[0] * v[1] }
    }

    @Test func linearLayer() throws {
        try checkGradients([randn([4, 6], seed: 41), randn([3, 6], seed: 42), randn([3], seed: 43)]) { v in
            try linear(v[0], weight: v[1], bias: v[2])
        }
    }

    @Test func dropoutUsesItsMask() throws {
        try checkGradients([randn([2, 3, 4, 4], seed: 44)]) { v in
            var g = SeededGenerator(seed: 99)
            return try dropout(v[0], probability: 0.3, using: &g)
        }
    }

    @Test func sumMeanReshape() throws {
        try checkGradients([randn([2, 3, 2, 2], seed: 45)]) { v in
            try mean(try reshape(v[0], [2, 12])) + sum(v[0])
        }
    }
}
