import Foundation
import SpineImaging
import SpineNN

/// `spine train` as a library: trains a recipe's 2-D U-Net on a folder of labelled volumes, validating on
/// held-out cases and checkpointing every epoch, so an interrupted run resumes where it stopped.
///
/// The model folder (`output`) holds, after every epoch: `plan.json`, `weights.safetensors`,
/// `optimizer.safetensors`, `recipe.json`, `training-state.json` (step, history) and `training-log.csv`;
/// at the end also `model.json` (``ModelCard``). Each checkpoint replaces the folder atomically.
public struct Trainer {
    /// One epoch's figures.
    public struct EpochRecord: Codable, Sendable {
        public var epoch: Int
        public var step: Int
        public var meanLoss: Double
        public var learningRate: Float
        /// Foreground classes' validation Dice, index = class − 1 (nil where no validation case annotates it).
        public var validationDice: [Double?]
        public var meanValidationDice: Double
        public var seconds: Double
    }

    /// What `training-state.json` holds.
    struct State: Codable {
        var recipe: TrainingRecipe
        var step: Int
        var history: [EpochRecord]
        var seconds: Double
    }

    public var recipe: TrainingRecipe
    public var data: URL
    public var output: URL
    public var threads: Int?
    /// Cap on validation volumes × contrasts scored per epoch before the last (bounded cost); the last scores all.
    public var validationImages = 3
    /// Stop (with a checkpoint) once this many steps are done in all, before the recipe's end; running again
    /// without it resumes. For time-boxed runs.
    public var stopAtStep: Int?
    /// Arithmetic of the training step's convolutions: `.bf16` is mixed precision (bfloat16
    /// kernels, float32 master weights, optimizer state, normalization and losses) for CPUs with
    /// AVX-512 BF16. Validation and the saved model are unaffected.
    public var precision: TrainingPrecision = .fp32

    public init(recipe: TrainingRecipe, data: URL, output: URL, threads: Int? = nil) {
        self.recipe = recipe
        self.data = data
        self.output = output
        self.threads = threads
    }

    /// Trains (or resumes) and returns the model card. `log` receives one line per event.
    /// - Throws: `ImagingError` for a bad recipe or folder, a checkpoint of another recipe in `output`,
    ///   and the readers' errors; `.writeFailed` when a checkpoint cannot be written.
    public func run(log: (String) -> Void) throws -> ModelCard {
        try recipe.validate()
        if let threads { ComputeThreads.count = threads }
        let started = Date()
        let items = try TrainingData.items(in: data, recipe: recipe)
        guard items.count >= 2 else {
            throw ImagingError(.noImageData, "need at least 2 cases (1 to validate on), found \(items.count)", file: data.path)
        }
        let (trainingItems, validationItems) = TrainingData.split(
            items, every: recipe.validationEvery, fold: recipe.validationFold ?? 0)
        log("reading \(items.count) cases (\(trainingItems.count) training, \(validationItems.count) validation)")
        let training = try TrainingData.load(trainingItems, recipe: recipe)
        let validation = try TrainingData.load(validationItems, recipe: recipe)
        log(
            "read in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(training.reduce(0) { $0 + $1.images.count * $1.depth }) training slices"
        )

        var generator = SeededGenerator(seed: recipe.seed)
        let network = try UNet(recipe.network, using: &generator)
        network.trainingPrecision = precision
        if precision != .fp32 { log("precision \(precision.rawValue) (mixed: float32 master weights and optimizer)") }
        let optimizer = AdamW(
            parameters: network.trainableParameters, learningRate: recipe.learningRate, weightDecay: recipe.weightDecay)
        let schedule = PolynomialSchedule(
            base: recipe.learningRate, totalSteps: recipe.steps, warmupSteps: min(50, recipe.steps / 10))
        let plan = recipe.plan

        // Resume from a checkpoint of the same recipe.
        var state = State(recipe: recipe, step: 0, history: [], seconds: 0)
        let stateURL = output.appendingPathComponent("training-state.json")
        if let saved = try? Data(contentsOf: stateURL) {
            let previous: State
            do { previous = try JSONDecoder().decode(State.self, from: saved) } catch {
                throw ImagingError(.malformed, "not a training state: \(error)", file: stateURL.path)
            }
            guard previous.recipe == recipe else {
                throw ImagingError(
                    .invalidArgument,
                    "holds a checkpoint of another recipe (\(previous.recipe.name)); choose another --out or remove it",
                    file: output.path)
            }
            do { try Checkpoint.load(into: network, plan: plan, optimizer: optimizer, from: output) } catch {
                throw ImagingError(.malformed, "cannot resume: \(error)", file: output.path)
            }
            state = previous
            log("resuming at step \(state.step) of \(recipe.steps)")
        }

        let sampler = PatchSampler(volumes: training, recipe: recipe)
        let seed = recipe.seed
        // Batches depend only on (seed, step), so a resumed run draws what an uninterrupted one would.
        let first = state.step
        let loader = DataLoader(
            count: recipe.steps - first, batchSize: 1, shuffle: false, workers: 1, prefetch: 3, seed: seed
        ) { indices, _ in
            var g = SeededGenerator(seed: seed &+ 0x9E37_79B9 &* UInt64(first + indices[0] + 1))
            return try sampler.batch(using: &g)
        }
        let batches = loader.epoch(0)
        var epochLoss = 0.0, epochSteps = 0
        var clock = Date()
        network.setTraining(true)
        let last = min(recipe.steps, stopAtStep ?? recipe.steps)
        while state.step < last {
            guard let batch = try batches.next() else { break }
            optimizer.learningRate = schedule.learningRate(at: state.step)
            optimizer.zeroGradients()
            let logits = try network(Variable(batch.images))
            let partial = batch.annotated.contains { $0.count < recipe.network.classes - 1 }
            var loss = try crossEntropy(logits, labels: batch.labels, annotatedClasses: partial ? batch.annotated : nil)
            if recipe.diceLoss, !partial { loss = try loss + softDiceLoss(logits, labels: batch.labels) }
            try loss.backward()
            _ = try clipGradientNorm(network.trainableParameters, maxNorm: 12)
            try optimizer.step()
            epochLoss += Double(loss.value[[0]])
            epochSteps += 1
            state.step += 1
            if state.step % 20 == 0 {
                log(
                    "step \(state.step)/\(recipe.steps) loss \(String(format: "%.4f", epochLoss / Double(epochSteps))) (\(String(format: "%.2f", Date().timeIntervalSince(clock) / Double(epochSteps))) s/step)"
                )
            }
            if state.step == last, state.step % recipe.stepsPerEpoch != 0, state.step < recipe.steps {
                // A time-boxed stop between epochs: checkpoint without validating.
                state.seconds += Date().timeIntervalSince(clock)
                try save(network, optimizer: optimizer, plan: plan, state: state, card: nil)
            } else if state.step % recipe.stepsPerEpoch == 0 || state.step == recipe.steps {
                network.setTraining(false)
                // Every validation image at the end; a bounded sample at the epochs before.
                let dice = try Self.validate(
                    network, validation, recipe: recipe, limit: state.step == recipe.steps ? .max : validationImages)
                network.setTraining(true)
                let scored = dice.compactMap { $0 }
                let now = Date()
                let record = EpochRecord(
                    epoch: state.history.count + 1, step: state.step, meanLoss: epochLoss / Double(max(epochSteps, 1)),
                    learningRate: optimizer.learningRate, validationDice: dice,
                    meanValidationDice: scored.isEmpty ? 0 : scored.reduce(0, +) / Double(scored.count),
                    seconds: now.timeIntervalSince(clock))
                state.history.append(record)
                state.seconds += record.seconds
                log(
                    "epoch \(record.epoch) step \(state.step): loss \(String(format: "%.4f", record.meanLoss)), validation mean Dice \(String(format: "%.4f", record.meanValidationDice)) ["
                        + zip(recipe.classNames.dropFirst(), dice).map { n, d in
                            "\(n) \(d.map { String(format: "%.3f", $0) } ?? "-")"
                        }.joined(separator: ", ") + "]")
                try save(network, optimizer: optimizer, plan: plan, state: state, card: nil)
                epochLoss = 0
                epochSteps = 0
                clock = Date()
            }
        }
        network.setTraining(false)
        let final = state.history.last
        var perClass: [ModelCard.ClassDice] = []
        for (c, d) in (final?.validationDice ?? []).enumerated() {
            guard let d else { continue }
            let cases = validation.filter { $0.annotated.contains(c + 1) }.count
            perClass.append(ModelCard.ClassDice(name: recipe.classNames[c + 1], dice: (d * 1e4).rounded() / 1e4, cases: cases))
        }
        let iso = ISO8601DateFormatter()
        let card = ModelCard(
            name: output.lastPathComponent, recipe: recipe.name, summary: recipe.summary,
            trainingData: data.lastPathComponent, trainingCases: training.map(\.name),
            validationCases: validation.map(\.name), steps: state.step, trainingSeconds: state.seconds.rounded(),
            threads: ComputeThreads.count, validationDice: perClass,
            meanValidationDice: ((final?.meanValidationDice ?? 0) * 1e4).rounded() / 1e4,
            trainedAt: iso.string(from: Date()), spineKitVersion: SpineKitVersion.current)
        try save(network, optimizer: optimizer, plan: plan, state: state, card: state.step >= recipe.steps ? card : nil)
        return card
    }

    /// Writes a checkpoint (and, at the end, the card) by replacing the model folder atomically.
    func save(_ network: UNet, optimizer: AdamW, plan: ModelPlan, state: State, card: ModelCard?) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeFolderAtomically(output.path) { dir in
            do {
                try Checkpoint.save(network, plan: plan, optimizer: optimizer, to: dir)
                try encoder.encode(state).write(to: dir.appendingPathComponent("training-state.json"))
                try encoder.encode(recipe).write(to: dir.appendingPathComponent("recipe.json"))
                var csv = "epoch,step,mean_loss,learning_rate,mean_validation_dice,"
                csv += recipe.classNames.dropFirst().map { "dice_\($0)" }.joined(separator: ",") + ",seconds\n"
                for r in state.history {
                    csv += "\(r.epoch),\(r.step),\(r.meanLoss),\(r.learningRate),\(r.meanValidationDice),"
                    csv += r.validationDice.map { $0.map { String($0) } ?? "" }.joined(separator: ",")
                    csv += ",\(String(format: "%.1f", r.seconds))\n"
                }
                try Data(csv.utf8).write(to: dir.appendingPathComponent("training-log.csv"))
                if let card { try encoder.encode(card).write(to: dir.appendingPathComponent(ModelCard.file)) }
            } catch let e as NNError {
                throw ImagingError(.writeFailed, "cannot write the checkpoint: \(e.description)", file: output.path)
            }
        }
    }

    /// Per-class Dice (pooled over voxels) of the network on up to `limit` validation images, each whole
    /// volume run slice by slice through the sliding window; nil for a class no validation case annotates.
    static func validate(_ network: UNet, _ volumes: [TrainingVolume], recipe: TrainingRecipe, limit: Int) throws
        -> [Double?]
    {
        let inference = try InferenceUNet(network)
        return try score(
            volumes, recipe: recipe, limit: limit, classes: recipe.network.classes, patchSize: recipe.patchSize,
            mapping: Array(0..<recipe.network.classes)
        ) { try inference($0) }
    }

    /// Per-class Dice of `predictor` (logits of `classes` classes, `mapping[c]` = the recipe's class for the
    /// predictor's class c, 0 for none) on up to `limit` of `volumes`; nil where no volume annotates a class.
    static func score(
        _ volumes: [TrainingVolume], recipe: TrainingRecipe, limit: Int, classes k: Int, patchSize: [Int],
        mapping: [Int], predictor: (Tensor) throws -> Tensor
    ) throws -> [Double?] {
        let r = recipe.network.classes
        var overlap = [Double](repeating: 0, count: r)
        var total = [Double](repeating: 0, count: r)
        var seen = [Bool](repeating: false, count: r)
        let window = SlidingWindow(patchSize: patchSize, paddingValue: -1.5)
        var jobs: [(Int, Int)] = []
        for (i, v) in volumes.enumerated() { for c in 0..<v.images.count { jobs.append((i, c)) } }
        // Spread the budget over cases first, then contrasts.
        jobs.sort { ($0.1, $0.0) < ($1.1, $1.0) }
        for (i, c) in jobs.prefix(limit) {
            let v = volumes[i]
            let x = try Tensor(shape: [v.depth, 1, v.height, v.width], nchw: v.images[c])
            let logits = try window(x, predictor).nchwScalars
            let per = v.sliceVoxels
            for s in 0..<v.depth {
                for p in 0..<per {
                    var best = 0
                    var top = logits[(s * k) * per + p]
                    for cl in 1..<k where logits[(s * k + cl) * per + p] > top {
                        top = logits[(s * k + cl) * per + p]
                        best = cl
                    }
                    let predicted = mapping[best]
                    let truth = Int(v.labels[s * per + p])
                    if v.annotated.contains(truth) { total[truth] += 1 }
                    if v.annotated.contains(predicted) {
                        total[predicted] += 1
                        if predicted == truth { overlap[predicted] += 2 }
                    }
                }
            }
            for cl in v.annotated { seen[cl] = true }
        }
        return (1..<r).map { seen[$0] ? (total[$0] > 0 ? overlap[$0] / total[$0] : 1) : nil }
    }

    /// Dice of an installed model on a recipe's held-out validation cases (all of them, every image), in the
    /// recipe's frame; the model's classes are matched to the recipe's by name. The model must use the
    /// recipe's axes and spacing.
    /// - Throws: `ImagingError` `.invalidArgument` when frames differ or no class name is shared.
    public static func scoreHeldOut(model: ModelRegistry.Model, recipe: TrainingRecipe, data: URL) throws
        -> [ModelCard.ClassDice]
    {
        let plan = model.plan
        guard plan.axisCodes == recipe.axisCodes, plan.spacingMM == recipe.spacingMM,
            plan.network.spatialDimensions == 2
        else {
            throw ImagingError(
                .invalidArgument,
                "model \(model.name) works in another frame (\(plan.axisCodes ?? "image axes"), \(plan.spacingMM ?? [])) than recipe \(recipe.name) (\(recipe.axisCodes), \(recipe.spacingMM))"
            )
        }
        let mapping = plan.classNames.map { name in recipe.classNames.firstIndex(of: name) ?? 0 }
        guard mapping.contains(where: { $0 > 0 }) else {
            throw ImagingError(.invalidArgument, "model \(model.name) has none of recipe \(recipe.name)'s classes")
        }
        let items = try TrainingData.items(in: data, recipe: recipe)
        try recipe.validate()
        let held = TrainingData.split(items, every: recipe.validationEvery, fold: recipe.validationFold ?? 0).validation
        let volumes = try TrainingData.load(held, recipe: recipe)
        // The same predictor `spine segment` and `spine analyze` run (native or ONNX model folders).
        let predict: (Tensor) throws -> Tensor
        do { predict = try model.makePredictor(precision: .fp32) } catch let e as NNError {
            throw ImagingError(.malformed, "model \(model.name): \(e.description)", file: model.folder.path)
        }
        let dice = try score(
            volumes, recipe: recipe, limit: .max, classes: plan.network.classes, patchSize: plan.patchSize,
            mapping: mapping, predictor: predict)
        return dice.enumerated().compactMap { c, d in
            d.map {
                ModelCard.ClassDice(
                    name: recipe.classNames[c + 1], dice: $0,
                    cases: volumes.filter { $0.annotated.contains(c + 1) }.count)
            }
        }
    }
}

/// The version of this SpineKit build.
public enum SpineKitVersion {
    public static let current = "0.1.0"
}
