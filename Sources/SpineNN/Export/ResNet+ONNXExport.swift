import Foundation

extension ResNet: ONNXExportable {
    /// The classifier as ONNX: `input` `[batch, C, …]` → `logits` `[batch, classes]` (Conv,
    /// BatchNormalization, Relu, MaxPool, Add, GlobalAveragePool, Flatten, Gemm), torchvision's names.
    public func onnxModelData() throws -> Data {
        var b = ONNXGraphBuilder(name: "ResNet")
        let c = configuration
        let x = b.input("input", channels: c.inputChannels, spatialDimensions: c.spatialDimensions)
        let last = exportStages(into: &b, input: x, prefix: "").last!
        let pooled = b.node("GlobalAveragePool", [last], path: "/GlobalAveragePool")
        let flat = b.node(
            "Flatten", [pooled], path: "/Flatten", attributes: [ONNXGraphBuilder.int("axis", 1)])
        var inputs = [flat, b.initializer("fc.weight", classifier.weight.value)]
        if let bias = classifier.bias { inputs.append(b.initializer("fc.bias", bias.value)) }
        b.node(
            "Gemm", inputs, path: "/fc/Gemm",
            attributes: [
                ONNXGraphBuilder.float("alpha", 1), ONNXGraphBuilder.float("beta", 1),
                ONNXGraphBuilder.int("transB", 1),
            ], output: "logits")
        b.output("logits", rank: 2)
        return try b.serializedModel()
    }

    /// Emits the stem and the stages; returns every stage's output (``stageOutputs(_:)``).
    /// - Parameter prefix: prepended to the parameter names (`backbone.` inside a ``CenterNet``).
    func exportStages(into b: inout ONNXGraphBuilder, input: String, prefix: String) -> [String] {
        let r = configuration.spatialDimensions
        var h = b.convolution(stem, prefix + "conv1", input)
        h = b.batchNorm(stemNorm, prefix + "bn1", h)
        h = b.activation(h, prefix + "relu")
        if configuration.stemPool {
            h = b.maxPool(
                h, prefix + "maxpool", kernel: [Int](repeating: 3, count: r), stride: [Int](repeating: 2, count: r),
                padding: [Int](repeating: 1, count: r))
        }
        var outputs: [String] = []
        for (s, stage) in stages.enumerated() {
            for (i, block) in stage.enumerated() { h = block.export(into: &b, input: h, "\(prefix)layer\(s + 1).\(i)") }
            outputs.append(h)
        }
        return outputs
    }
}

extension ResidualBlock {
    /// `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut)`; the shortcut is emitted first so that
    /// the Add becomes conv2's sum post-op in ``ONNXSession``.
    func export(into b: inout ONNXGraphBuilder, input x: String, _ name: String) -> String {
        var shortcut = x
        if let (conv, norm) = projection {
            shortcut = b.batchNorm(norm, name + ".downsample.1", b.convolution(conv, name + ".downsample.0", x))
        }
        var h = b.activation(b.batchNorm(bn1, name + ".bn1", b.convolution(conv1, name + ".conv1", x)), name + ".relu")
        h = b.batchNorm(bn2, name + ".bn2", b.convolution(conv2, name + ".conv2", h))
        return b.activation(b.add(h, shortcut, name), name + ".relu_1")
    }
}
