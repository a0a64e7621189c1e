import Foundation
import SpineImaging
import SpineNN

/// Makes a model folder from an ONNX segmentation network and a plan (`spine onnx import`): the
/// folder holds `model.onnx` (and its external data files) and a `plan.json` like a native model's,
/// so ``ModelRegistry`` lists it and ``ModelSegmenter`` runs it (``ModelBackend/onnx``).
public enum ONNXModelImport {
    /// What the user states about an ONNX network: the `ModelPlan` fields other than `network`,
    /// which is derived from the graph (spatial dimensions, one input channel, classes). A full
    /// `plan.json` of a native model reads as well (its `network` is ignored).
    public struct Settings: Codable, Hashable, Sendable {
        /// Output channels in order, index 0 background.
        public var classNames: [String]
        /// Sliding-window patch in voxels (H, W or D, H, W): the network's input size.
        public var patchSize: [Int]
        /// z-score before the network (nil: each image's own mean and standard deviation).
        public var intensity: ModelPlan.IntensityNormalization?
        /// The voxel axes the network expects ("PIR"…; nil: the image's own).
        public var axisCodes: String?
        /// Voxel spacing [mm] the network expects, i, j(, k) (nil: the image's own).
        public var spacingMM: [Double]?

        public init(
            classNames: [String], patchSize: [Int], intensity: ModelPlan.IntensityNormalization? = nil,
            axisCodes: String? = nil, spacingMM: [Double]? = nil
        ) {
            self.classNames = classNames
            self.patchSize = patchSize
            self.intensity = intensity
            self.axisCodes = axisCodes
            self.spacingMM = spacingMM
        }

        /// Reads a plan file.
        /// - Throws: `ImagingError` `.fileNotFound`, `.malformed` naming what is wrong.
        public static func read(from url: URL) throws -> Settings {
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ImagingError(.fileNotFound, "cannot read plan \(url.path)")
            }
            do { return try JSONDecoder().decode(Settings.self, from: data) } catch {
                throw ImagingError(
                    .malformed,
                    "plan \(url.lastPathComponent) is not a valid plan (classNames, patchSize, optional intensity, axisCodes, spacingMM): \(Self.describe(error))"
                )
            }
        }

        static func describe(_ error: Error) -> String {
            switch error {
            case DecodingError.keyNotFound(let key, _): "missing \"\(key.stringValue)\""
            case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c),
                DecodingError.dataCorrupted(let c):
                "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
            default: "\(error)"
            }
        }
    }

    /// The plan for `model` under `settings`, after checking that they fit: one float32 input
    /// `[N, 1, patch…]`, an output with one channel per class, and a trial run on a patch of zeros
    /// giving `[1, classes, patch…]`.
    /// - Throws: `ImagingError` `.invalidArgument` (one line: what differs), `.unsupported` for a
    ///   graph SpineNN cannot run (the operator and node named), `.malformed` for a bad file.
    public static func plan(for model: ONNXModel, settings s: Settings) throws -> ModelPlan {
        let d = s.patchSize.count
        guard d == 2 || d == 3, s.patchSize.allSatisfy({ $0 > 0 }) else {
            throw ImagingError(.invalidArgument, "plan patchSize \(s.patchSize): expected 2 or 3 positive sizes")
        }
        guard (2...256).contains(s.classNames.count) else {
            throw ImagingError(
                .invalidArgument, "plan classNames: \(s.classNames.count) names; expected 2–256, background first")
        }
        if let sp = s.spacingMM, sp.count != d || !sp.allSatisfy({ $0 > 0 && $0.isFinite }) {
            throw ImagingError(
                .invalidArgument, "plan spacingMM \(sp): expected \(d) positive values for a \(d)-D patch")
        }
        if let codes = s.axisCodes, AxisCodes(codes) == nil {
            throw ImagingError(.invalidArgument, "plan axisCodes \"\(codes)\" are not valid (e.g. \"PIR\", \"RAS\")")
        }
        guard model.inputs.count == 1, let input = model.inputs.first else {
            throw ImagingError(
                .invalidArgument,
                "the ONNX model has \(model.inputs.count) inputs (\(model.inputs.map(\.name).joined(separator: ", "))); a segmentation model takes one image"
            )
        }
        guard input.elementType == "float32" || input.elementType == "unknown" else {
            throw ImagingError(.invalidArgument, "ONNX input '\(input.name)' is \(input.elementType); expected float32")
        }
        let classes = s.classNames.count
        if let dims = input.dimensions {
            guard dims.count == d + 2 else {
                throw ImagingError(
                    .invalidArgument,
                    "ONNX input '\(input.name)' has rank \(dims.count) [\(dims.map(\.description).joined(separator: ", "))]; a \(d)-D patch \(s.patchSize) needs [N, 1, \(s.patchSize.map(String.init).joined(separator: ", "))]"
                )
            }
            if case .fixed(let c) = dims[1], c != 1 {
                throw ImagingError(
                    .invalidArgument,
                    "ONNX input '\(input.name)' has \(c) channels; SpineKit feeds one image channel")
            }
            for (i, dim) in dims.dropFirst(2).enumerated() {
                if case .fixed(let n) = dim, n != s.patchSize[i] {
                    throw ImagingError(
                        .invalidArgument,
                        "ONNX input '\(input.name)' is [\(dims.map(\.description).joined(separator: ", "))]; the plan's patch is \(s.patchSize)"
                    )
                }
            }
        }
        if let out = model.outputs.first, let dims = out.dimensions, dims.count >= 2, case .fixed(let c) = dims[1],
            c != classes
        {
            throw ImagingError(
                .invalidArgument,
                "ONNX output '\(out.name)' has \(c) channels; the plan names \(classes) classes (\(s.classNames.joined(separator: ", ")))"
            )
        }
        let probe = [1, 1] + s.patchSize
        let y: Tensor
        do {
            y = try ONNXSession(model)(Tensor(zeros: probe))
        } catch let e as NNError {
            throw ImagingError(
                e.code == .unsupported ? .unsupported : .invalidArgument,
                "the ONNX model does not run on a patch \(probe): \(e.description)")
        }
        guard y.shape == [1, classes] + s.patchSize else {
            throw ImagingError(
                .invalidArgument,
                "ONNX output for a patch \(probe) is \(y.shape); expected \([1, classes] + s.patchSize) (one channel per class: \(s.classNames.joined(separator: ", ")))"
            )
        }
        let network = UNetConfiguration(spatialDimensions: d, inputChannels: 1, classes: classes)
        return ModelPlan(
            network: network, classNames: s.classNames, patchSize: s.patchSize, intensity: s.intensity,
            axisCodes: s.axisCodes, spacingMM: s.spacingMM)
    }

    /// Writes the model folder `folder` (its name is the model's name) from `onnx` and `settings`,
    /// atomically: everything goes to a temporary folder beside it that is renamed at the end.
    /// - Parameter replace: replace an existing folder (otherwise an existing one is an error).
    /// - Returns: the plan written.
    /// - Throws: `ImagingError` as ``plan(for:settings:)``, `.fileNotFound` for a missing model file,
    ///   `.invalidArgument` when `folder` exists, `.writeFailed`.
    @discardableResult
    public static func makeFolder(onnx: URL, settings: Settings, to folder: URL, replace: Bool = false) throws
        -> ModelPlan
    {
        let model: ONNXModel
        do { model = try ONNXModel(contentsOf: onnx) } catch let e as NNError {
            let code: ImagingError.Code =
                switch e.code {
                case .fileNotFound: .fileNotFound
                case .unsupported: .unsupported
                default: .malformed
                }
            throw ImagingError(code, e.description, file: onnx.path)
        }
        let plan = try plan(for: model, settings: settings)
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.path), !replace {
            throw ImagingError(.invalidArgument, "\(folder.path) already exists; remove it or pass --force")
        }
        do {
            try fm.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw ImagingError(.writeFailed, "cannot create the parent folder: \(error.localizedDescription)", file: folder.path)
        }
        try writeFolderAtomically(folder.path) { temporary in
            try fm.copyItem(at: onnx, to: temporary.appendingPathComponent(ModelBackend.onnxFile))
            for location in model.externalDataFiles {
                let target = temporary.appendingPathComponent(location)
                try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.copyItem(at: onnx.deletingLastPathComponent().appendingPathComponent(location), to: target)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(plan).write(to: temporary.appendingPathComponent(Checkpoint.planFile))
        }
        return plan
    }
}
