import Foundation
import SpineImaging
import SpineNN

/// The trained segmentation models this installation can use: model folders (`plan.json` +
/// `weights.safetensors`, as `Checkpoint.save` writes them, or `plan.json` + `model.onnx`, as
/// `spine onnx import` writes them: ``ModelBackend``) found in the search folders.
///
/// Search order: each folder of `$SPINEKIT_MODELS` (colon-separated), then the package's `Models/` folder.
/// A search folder is either a model folder itself or holds model folders one level down; the folder's
/// name is the model's name, and the first model of a name wins. To add a model, drop its folder into
/// `Models/` (or a folder named by `$SPINEKIT_MODELS`); `spine models` lists it and `spine analyze` uses it.
public struct ModelRegistry: Sendable {
    /// One installed model.
    public struct Model: Sendable {
        /// The folder name: `lumbar-sagittal-11class`.
        public var name: String
        public var folder: URL
        public var plan: ModelPlan
        /// Size of `weights.safetensors` (or `model.onnx`) [bytes].
        public var weightsBytes: Int
        /// What runs it, decided from the folder's files when it was found.
        public var backend: ModelBackend
    }

    /// The model `spine analyze` uses when none is named (the first installed model otherwise).
    public static let defaultModel = "lumbar-sagittal-11class"
    /// The model that decides its classes (vertebral bodies, discs) over `defaultModel`'s when no model is named:
    /// trained on real MRI, it scores higher than the phantom-trained model on real held-out cases.
    public static let defaultRefiner = "lumbar-sagittal-real"

    /// The environment variable naming extra model folders (colon-separated).
    public static let environmentVariable = "SPINEKIT_MODELS"

    /// Folders searched, in order.
    public var searchFolders: [URL]

    public init(searchFolders: [URL]) {
        self.searchFolders = searchFolders
    }

    /// `$SPINEKIT_MODELS`, then the package's `Models/` folder.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ModelRegistry {
        var folders: [URL] = []
        if let paths = environment[environmentVariable] {
            folders += paths.split(separator: ":").filter { !$0.isEmpty }.map { URL(fileURLWithPath: String($0)) }
        }
        folders.append(packageModelsFolder)
        return ModelRegistry(searchFolders: folders)
    }

    /// `Models/` at the root of the SpineKit package this code was built from.
    public static var packageModelsFolder: URL {
        // Sources/SpinePipeline/Models/ModelRegistry.swift → package root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Models")
    }

    /// Whether `folder` holds a model (`plan.json` and `weights.safetensors`, or `plan.json` and
    /// `model.onnx`: ``ModelBackend``).
    public static func isModelFolder(_ folder: URL) -> Bool { ModelBackend.of(folder) != nil }

    /// Every usable model, and one line for each model folder that could not be read (a bad plan).
    public func scan() -> (models: [Model], problems: [String]) {
        let fm = FileManager.default
        var models: [Model] = []
        var problems: [String] = []
        var seen: Set<String> = []
        for root in searchFolders {
            var candidates: [(URL, ModelBackend)] = []
            if let backend = ModelBackend.of(root) {
                candidates = [(root, backend)]
            } else if let names = try? fm.contentsOfDirectory(atPath: root.path) {
                candidates = names.sorted().filter { !$0.hasPrefix(".") }.compactMap { name in
                    let folder = root.appendingPathComponent(name)
                    return ModelBackend.of(folder).map { (folder, $0) }
                }
            }
            for (folder, backend) in candidates {
                let name = folder.lastPathComponent
                guard !seen.contains(name) else { continue }
                do {
                    let plan = try Checkpoint.loadPlan(from: folder)
                    let size =
                        (try? fm.attributesOfItem(atPath: folder.appendingPathComponent(backend.weightsFile).path)[
                            .size] as? Int) ?? 0
                    models.append(Model(name: name, folder: folder, plan: plan, weightsBytes: size, backend: backend))
                    seen.insert(name)
                } catch {
                    problems.append("\(folder.path): \(error)")
                }
            }
        }
        return (models, problems)
    }

    /// The installed models, first of each name.
    public var models: [Model] { scan().models }

    /// `model(named:)`, or the error every command gives.
    /// - Throws: `ImagingError` `.unsupported` when no model is installed (`noneHint` follows the message),
    ///   `.invalidArgument` naming the installed models when none has this name.
    public func requireModel(named name: String?, noneHint: String = "see `spine models`") throws -> Model {
        let all = models
        guard !all.isEmpty else {
            throw ImagingError(.unsupported, "no segmentation model is installed; \(noneHint)")
        }
        guard let model = Self.pick(name, from: all) else {
            throw ImagingError(
                .invalidArgument,
                "no model named \(name ?? "") is installed; installed: \(all.map(\.name).joined(separator: ", "))")
        }
        return model
    }

    /// The model named `name`, or (nil) `defaultModel` when installed, else the first; nil when none matches.
    public func model(named name: String?) -> Model? { Self.pick(name, from: models) }

    private static func pick(_ name: String?, from all: [Model]) -> Model? {
        guard let name else { return all.first { $0.name == defaultModel } ?? all.first }
        return all.first { $0.name == name }
    }
}
