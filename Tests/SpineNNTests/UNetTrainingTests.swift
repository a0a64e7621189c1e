import Foundation
import Testing

@testable import SpineNN

/// Images of random discs (class 1) and squares (class 2) on a noisy background, with labels.
struct ShapeDataset {
    var generator: SeededGenerator
    let size: Int

    init(seed: UInt64, size: Int = 32) {
        generator = SeededGenerator(seed: seed)
        self.size = size
    }

    mutating func batch(_ n: Int) throws -> (Tensor, [Int32]) {
        var image = [Float](repeating: 0, count: n * size * size)
        var labels = [Int32](repeating: 0, count: n * size * size)
        for b in 0..<n {
            for _ in 0..<2 {
                let isDisc = Bool.random(using: &generator)
                let r = Int.random(in: 4...7, using: &generator)
                let cy = Int.random(in: r..<(size - r), using: &generator)
                let cx = Int.random(in: r..<(size - r), using: &generator)
                for y in 0..<size {
                    for x in 0..<size {
                        let inside =
                            isDisc
                            ? (y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r : abs(y - cy) <= r && abs(x - cx) <= r
                        if inside {
                            labels[(b * size + y) * size + x] = isDisc ? 1 : 2
                            image[(b * size + y) * size + x] = 1
                        }
                    }
                }
            }
            for i in 0..<(size * size) { image[b * size * size + i] += Float.random(in: -0.3..<0.3, using: &generator) }
        }
        return (try Tensor(shape: [n, 1, size, size], nchw: image), labels)
    }
}

/// Mean Dice over the foreground classes of an argmax prediction.
func foregroundDice(logits: Tensor, labels: [Int32], classes: Int) -> Double {
    let z = logits.channelsLastScalars
    var inter = [Double](repeating: 0, count: classes)
    var total = [Double](repeating: 0, count: classes)
    for v in 0..<labels.count {
        var best = 0
        for k in 1..<classes where z[v * classes + k] > z[v * classes + best] { best = k }
        let l = Int(labels[v])
        total[best] += 1
        total[l] += 1
        if best == l { inter[l] += 2 }
    }
    let fg = (1..<classes).map { total[$0] > 0 ? inter[$0] / total[$0] : 1 }
    return fg.reduce(0, +) / Double(fg.count)
}

@Suite("U-Net")
struct UNetTests {
    @Test func shapesNamesAndDeepSupervision() throws {
        var g = SeededGenerator(seed: 1)
        let net = try UNet(UNetConfiguration(classes: 3, levels: 3, baseFeatures: 4, deepSupervision: true), using: &g)
        let outs = try net.outputs(Variable(Tensor(zeros: [2, 1, 16, 16])))
        #expect(outs.map(\.shape) == [[2, 3, 16, 16], [2, 3, 8, 8]])
        let names = net.namedParameters().map(\.name)
        #expect(names.contains("encoder.0.0.conv.weight"))
        #expect(names.contains("decoder.1.up.weight"))
        #expect(names.contains("encoder.2.1.norm.running_var"))
        #expect(Set(names).count == names.count)
        #expect(throws: NNError.self) { try net(Variable(Tensor(zeros: [1, 1, 18, 16]))) }
        #expect(throws: NNError.self) { try net(Variable(Tensor(zeros: [1, 2, 16, 16]))) }
    }

    @Test(arguments: [2, 3])
    func inferenceModeMatchesEvaluationGraph(_ dims: Int) throws {
        var g = SeededGenerator(seed: 11)
        let config = UNetConfiguration(
            spatialDimensions: dims, classes: 3, levels: 3, baseFeatures: 4, negativeSlope: dims == 3 ? 0.01 : 0)
        let net = try UNet(config, using: &g)
        let shape = dims == 2 ? [2, 1, 16, 16] : [1, 1, 8, 8, 8]
        // A few training-mode passes give the running statistics non-trivial values.
        for s in 0..<3 { _ = try net(Variable(randn(shape, seed: UInt64(20 + s), std: 2))) }
        net.setTraining(false)
        let x = randn(shape, seed: 30)
        let reference = try GradientMode.withoutGradients { try net(Variable(x)) }.value
        let fast = try InferenceUNet(net)
        let y1 = try fast(x)
        let y2 = try fast(x)
        #expect(maxRelativeError(y1.nchwScalars, reference.nchwScalars) < 1e-4)
        #expect(y1.maxAbsDifference(y2) == 0)
        #expect(throws: NNError.self) { try fast(Tensor(zeros: dims == 2 ? [1, 1, 14, 16] : [1, 2, 8, 8, 8])) }
    }

    @Test func unet3DForwardBackward() throws {
        var g = SeededGenerator(seed: 2)
        let net = try UNet(
            UNetConfiguration(
                spatialDimensions: 3, classes: 2, levels: 2, baseFeatures: 4, normalization: .instance,
                negativeSlope: 0.01), using: &g)
        let x = Variable(randn([1, 1, 4, 8, 8], seed: 3))
        let y = try net(x)
        #expect(y.shape == [1, 2, 4, 8, 8])
        let loss = try crossEntropy(y, labels: [Int32](repeating: 1, count: 256))
        try loss.backward()
        #expect(net.trainableParameters.allSatisfy { $0.grad != nil })
    }

    /// The behavioural test of the whole training stack: a small U-Net learns to tell discs from
    /// squares, in float32 and in bf16 mixed precision. Bounded in steps, not in time.
    @Test(arguments: TrainingPrecision.allCases)
    func learnsSyntheticShapeSegmentation(_ precision: TrainingPrecision) throws {
        var g = SeededGenerator(seed: 42)
        let net = try UNet(UNetConfiguration(classes: 3, levels: 3, baseFeatures: 8), using: &g)
        net.trainingPrecision = precision
        let steps = 150
        let opt = AdamW(parameters: net.trainableParameters, learningRate: 3e-3, weightDecay: 1e-4)
        let schedule = PolynomialSchedule(base: 3e-3, totalSteps: steps, warmupSteps: 5)
        var data = ShapeDataset(seed: 7)
        var firstLoss: Float = 0
        var lastLoss: Float = 0
        for step in 0..<steps {
            let (x, y) = try data.batch(8)
            opt.learningRate = schedule.learningRate(at: step)
            opt.zeroGradients()
            let logits = try net(Variable(x))
            let loss = try crossEntropy(logits, labels: y) + softDiceLoss(logits, labels: y)
            try loss.backward()
            try clipGradientNorm(net.trainableParameters, maxNorm: 12)
            try opt.step()
            if step == 0 { firstLoss = loss.value[[0]] }
            lastLoss = loss.value[[0]]
        }
        net.setTraining(false)
        var validation = ShapeDataset(seed: 1234)
        let (x, y) = try validation.batch(16)
        let logits = try GradientMode.withoutGradients { try net(Variable(x)) }
        let dice = foregroundDice(logits: logits.value, labels: y, classes: 3)
        #expect(lastLoss < firstLoss)
        #expect(
            dice > 0.9,
            "\(precision): validation Dice \(dice) after \(steps) steps (loss \(firstLoss) → \(lastLoss))")
    }
}
