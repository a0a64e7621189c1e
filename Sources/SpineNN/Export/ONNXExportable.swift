import Foundation
import SwiftProtobuf

/// A native network that can be written as an ONNX graph (opset 17) and run by ``ONNXSession``,
/// which folds its batch norms into the convolutions, fuses ReLUs and residual sums as oneDNN
/// post-ops, keeps blocked layouts end to end, caches primitives, reuses activation memory and
/// runs bf16 on request: SpineNN's inference mode for every network that has an exporter.
///
/// The graph is the evaluation-mode network (batch norm with its running statistics) whatever the
/// layers' training flag; initializers carry the parameters under their ``Layer/namedParameters()``
/// names (torchvision's `state_dict` keys), so the file reads like one `torch.onnx.export` writes.
/// The input is `input` `[batch, C, …]` with symbolic batch and spatial sizes.
public protocol ONNXExportable: Layer {
    /// The evaluation-mode network as a serialized ONNX `ModelProto` (opset 17, float32).
    func onnxModelData() throws -> Data
}

extension ONNXExportable {
    /// The exported graph, parsed as ONNX Runtime would read the file.
    public func onnxModel() throws -> ONNXModel { try ONNXModel(data: onnxModelData()) }

    /// A compiled session of the exported graph: the fused inference path of this network.
    ///
    /// The session holds its own copy of the weights; build a new one after the weights change.
    public func inferenceSession(precision: InferencePrecision = .fp32) throws -> ONNXSession {
        try ONNXSession(onnxModel(), precision: precision)
    }

    /// Writes the exported graph to a `.onnx` file (atomically).
    public func writeONNX(to url: URL) throws {
        let data = try onnxModelData()
        do { try data.write(to: url, options: .atomic) } catch {
            throw NNError(.fileNotFound, "ONNX export: cannot write \(url.path) (\(error.localizedDescription))")
        }
    }
}

extension ONNXGraphBuilder {
    /// The serialized model, with the error a serialization failure (never expected) maps to.
    func serializedModel() throws -> Data {
        do { return try model().serializedData() } catch {
            throw NNError(.invalidArgument, "ONNX export: cannot serialize the graph (\(error))")
        }
    }
}

/// The ``ONNXSession`` a network's evaluation-mode prediction runs on, one per precision, rebuilt when a
/// parameter changes: it keeps the parameter tensors it was exported from, and since tensors copy on write
/// (an optimizer step or a checkpoint load gives a parameter new storage), a storage that differs from the one
/// kept means the weights moved on. The network's `Parameter` objects are `let` members of its layers, so their
/// list is taken once (no names are built per call).
final class ExportedSessionCache {
    private var parameters: [Parameter]?
    private var sessions: [InferencePrecision: (session: ONNXSession, exportedFrom: [Tensor])] = [:]

    func session(for network: some ONNXExportable, precision: InferencePrecision) throws -> ONNXSession {
        let parameters = self.parameters ?? network.namedParameters().map(\.parameter)
        self.parameters = parameters
        if let kept = sessions[precision], kept.exportedFrom.count == parameters.count,
            zip(parameters, kept.exportedFrom).allSatisfy({ $0.value.storage === $1.storage && $0.value.shape == $1.shape })
        {
            return kept.session
        }
        let fresh = try network.inferenceSession(precision: precision)
        sessions[precision] = (fresh, parameters.map(\.value))
        return fresh
    }
}
