import Foundation
import Testing

@testable import SpineNN

@Suite("Residual U-Net (ResEnc stages)")
struct ResidualUNetTests {
    /// Finite differences through a residual block, with a projection (3 → 5 channels) and with
    /// the identity skip (4 → 4).
    @Test(arguments: [(3, 5), (4, 4)])
    func residualBlockGradients(_ channels: (Int, Int)) throws {
        var g = SeededGenerator(seed: 61)
        let config = UNetConfiguration(
            classes: 2, baseFeatures: 4, normalization: .none, negativeSlope: 0.01, residualBlocksPerStage: 1)
        let block = ResidualConvolutionBlock(channels.0, channels.1, config, using: &g)
        try checkGradients([randn([2, channels.0, 5, 6], seed: 62)]) { v in try block(v[0]) }
        let x = Variable(randn([2, channels.0, 5, 6], seed: 63))
        let y = try block(x)
        try sum(y).backward()
        #expect(block.namedParameters().allSatisfy { $0.parameter.grad != nil })
        // A projection skip exactly when the channel count changes, and then trained with the block.
        #expect(block.namedParameters().contains { $0.name.hasPrefix("projection.") } == (channels.0 != channels.1))
    }

    /// The evaluation graph (autograd ops, batch norm with running statistics) and InferenceUNet
    /// (batch norm folded, the residual sum and ReLU fused as post-ops) agree.
    @Test(arguments: [2, 3])
    func fusedInferenceMatchesEvaluationGraph(_ dims: Int) throws {
        var g = SeededGenerator(seed: 64)
        let config = UNetConfiguration(
            spatialDimensions: dims, classes: 3, levels: 3, baseFeatures: 4, negativeSlope: dims == 3 ? 0.01 : 0,
            residualBlocksPerStage: 2)
        let net = try UNet(config, using: &g)
        let names = net.namedParameters().map(\.name)
        #expect(names.contains("encoder.0.0.projection.conv.weight"))
        #expect(names.contains("encoder.1.1.second.norm.running_var"))
        #expect(!names.contains("encoder.1.1.projection.conv.weight"))
        let shape = dims == 2 ? [2, 1, 16, 16] : [1, 1, 8, 8, 8]
        // Training-mode passes give the running statistics non-trivial values.
        for s in 0..<3 { _ = try net(Variable(randn(shape, seed: UInt64(70 + s), std: 2))) }
        net.setTraining(false)
        let x = randn(shape, seed: 80)
        let reference = try GradientMode.withoutGradients { try net(Variable(x)) }.value
        let fast = try InferenceUNet(net)
        let y1 = try fast(x)
        let y2 = try fast(x)
        #expect(maxRelativeError(y1.nchwScalars, reference.nchwScalars) < 1e-4)
        #expect(y1.maxAbsDifference(y2) == 0)
        #expect(fast.floatingPointOperations(inputShape: shape) > 0)
        #expect(try fast.convolutionImplementations(inputShape: shape).allSatisfy { !$0.hasPrefix("ref") })
    }

    @Test func plansWithoutResidualStagesStillDecode() throws {
        let config = UNetConfiguration(classes: 3, residualBlocksPerStage: 2)
        var json = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any])
        #expect(json["residualBlocksPerStage"] as? Int == 2)
        json.removeValue(forKey: "residualBlocksPerStage")
        let old = try JSONDecoder().decode(UNetConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.residualBlocksPerStage == 0)
        var expected = config
        expected.residualBlocksPerStage = 0
        #expect(old == expected)
    }
}
