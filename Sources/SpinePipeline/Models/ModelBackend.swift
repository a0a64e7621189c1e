import Foundation
import SpineImaging
import SpineNN

/// What runs a model folder: SpineNN's own U-Net (`plan.json` + `weights.safetensors`) or an ONNX
/// graph imported with `spine onnx import` (`plan.json` + `model.onnx`, run by ``ONNXSession``).
/// Both take the same plan (classes, patch, axes, spacing, normalization) and the same pipeline
/// around the network (reorientation, resampling, sliding window, arg-max).
public enum ModelBackend: String, Sendable, Codable, CustomStringConvertible {
    case native
    case onnx

    /// The ONNX graph of an ONNX model folder.
    public static let onnxFile = "model.onnx"

    /// The backend of `folder` (nil: no model there): `weights.safetensors` wins over `model.onnx`.
    public static func of(_ folder: URL) -> ModelBackend? {
        let fm = FileManager.default
        guard fm.fileExists(atPath: folder.appendingPathComponent(Checkpoint.planFile).path) else { return nil }
        if fm.fileExists(atPath: folder.appendingPathComponent(Checkpoint.weightsFile).path) { return .native }
        if fm.fileExists(atPath: folder.appendingPathComponent(onnxFile).path) { return .onnx }
        return nil
    }

    /// The file holding the weights.
    public var weightsFile: String { self == .native ? Checkpoint.weightsFile : Self.onnxFile }

    public var description: String { self == .native ? "SpineNN U-Net" : "ONNX" }
}

extension ModelRegistry.Model {
    /// The network as a predictor from a batch of patches (`[N, 1, …]`, float32, normalized) to
    /// logits (`[N, classes, …]`).
    /// - Throws: ``NNError`` when the weights do not fit the plan or the ONNX graph cannot run.
    func makePredictor(precision: InferencePrecision) throws -> (Tensor) throws -> Tensor {
        switch backend {
        case .native:
            let network = try Checkpoint.loadUNet(plan: plan, from: folder)
            let inference = try InferenceUNet(network, precision: precision)
            return { try inference($0) }
        case .onnx:
            let onnx = try ONNXModel(contentsOf: folder.appendingPathComponent(ModelBackend.onnxFile))
            let session = try ONNXSession(onnx, precision: precision)
            // A graph with a fixed batch size of 1 gets one patch at a time.
            var fixedBatch = false
            if case .fixed(let n)? = onnx.inputs.first?.dimensions?.first, n == 1 { fixedBatch = true }
            return { [fixedBatch] x in
                guard fixedBatch, x.shape[0] > 1 else { return try session(x) }
                return Tensor.stackBatch(try (0..<x.shape[0]).map { try session(x.batchItem($0)) })
            }
        }
    }
}
