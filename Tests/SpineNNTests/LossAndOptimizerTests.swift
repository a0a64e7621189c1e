import Foundation
import Testing

@testable import SpineNN

@Suite("Losses, optimizers, schedules")
struct LossAndOptimizerTests {
    let labels: [Int32] = [0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 1, 2, 1, 1, 0, 2, 0, 1]  // 2 × 3 × 3 voxels

    @Test func crossEntropyGradientWithWeightsMaskAndPartialLabels() throws {
        let weights: [Float] = [0.5, 1, 2]
        let mask: [Float] = (0..<18).map { $0 % 5 == 0 ? 0 : 1 }
        try checkGradients([randn([2, 3, 3, 3], seed: 1)]) { v in
            try crossEntropy(
                v[0], labels: labels, classWeights: weights, voxelWeights: mask, ignoreIndex: 2,
                annotatedClasses: [[1], [1, 2]])
        }
    }

    @Test func crossEntropyValueMatchesDefinition() throws {
        let z = try Tensor(shape: [1, 2, 1, 2], nchw: [0, 1, Float(log(3.0)), -1])
        // Voxel 0: p = (1/4, 3/4), label 1 → −log 3/4. Voxel 1: p(0) = e/(e + e^{-1}), label 0.
        let loss = try crossEntropy(Variable(z), labels: [1, 0]).value[[0]]
        let p1 = exp(1.0) / (exp(1.0) + exp(-1.0))
        #expect(abs(Double(loss) - (-log(0.75) - log(p1)) / 2) < 1e-6)
    }

    @Test func partialLabelsDoNotPenalizeUnannotatedClasses() throws {
        // One voxel labelled 0 in a case that annotates only class 1; the net says class 2.
        let z = try Tensor(shape: [1, 3, 1, 1], nchw: [0, 0, 8])
        let plain = try crossEntropy(Variable(z), labels: [0]).value[[0]]
        let marginal = try crossEntropy(Variable(z), labels: [0], annotatedClasses: [[1]]).value[[0]]
        #expect(plain > 7)
        #expect(marginal < 0.01)
    }

    @Test(arguments: [true, false])
    func softDiceGradient(_ batchDice: Bool) throws {
        try checkGradients([randn([2, 3, 3, 3], seed: 2)]) { v in
            try softDiceLoss(v[0], labels: labels, batchDice: batchDice, voxelWeights: (0..<18).map { $0 == 4 ? 0 : 1 })
        }
    }

    @Test func softDiceIsZeroForPerfectPrediction() throws {
        var z = [Float](repeating: -30, count: 2 * 3 * 9)
        for (v, l) in labels.enumerated() { z[v * 3 + Int(l)] = 30 }
        let loss = try softDiceLoss(Variable(try Tensor(shape: [2, 3, 3, 3], channelsLast: z)), labels: labels).value[[
            0
        ]]
        #expect(abs(loss) < 1e-5)
    }

    @Test func focalGradientAndReduction() throws {
        try checkGradients([randn([2, 3, 3, 3], seed: 3)]) { v in
            try focalLoss(v[0], labels: labels, gamma: 2, classWeights: [0.25, 1, 1])
        }
        let z = randn([2, 3, 3, 3], seed: 4)
        let ce = try crossEntropy(Variable(z), labels: labels).value[[0]]
        let f0 = try focalLoss(Variable(z), labels: labels, gamma: 0).value[[0]]
        #expect(abs(ce - f0) < 1e-5)
    }

    @Test func binaryCrossEntropyAndSmoothL1Gradients() throws {
        let t = Tensor.randomUniform([2, 1, 3, 3], in: 0..<1, using: &SeededGeneratorBox.g)
        try checkGradients([randn([2, 1, 3, 3], seed: 5, std: 2)]) { v in
            try binaryCrossEntropy(v[0], targets: t, positiveWeight: 2)
        }
        try checkGradients([randn([2, 1, 3, 3], seed: 6, std: 2)]) { v in try smoothL1Loss(v[0], target: t, beta: 0.5) }
    }

    @Test func nonFiniteLossIsAnError() throws {
        let z = try Tensor(shape: [1, 2, 1, 1], nchw: [.nan, 0])
        #expect(throws: NNError.self) { try crossEntropy(Variable(z), labels: [0]) }
        #expect(throws: NNError.self) { try crossEntropy(Variable(Tensor(zeros: [1, 2, 1, 1])), labels: [0, 1]) }
        #expect(throws: NNError.self) { try crossEntropy(Variable(Tensor(zeros: [1, 2, 1, 1])), labels: [5]) }
    }

    @Test func sgdNesterovMatchesHandComputation() throws {
        let p = Parameter(try Tensor(shape: [1], channelsLast: [1]))
        let opt = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01)
        p.grad = try Tensor(shape: [1], channelsLast: [0.5])
        try opt.step()
        // d = 0.5 + 0.01 = 0.51; b = 0.51; w = 1 − 0.1 (0.51 + 0.9·0.51) = 0.9031
        #expect(abs(p.value[[0]] - 0.9031) < 1e-6)
    }

    @Test func adamWMatchesHandComputation() throws {
        let p = Parameter(try Tensor(shape: [1], channelsLast: [1]))
        let opt = AdamW(parameters: [p], learningRate: 0.1, weightDecay: 0.1)
        p.grad = try Tensor(shape: [1], channelsLast: [0.5])
        try opt.step()
        // w = 1 − 0.1·0.1·1 = 0.99; then − 0.1 · m̂/(√v̂ + ε) = 0.1 · 0.5/0.5 → 0.89
        #expect(abs(p.value[[0]] - 0.89) < 1e-5)
    }

    @Test func adamWMinimizesAQuadratic() throws {
        let p = Parameter(randn([8], seed: 7))
        let opt = AdamW(parameters: [p], learningRate: 0.05, weightDecay: 0)
        for _ in 0..<300 {
            opt.zeroGradients()
            let loss = sum(try p * p)
            try loss.backward()
            try opt.step()
        }
        #expect(p.value.squaredNorm() < 1e-3)
    }

    @Test func schedulesAndClipping() throws {
        let poly = PolynomialSchedule(base: 0.01, totalSteps: 100, warmupSteps: 10)
        #expect(abs(poly.learningRate(at: 0) - 0.001) < 1e-9)
        #expect(abs(poly.learningRate(at: 50) - 0.01 * pow(0.5, 0.9)) < 1e-7)
        #expect(poly.learningRate(at: 100) == 0)
        let cos = CosineSchedule(base: 1, totalSteps: 110, minimum: 0.1, warmupSteps: 10)
        #expect(abs(cos.learningRate(at: 10) - 1) < 1e-6)
        #expect(abs(cos.learningRate(at: 60) - 0.55) < 1e-6)
        #expect(abs(cos.learningRate(at: 110) - 0.1) < 1e-6)
        let a = Parameter(Tensor(shape: [2], repeating: 0))
        a.grad = try Tensor(shape: [2], channelsLast: [3, 4])
        let norm = try clipGradientNorm([a], maxNorm: 1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(abs(Float(a.grad!.squaredNorm()).squareRoot() - 1) < 1e-4)
    }
}

enum SeededGeneratorBox {
    nonisolated(unsafe) static var g = SeededGenerator(seed: 123)
}
