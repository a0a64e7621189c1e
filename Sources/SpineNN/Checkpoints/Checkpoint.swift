import Foundation

/// What a trained model is, beside its weights (nnU-Net's plans, typed): the network, the class
/// names, the patch size and the intensity normalization.
public struct ModelPlan: Codable, Hashable, Sendable {
    /// z-score normalization `(x − mean) / std` applied before the network (nil: per-image z-score).
    public struct IntensityNormalization: Codable, Hashable, Sendable {
        public var mean: Float
        public var standardDeviation: Float
        public init(mean: Float, standardDeviation: Float) {
            self.mean = mean
            self.standardDeviation = standardDeviation
        }
    }

    public var formatVersion: Int
    public var network: UNetConfiguration
    /// Names of the output classes, index 0 first (background).
    public var classNames: [String]
    /// Training/inference patch size in voxels (D, H, W or H, W).
    public var patchSize: [Int]
    public var intensity: IntensityNormalization?
    /// The voxel axes the network sees, as patient-direction letters toward which each index increases
    /// (nibabel convention, e.g. "PIR": i toward posterior, j toward inferior, k toward right); images are
    /// reoriented to it before inference and back after. nil: the image's own axes.
    public var axisCodes: String?
    /// Voxel spacing [mm] along the network's spatial axes in i, j(, k) order: 2 values for a 2-D network
    /// (in-plane; slices keep their thickness), 3 for a 3-D one. nil: the image's own spacing.
    public var spacingMM: [Double]?

    public init(
        network: UNetConfiguration, classNames: [String], patchSize: [Int], intensity: IntensityNormalization? = nil,
        axisCodes: String? = nil, spacingMM: [Double]? = nil
    ) {
        formatVersion = 1
        self.network = network
        self.classNames = classNames
        self.patchSize = patchSize
        self.intensity = intensity
        self.axisCodes = axisCodes
        self.spacingMM = spacingMM
    }
}

/// A model folder: `plan.json`, `weights.safetensors` and, for resuming, `optimizer.safetensors`.
public enum Checkpoint {
    public static let planFile = "plan.json"
    public static let weightsFile = "weights.safetensors"
    public static let optimizerFile = "optimizer.safetensors"

    /// Writes the plan, the weights (and running statistics) and optionally the optimizer state.
    public static func save(
        _ model: some Layer, plan: ModelPlan, optimizer: (any Optimizer)? = nil, to folder: URL,
        dtype: SafeTensorsDType = .f32
    ) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(plan).write(to: folder.appendingPathComponent(planFile), options: .atomic)
        var weights: [String: Tensor] = [:]
        for (name, p) in model.namedParameters() { weights[name] = p.value }
        try SafeTensors.write(
            weights, to: folder.appendingPathComponent(weightsFile), dtype: dtype, metadata: ["format": "pt"])
        if let optimizer {
            try SafeTensors.write(
                optimizer.stateTensors(), to: folder.appendingPathComponent(optimizerFile),
                metadata: ["step": String(optimizer.stepCount), "learning_rate": String(optimizer.learningRate)])
        }
    }

    /// The U-Net `plan` describes with the folder's weights. The network is first filled from a cheap seeded
    /// generator, since the checkpoint overwrites every weight (one system random call per weight cost ~1 s of a
    /// 10 s `spine analyze`).
    /// - Throws: as `load(into:plan:optimizer:from:)`.
    public static func loadUNet(plan: ModelPlan, from folder: URL) throws -> UNet {
        var rng = SeededGenerator(seed: 0)
        let network = try UNet(plan.network, using: &rng)
        try load(into: network, plan: plan, from: folder)
        return network
    }

    /// Reads a folder's plan.
    public static func loadPlan(from folder: URL) throws -> ModelPlan {
        let url = folder.appendingPathComponent(planFile)
        guard let data = try? Data(contentsOf: url) else {
            throw NNError(.malformedFile, "checkpoint: cannot read \(url.path)")
        }
        do { return try JSONDecoder().decode(ModelPlan.self, from: data) } catch {
            throw NNError(.malformedFile, "checkpoint: \(url.lastPathComponent) is not a valid plan: \(error)")
        }
    }

    /// Loads weights into `model` (and the optimizer state if asked and present), after checking
    /// that the folder's plan describes the same network as `plan`.
    ///
    /// - Throws: ``NNError`` `.checkpointMismatch` naming the differing setting, a missing or
    ///   unexpected tensor, or a shape that differs.
    public static func load(
        into model: some Layer, plan: ModelPlan, optimizer: (any Optimizer)? = nil, from folder: URL
    ) throws {
        let saved = try loadPlan(from: folder)
        if saved.network != plan.network {
            throw NNError(
                .checkpointMismatch,
                "checkpoint: network \(describe(saved.network)) in \(folder.lastPathComponent), expected \(describe(plan.network))"
            )
        }
        if saved.classNames != plan.classNames {
            throw NNError(.checkpointMismatch, "checkpoint: classes \(saved.classNames), expected \(plan.classNames)")
        }
        let (tensors, _) = try SafeTensors.read(from: folder.appendingPathComponent(weightsFile))
        let named = model.namedParameters()
        let expected = Set(named.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw NNError(
                .checkpointMismatch, "checkpoint: unexpected tensor \"\(extra)\" (the model has no such parameter)")
        }
        for (name, p) in named {
            guard let t = tensors[name] else {
                throw NNError(.checkpointMismatch, "checkpoint: tensor \"\(name)\" is missing")
            }
            guard t.shape == p.shape else {
                throw NNError(
                    .checkpointMismatch, "checkpoint: tensor \"\(name)\" has shape \(t.shape), expected \(p.shape)")
            }
        }
        for (name, p) in named { try p.assign(tensors[name]!) }
        if let optimizer {
            let url = folder.appendingPathComponent(optimizerFile)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw NNError(.checkpointMismatch, "checkpoint: no \(optimizerFile) to resume the optimizer from")
            }
            let (state, meta) = try SafeTensors.read(from: url)
            try optimizer.loadState(state, stepCount: Int(meta["step"] ?? "") ?? 0)
            if let lr = meta["learning_rate"].flatMap(Float.init) { optimizer.learningRate = lr }
        }
    }

    private static func describe(_ c: UNetConfiguration) -> String {
        "\(c.spatialDimensions)D U-Net(in \(c.inputChannels), classes \(c.classes), levels \(c.levels), base \(c.baseFeatures), max \(c.maxFeatures), convs \(c.convolutionsPerStage), \(c.normalization.rawValue), deep supervision \(c.deepSupervision))"
    }
}
