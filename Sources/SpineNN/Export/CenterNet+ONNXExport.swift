import Foundation

extension CenterNet: ONNXExportable {
    /// The detector as ONNX: `input` `[batch, C, H, W]` → `heatmap` (logits), `size` and `offset`
    /// at the first stage's resolution, with the parameter names of ``namedParameters()``.
    public func onnxModelData() throws -> Data {
        var b = ONNXGraphBuilder(name: "CenterNet")
        let c = configuration.backbone
        let x = b.input("input", channels: c.inputChannels, spatialDimensions: 2)
        let features = backbone.exportStages(into: &b, input: x, prefix: "backbone.")
        let top = features.count - 1
        var h = b.convolution(laterals[top], "neck.lateral.\(top)", features[top])
        for s in stride(from: top - 1, through: 0, by: -1) {
            // Upsample first so that the Add becomes the lateral convolution's sum post-op.
            let up = b.upsampleNearest(h, "neck.up.\(s)", factors: [2, 2])
            h = b.add(b.convolution(laterals[s], "neck.lateral.\(s)", features[s]), up, "neck.\(s)")
        }
        for (head, layers) in zip(Head.allCases, heads) {
            let hidden = b.activation(b.convolution(layers.hidden, "head.\(head).0", h), "head.\(head).1")
            b.convolution(layers.output, "head.\(head).2", hidden, output: "\(head)")
            b.output("\(head)", rank: 4)
        }
        return try b.serializedModel()
    }
}
