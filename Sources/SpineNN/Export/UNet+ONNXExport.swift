import Foundation

extension UNet: ONNXExportable {
    /// The U-Net as ONNX: `input` `[batch, C, …]` → `logits` `[batch, classes, …]` and, with deep
    /// supervision, `logits_level1`, `logits_level2`, … at ½, ¼, … resolution (Conv,
    /// BatchNormalization or InstanceNormalization, Relu/LeakyRelu, Add, MaxPool, ConvTranspose, Concat).
    public func onnxModelData() throws -> Data {
        var b = ONNXGraphBuilder(name: "UNet")
        let c = configuration
        let r = c.spatialDimensions
        var h = b.input("input", channels: c.inputChannels, spatialDimensions: r)
        var skips: [String] = []
        for (level, stage) in encoder.enumerated() {
            if level > 0 {
                let two = [Int](repeating: 2, count: r)
                h = b.maxPool(
                    h, "encoder.\(level).pool", kernel: two, stride: two, padding: [Int](repeating: 0, count: r))
            }
            for (i, block) in stage.enumerated() {
                let name = "encoder.\(level).\(i)"
                switch block {
                case let block as ResidualConvolutionBlock: h = block.export(into: &b, input: h, name)
                case let block as ConvolutionBlock: h = block.export(into: &b, input: h, name)
                default: throw NNError(.unsupported, "ONNX export: U-Net block \(type(of: block)) has no exporter")
                }
            }
            skips.append(h)
        }
        func head(_ level: Int, _ x: String) {
            let name = level == 0 ? "logits" : "logits_level\(level)"
            b.convolution(heads[level], "head.\(level)", x, output: name)
            b.output(name, rank: r + 2)
        }
        var outputs: [(Int, String)] = []
        for level in stride(from: c.levels - 2, through: 0, by: -1) {
            let up = b.transposedConvolution(upsampling[level], "decoder.\(level).up", h)
            h = b.node(
                "Concat", [skips[level], up], path: ONNXGraphBuilder.path("decoder.\(level)", "Concat"),
                attributes: [ONNXGraphBuilder.int("axis", 1)])
            for (i, block) in decoder[level].enumerated() {
                h = block.export(into: &b, input: h, "decoder.\(level).\(i)")
            }
            if level < heads.count { outputs.append((level, h)) }
        }
        if c.levels == 1 { outputs.append((0, h)) }
        // Graph outputs in ``outputs(_:)``'s order: full resolution first.
        for (level, x) in outputs.sorted(by: { $0.0 < $1.0 }) { head(level, x) }
        return try b.serializedModel()
    }
}

extension ConvolutionBlock {
    func export(into b: inout ONNXGraphBuilder, input x: String, _ name: String) -> String {
        var h = b.convolution(conv, name + ".conv", x)
        if let batchNorm { h = b.batchNorm(batchNorm, name + ".norm", h) }
        if let instanceNorm { h = b.instanceNorm(instanceNorm, name + ".norm", h) }
        return activation ? b.activation(h, name + ".act", negativeSlope: negativeSlope) : h
    }
}

extension ResidualConvolutionBlock {
    /// The projection is emitted first so that the Add becomes the second convolution's sum post-op.
    func export(into b: inout ONNXGraphBuilder, input x: String, _ name: String) -> String {
        let skip = projection.map { $0.export(into: &b, input: x, name + ".projection") } ?? x
        let y = second.export(into: &b, input: first.export(into: &b, input: x, name + ".first"), name + ".second")
        return b.activation(b.add(y, skip, name), name + ".act", negativeSlope: negativeSlope)
    }
}
