import Foundation
import Testing

@testable import SpineNN

/// Single-op parity with PyTorch: fixtures made by Scripts/fixtures/make_nn_fixtures.py hold the
/// inputs, the output, an upstream gradient and PyTorch's input gradients.
@Suite("PyTorch parity (fixtures)")
struct PyTorchParityTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/nn")

    typealias Op = @Sendable ([String: Variable]) throws -> Variable

    static let labels: [Int32] = {
        guard
            let (t, _) = try? SafeTensors.read(from: folder.appendingPathComponent("cross_entropy_labels.safetensors"))
        else { return [] }
        return t["labels"]!.nchwScalars.map { Int32($0) }
    }()

    static let cases: [(String, Op)] = [
        (
            "conv2d",
            { v in
                try convolution(
                    v["x"]!, weight: v["w"]!, bias: v["b"]!, stride: [2, 1], padding: [1], dilation: [1, 2], groups: 2)
            }
        ),
        ("conv3d", { v in try convolution(v["x"]!, weight: v["w"]!, bias: v["b"]!, padding: [1]) }),
        ("conv_transpose2d", { v in try transposedConvolution(v["x"]!, weight: v["w"]!, bias: v["b"]!, stride: [2]) }),
        ("batch_norm_train", { v in try batchNorm(v["x"]!, scale: v["w"]!, shift: v["b"]!).output }),
        ("instance_norm", { v in try instanceNorm(v["x"]!, scale: v["w"]!, shift: v["b"]!) }),
        ("max_pool2d", { v in try maxPool(v["x"]!, kernel: [2]) }),
        ("avg_pool2d_padded", { v in try averagePool(v["x"]!, kernel: [3], stride: [2], padding: [1]) }),
        ("upsample_bilinear", { v in try upsample(v["x"]!, factor: [2], mode: .linear) }),
        ("upsample_trilinear", { v in try upsample(v["x"]!, factor: [2], mode: .linear) }),
        ("gelu", { v in try gelu(v["x"]!) }),
        ("softmax", { v in try softmax(v["x"]!) }),
        ("linear", { v in try linear(v["x"]!, weight: v["w"]!, bias: v["b"]!) }),
        (
            "cross_entropy_weighted",
            { v in try crossEntropy(v["x"]!, labels: labels, classWeights: [0.2, 1.0, 2.0, 0.5]) }
        ),
    ]

    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        let scale = max(1, b.nchwScalars.map(abs).max() ?? 0)
        return a.maxAbsDifference(b) / scale
    }

    @Test(arguments: cases.map(\.0))
    func forwardAndBackwardMatchPyTorch(_ name: String) throws {
        let op = try #require(Self.cases.first { $0.0 == name }?.1)
        let (t, _) = try SafeTensors.read(from: Self.folder.appendingPathComponent(name + ".safetensors"))
        let inputNames = t.keys.filter { !$0.hasPrefix("grad.") && $0 != "output" && $0 != "gy" }
        var vars: [String: Variable] = [:]
        for n in inputNames { vars[n] = Variable(t[n]!, requiresGrad: true) }
        let y = try op(vars)
        let expected = try #require(t["output"])
        #expect(y.shape == expected.shape)
        #expect(Self.relativeError(y.value, expected) < 1e-4, "\(name) forward")
        try y.backward(seed: try #require(t["gy"]))
        for n in inputNames {
            let g = try #require(vars[n]!.grad, "\(name): no gradient for \(n)")
            let ref = try #require(t["grad." + n])
            #expect(Self.relativeError(g, ref) < 1e-4, "\(name) gradient of \(n): \(Self.relativeError(g, ref))")
        }
    }
}
