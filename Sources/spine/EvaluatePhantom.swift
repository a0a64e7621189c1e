import ArgumentParser
import Foundation
import SpineAnalysis
import SpineImaging
import SpineNN
import SpinePhantom
import SpinePipeline

/// Options of `spine evaluate --task phantom` and `--task heldout`.
struct ModelEvaluationOptions: ParsableArguments {
    @Option(help: "Phantom: seeds to evaluate, FIRST-LAST (inclusive); keep them apart from the training seeds.")
    var seeds = "9001-9020"

    @Option(help: "Phantom: segmentation model (see `spine models`).")
    var model: String?

    @Option(
        help:
            "Phantom: model for the axial stacks through the disc levels, whose dural sac grades the canal as `spine analyze` does, or none (sagittal estimate only)."
    )
    var axialModel: String = AxialCanal.defaultModel

    @Option(help: "Phantom: sagittal contrast to segment (T1, T2 or STIR).")
    var contrast = "T2"

    @Option(
        help:
            "Phantom: force every study's enumeration anomaly: none, sixLumbar, sacralizedL5 or thirteenThoracic (also six-lumbar, sacralized-l5, thirteen-thoracic); disc variations, slip and fractures keep their places counted from the sacrum. Default: each seed's own draw."
    )
    var anomaly: EnumerationAnomaly?

    @Option(
        help:
            "Phantom: analyse the model's segmentation (model) or the phantom's truth class label map (truth: labelling and measurement alone, no model)."
    )
    var labels = PhantomLabelSource.model

    @Option(
        help:
            "Phantom with --labels truth: the field analysed — lumbar (the study's sagittal stack) or whole-spine (a C1-to-coccyx sagittal localizer grid, where the vertebrae can be counted from C2)."
    )
    var view = PhantomView.lumbar

    @Option(help: "Phantom, held-out: inference threads.")
    var threads: Int?

    @Option(help: "Held-out: the training recipe whose validation split to score on (built-in name or JSON).")
    var recipe: String?

    @Option(help: "Held-out: the recipe's training data folder.")
    var data: String?

    @Option(
        help: "Held-out: score fold K of the recipe's cross-validation (cases whose index modulo validationEvery is K)."
    )
    var fold: Int?

    @Flag(
        help:
            "Held-out: cross-validation over all folds: --model NAME scores models NAME-0 … NAME-(validationEvery−1), each on its fold, pooled over cases."
    )
    var crossValidation = false
}

/// The field of view `spine evaluate --task phantom` analyses.
enum PhantomView: String, ExpressibleByArgument, CaseIterable {
    case lumbar
    case wholeSpine = "whole-spine"
}

/// What `spine evaluate --task phantom` analyses: the model's segmentation or the phantom's truth label map.
enum PhantomLabelSource: String, ExpressibleByArgument, CaseIterable {
    case model, truth
}

/// `--anomaly`: a raw value of `EnumerationAnomaly` ("sixLumbar") or its hyphenated form ("six-lumbar"), any case.
extension EnumerationAnomaly: ExpressibleByArgument {
    public init?(argument: String) {
        let key = argument.replacingOccurrences(of: "-", with: "").lowercased()
        guard let a = Self.allCases.first(where: { $0.rawValue.lowercased() == key }) else { return nil }
        self = a
    }

    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Scores an installed model on a training recipe's held-out validation cases.
struct HeldOutEvaluation {
    var options: ModelEvaluationOptions

    func run() throws -> EvaluationOutput {
        guard let name = options.recipe, let data = options.data else {
            throw ImagingError(.invalidArgument, "--task heldout needs --recipe and --data")
        }
        var recipe = try TrainingRecipe.resolve(name)
        if let t = options.threads { ComputeThreads.count = t }
        let registry = ModelRegistry.standard()
        let folds = options.crossValidation ? Array(0..<recipe.validationEvery) : [options.fold ?? 0]
        guard !options.crossValidation || options.model != nil else {
            throw ImagingError(.invalidArgument, "--cross-validation needs --model NAME (models NAME-0, NAME-1, …)")
        }
        var table = ""
        struct Fold: Encodable { var fold: Int, model: String, dice: [ModelCard.ClassDice] }
        var perFold: [Fold] = []
        for fold in folds {
            recipe.validationFold = fold == 0 ? nil : fold
            let model = try registry.requireModel(
                named: options.crossValidation ? "\(options.model!)-\(fold)" : options.model)
            let dice = try Trainer.scoreHeldOut(model: model, recipe: recipe, data: URL(fileURLWithPath: data))
            table +=
                "model \(model.name) on fold \(fold) of recipe \(recipe.name) (\((data as NSString).lastPathComponent)):\n"
            for d in dice { table += "  \(d.name): Dice \(String(format: "%.4f", d.dice)) on \(d.cases) case(s)\n" }
            perFold.append(Fold(fold: fold, model: model.name, dice: dice))
        }
        // Each case is held out in exactly one fold: pool per-case means over the folds.
        var pooled: [ModelCard.ClassDice] = []
        for name in recipe.classNames.dropFirst() {
            let parts = perFold.flatMap { $0.dice.filter { $0.name == name } }
            let cases = parts.reduce(0) { $0 + $1.cases }
            guard cases > 0 else { continue }
            let mean = parts.reduce(0) { $0 + $1.dice * Double($1.cases) } / Double(cases)
            pooled.append(.init(name: name, dice: mean, cases: cases))
        }
        if options.crossValidation {
            table += "\(folds.count)-fold cross-validation, pooled over held-out cases:\n"
            for d in pooled { table += "  \(d.name): Dice \(String(format: "%.4f", d.dice)) on \(d.cases) case(s)\n" }
        }
        struct Doc: Encodable {
            var task = "heldout", model: String?, recipe: String, folds: [Fold], dice: [ModelCard.ClassDice]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let doc = Doc(
            model: perFold.count == 1 ? perFold[0].model : nil, recipe: recipe.name, folds: perFold, dice: pooled)
        let json = (try? encoder.encode(doc)) ?? Data()
        let csv =
            "class,dice,cases\n" + pooled.map { "\($0.name),\($0.dice),\($0.cases)" }.joined(separator: "\n") + "\n"
        return EvaluationOutput(table: table, json: json, csv: csv)
    }
}

/// Generates phantom studies, segments them with an installed model, analyses them and scores all three
/// against the phantom's truth: segmentation Dice, vertebra naming and central canal grade.
struct PhantomEvaluation {
    var options: ModelEvaluationOptions

    struct StudyScore: Encodable {
        var seed: UInt64
        var anomaly: String
        var dice: [String: Double]
        var meanDice: Double
        var vertebraeExpected: [String]
        var vertebraeReported: [String]
        var vertebraeCorrect: Int
        /// Every reported vertebra named as expected: lumbar and sacral names exactly, thoracic ones by count (see
        /// `PhantomEvaluation.expectedNames`).
        var allNamedCorrectly: Bool
        /// Every reported vertebra carries the truth's own name (T13 included).
        var allNamedAsTruth: Bool
        /// The enumeration findings reported (`enumeration-anomaly`, `possible-transitional-vertebra`) with levels.
        var anomalyFindings: [String]
        /// The finding that names this study's anomaly is reported (for a study without one: any enumeration finding,
        /// a false flag).
        var flagged: Bool
        var segmentalAnglesDeg: [String: Double]
        /// The lumbosacral disc's constructed height loss (0…0.9; degeneration, not the transitional disc) and its
        /// measured mean margin height against the largest lumbar disc's above (the rudimentary-disc ratio).
        var lumbosacralHeightLoss: Double
        var lumbosacralMarginRatio: Double?
        /// Transverse-process height near the tip per measured lumbar vertebra, the taller side [mm].
        var transverseProcessHeightsMM: [String: Double]
        var canalLevels: Int
        var canalCorrect: Int
        var canalMismatches: [String]
        /// Levels graded on an axial stack, and how many of those the sagittal estimate alone grades right.
        var canalAxialLevels: Int
        var canalSagittalCorrect: Int
        /// Per level: measured area [mm²], its source, the sagittal estimate, the truth.
        var canal: [CanalScore]
        /// Per lumbar foramen with a truth figure: the truth's height/area/grade and the report's (nil: not
        /// measured).
        var foramina: [ForamenScore]
        var seconds: Double
    }

    struct ForamenScore: Encodable {
        var level: String
        var side: String
        var truthHeightMM: Double
        var truthAreaMM2: Double
        var truthGrade: Int
        var heightMM: Double?
        var areaMM2: Double?
        var grade: Int?
    }

    /// Foramina scored against truth.json: measured share, median |height error| [mm], median |area error| [%],
    /// grade agreement.
    struct ForaminalSummary: Encodable {
        var foramina: Int
        var measured: Int
        var medianHeightErrorMM: Double?
        var medianAreaErrorPercent: Double?
        var gradeCorrect: Int

        init(_ scores: [ForamenScore]) {
            let median = Percentile.median
            let measured = scores.filter { $0.heightMM != nil && $0.areaMM2 != nil }
            foramina = scores.count
            self.measured = measured.count
            medianHeightErrorMM = median(measured.map { abs($0.heightMM! - $0.truthHeightMM) })
            medianAreaErrorPercent = median(measured.map { 100 * abs($0.areaMM2! - $0.truthAreaMM2) / $0.truthAreaMM2 })
            gradeCorrect = measured.filter { $0.grade == $0.truthGrade }.count
        }
    }

    struct CanalScore: Encodable {
        var level: String
        var areaMM2: Double
        var source: String
        var sagittalAreaMM2: Double
        var obliquityDeg: Double?
        var truthAreaMM2: Double
        var grade: String
        var truthGrade: String
        /// On the axial stack: the slices used, the disc centre's offset from the stack's middle [mm], and the area
        /// on the stack's plane before the obliquity correction [mm²].
        var slices: [Int]? = nil
        var discOffsetMM: Double? = nil
        var planeAreaMM2: Double? = nil
    }

    /// The truth's grade (Hamanishi: < 100 mm² relative, < 75 absolute) of an area [mm²].
    static func areaGrade(_ areaMM2: Double) -> String {
        switch CentralCanalGrade(areaMM2: areaMM2, apDiameterMM: nil) {
        case .severe: "absolute"
        case .moderate: "relative"
        case .mild, .normal: "none"
        }
    }

    func seedRange() throws -> ClosedRange<UInt64> {
        let parts = options.seeds.split(separator: "-").map { UInt64($0) }
        guard parts.count == 2, let a = parts[0], let b = parts[1], a <= b, b - a < 1000 else {
            throw ImagingError(.invalidArgument, "--seeds \(options.seeds): expected FIRST-LAST, at most 1000 seeds")
        }
        return a...b
    }

    func run() throws -> EvaluationOutput {
        let range = try seedRange()
        guard ["T1", "T2", "STIR"].contains(options.contrast) else {
            throw ImagingError(.invalidArgument, "--contrast \(options.contrast): expected T1, T2 or STIR")
        }
        let forced = options.anomaly
        let onTruth = options.labels == .truth
        let wholeSpine = options.view == .wholeSpine
        if wholeSpine, !onTruth {
            throw ImagingError(
                .invalidArgument, "--view whole-spine needs --labels truth (no model is trained on whole-spine images)")
        }
        let model = onTruth ? nil : try ModelRegistry.standard().requireModel(named: options.model)
        let segmenter = model.map { ModelSegmenter(model: $0, threads: options.threads) }
        let classMap = segmenter?.classMap ?? .spineKit
        let axial =
            options.axialModel == "none" || onTruth
            ? nil
            : ModelSegmenter(
                model: try ModelRegistry.standard().requireModel(named: options.axialModel), threads: options.threads)
        var studies: [StudyScore] = []
        for seed in range {
            let started = Date()
            var studyOptions = MRStudyOptions()
            studyOptions.contrasts = [options.contrast]
            studyOptions.axialStacks = axial != nil
            // The truth label maps of the field analysed: the study's sagittal stack, or a whole-spine grid (where
            // only the anatomy is needed: no study is rendered).
            let study: MRStudy?
            let truth: PhantomTruth
            let truthClasses: Volume<UInt8>, truthInstances: Volume<UInt8>
            do {
                let parameters = try Self.parameters(seed: seed, anomaly: forced)
                if wholeSpine {
                    let model = try SpineModel(parameters: parameters)
                    study = nil
                    truth = PhantomTruth(anatomyOf: model)
                    (truthClasses, truthInstances) = MRRenderer.labels(model, on: MRProtocol.wholeSpine(model))
                } else {
                    let s = try MRStudy(parameters: parameters, options: studyOptions)
                    study = s
                    truth = s.truth
                    truthClasses = s.sagittal.rendered.classLabels
                    truthInstances = s.sagittal.rendered.instanceLabels
                }
            } catch let e as PhantomError {
                throw ImagingError(.invalidArgument, "phantom seed \(seed): \(e.description)")
            }
            let predicted: Volume<UInt8>
            if let segmenter, let study {
                predicted = try segmenter.segment(AnyVolume(study.sagittal.rendered.images[0]))
            } else {
                predicted = truthClasses
            }
            var report = try SpineAnalyzer.analyze(labelMap: AnyVolume(predicted), classMap: classMap)
            let sagittalAreas = Dictionary(report.discs.compactMap { d in d.canal.map { (d.level, $0.areaMM2) } }) {
                a, _ in a
            }
            // The axial stacks graded as `spine analyze` grades them: paired by position, one per level.
            var onStacks: [String: AxialCanal.Measurement] = [:]
            if let axial, let study {
                let refined = try AxialCanal.refine(
                    &report,
                    stacks: study.axials.map {
                        AxialCanal.Stack(name: $0.name, image: AnyVolume($0.rendered.images[0]))
                    },
                    sagittalLabels: AnyVolume(predicted), classMap: classMap, segmenter: axial)
                for m in refined.measurements { onStacks[m.level] = m }
            }

            // Dice per SpineKit class on the sagittal grid.
            let scores = try SegmentationEvaluation.evaluate(
                prediction: predicted.converted(to: Int32.self), truth: truthClasses.converted(to: Int32.self),
                labels: StructureClass.allCases.map(\.rawValue), surfaceDistances: false)
            var dice: [String: Double] = [:]
            for s in scores where s.truthVoxels > 0 {
                if let d = s.dice, let c = StructureClass(rawValue: s.label) { dice[c.name] = d }
            }
            let meanDice = dice.values.reduce(0, +) / Double(max(dice.count, 1))

            // Naming: each reported vertebra must carry the expected name of the truth vertebra nearest its
            // centroid (≤ 20 mm); every truth lumbar vertebra mostly inside the image must be reported. Lumbar and
            // sacral names are expected as the truth gives them; thoracic names as counted cranially from the lumbar
            // spine (see `expectedNames`), since a sagittal lumbar MRI shows no ribs to tell T12 from T13.
            // On a whole-spine view every vertebra is expected under its own name (the count from C2 is possible).
            let expectedName =
                wholeSpine
                ? Dictionary(uniqueKeysWithValues: truth.vertebrae.map { ($0.name, $0.name) })
                : Self.expectedNames(truth.vertebrae.map(\.name))
            var counts: [UInt8: Int] = [:]
            for v in truthInstances.voxels where v != 0 { counts[v, default: 0] += 1 }
            let lumbar = truth.vertebrae.filter { $0.name.region == .lumbar }
            let typical = lumbar.compactMap { counts[$0.instanceLabel] }.max() ?? 0
            let expected = lumbar.filter { Double(counts[$0.instanceLabel] ?? 0) >= 0.5 * Double(typical) }.map(\.name)
            var correct = 0
            var allRight = true, allStrict = true
            for v in report.vertebrae {
                let nearest = truth.vertebrae.min { a, b in
                    distance(a.centreWorldLPS, v.centroidLPS) < distance(b.centreWorldLPS, v.centroidLPS)
                }
                if let n = nearest, distance(n.centreWorldLPS, v.centroidLPS) <= 20,
                    expectedName[n.name]?.name == v.label
                {
                    correct += 1
                } else {
                    allRight = false
                }
                if !(nearest.map { distance($0.centreWorldLPS, v.centroidLPS) <= 20 && $0.name.name == v.label }
                    ?? false)
                {
                    allStrict = false
                }
            }
            let reported = Set(report.vertebrae.map(\.label))
            if !expected.allSatisfy({ reported.contains($0.description) }) {
                allRight = false
                allStrict = false
            }
            let anomalyFindings = report.findings.filter { Self.anomalyFindingCodes.contains($0.code) }
                .map { "\($0.code) \($0.level ?? "")" }
            let flagged = Self.flagged(truth.anomaly, findings: report.findings)

            // Central canal grade per disc level the truth and the report share.
            var levels = 0, canalRight = 0, axialLevels = 0, sagittalRight = 0
            var mismatches: [String] = []
            var canalScores: [CanalScore] = []
            let named = Dictionary(grouping: report.discs, by: \.level)
            for d in report.discs {
                // Lumbar levels (the report's per-level table), each named once, with a canal measured.
                guard named[d.level]?.count == 1, d.level.hasPrefix("L"), let canal = d.canal,
                    let t = truth.discs.first(where: { $0.level == d.level })
                else { continue }
                levels += 1
                // The truth grades by dural sac area only (Hamanishi: < 100 mm² relative, < 75 absolute).
                let areaGrade = Self.areaGrade(canal.areaMM2)
                let sagittal = sagittalAreas[d.level] ?? canal.areaMM2
                if canal.source == "axial" { axialLevels += 1 }
                if Self.areaGrade(sagittal) == t.centralStenosis { sagittalRight += 1 }
                let m = canal.source == "axial" ? onStacks[d.level] : nil
                canalScores.append(
                    CanalScore(
                        level: d.level, areaMM2: (canal.areaMM2 * 10).rounded() / 10,
                        source: canal.source ?? "sagittal",
                        sagittalAreaMM2: (sagittal * 10).rounded() / 10,
                        obliquityDeg: canal.obliquityDeg.map { ($0 * 10).rounded() / 10 },
                        truthAreaMM2: t.duralSacAreaMM2,
                        grade: areaGrade, truthGrade: t.centralStenosis, slices: m?.slices,
                        discOffsetMM: m.map { ($0.discOffsetMM * 10).rounded() / 10 },
                        planeAreaMM2: m.map { ($0.planeAreaMM2 * 10).rounded() / 10 }))
                if areaGrade == t.centralStenosis {
                    canalRight += 1
                } else {
                    mismatches.append(
                        "\(d.level) \(areaGrade) (\(Int(canal.areaMM2.rounded())) mm², \(canal.source ?? "sagittal")) vs truth \(t.centralStenosis) (\(Int(t.duralSacAreaMM2.rounded())) mm²)"
                    )
                }
            }
            // Foramina: every lumbar level named once whose truth has a closed foramen on that side.
            var foramina: [ForamenScore] = []
            for t in truth.discs where t.upper.region == .lumbar && named[t.level]?.count == 1 {
                let d = named[t.level]![0]
                for f in t.foramina {
                    guard let h = f.heightMM, let a = f.areaMM2, let g = f.grade else { continue }
                    let m = f.side == .left ? d.foraminal?.left : d.foraminal?.right
                    foramina.append(
                        ForamenScore(
                            level: t.level, side: f.side.rawValue, truthHeightMM: h, truthAreaMM2: a, truthGrade: g,
                            heightMM: m?.heightMM, areaMM2: m?.areaMM2, grade: m?.grade))
                }
            }
            studies.append(
                StudyScore(
                    seed: seed, anomaly: truth.anomaly.rawValue, dice: dice, meanDice: meanDice,
                    vertebraeExpected: expected.map(\.description), vertebraeReported: report.vertebrae.map(\.label),
                    vertebraeCorrect: correct, allNamedCorrectly: allRight, allNamedAsTruth: allStrict,
                    anomalyFindings: anomalyFindings, flagged: flagged,
                    segmentalAnglesDeg: report.alignment.segmentalAnglesDeg.mapValues { ($0 * 100).rounded() / 100 },
                    lumbosacralHeightLoss: truth.parameters.discs.first { $0.level.lower == .s1 }?.heightLossFraction
                        ?? 0,
                    lumbosacralMarginRatio: Self.lumbosacralMarginRatio(report.discs),
                    transverseProcessHeightsMM: Dictionary(
                        report.vertebrae.compactMap { v in
                            v.transverseProcesses?.map(\.heightMM).max().map { (v.label, ($0 * 10).rounded() / 10) }
                        }
                    ) { a, _ in a },
                    canalLevels: levels,
                    canalCorrect: canalRight,
                    canalMismatches: mismatches, canalAxialLevels: axialLevels, canalSagittalCorrect: sagittalRight,
                    canal: canalScores, foramina: foramina, seconds: Date().timeIntervalSince(started)))
            FileHandle.standardError.write(
                Data(
                    "seed \(seed) (\(truth.anomaly.rawValue)\(flagged ? ", flagged" : "")): mean Dice \(String(format: "%.3f", meanDice)), vertebrae \(allRight ? "all named" : "NOT all named") (\(report.vertebrae.map(\.label).joined(separator: " "))), canal \(canalRight)/\(levels) (\(axialLevels) on axial stacks; sagittal estimate alone \(sagittalRight)/\(levels))\n"
                        .utf8))
        }
        return output(studies, model: model?.name ?? "none (truth label maps)")
    }

    func output(_ studies: [StudyScore], model: String) -> EvaluationOutput {
        // On the truth label maps no axial model runs.
        let axialUsed = options.labels == .truth ? "none" : options.axialModel
        let names = StructureClass.allCases.map(\.name)
        var perClass: [String: Double] = [:]
        for n in names {
            let v = studies.compactMap { $0.dice[n] }
            if !v.isEmpty { perClass[n] = v.reduce(0, +) / Double(v.count) }
        }
        let meanDice = perClass.values.reduce(0, +) / Double(max(perClass.count, 1))
        let normal = studies.filter { $0.anomaly == EnumerationAnomaly.none.rawValue }
        let named = normal.filter(\.allNamedCorrectly).count
        let levels = studies.reduce(0) { $0 + $1.canalLevels }, right = studies.reduce(0) { $0 + $1.canalCorrect }
        let axialLevels = studies.reduce(0) { $0 + $1.canalAxialLevels }
        let sagittalRight = studies.reduce(0) { $0 + $1.canalSagittalCorrect }
        var table =
            "phantom evaluation: model \(model), \(options.contrast), seeds \(options.seeds) (\(studies.count) studies)\n"
        table += "class                      mean Dice\n"
        for n in names {
            table +=
                n.padding(toLength: 27, withPad: " ", startingAt: 0)
                + (perClass[n].map { String(format: "%.4f", $0) } ?? "-") + "\n"
        }
        table += String(format: "mean over %d classes       %.4f\n", perClass.count, meanDice)
        table += "studies without enumeration anomaly with every vertebra named correctly: \(named)/\(normal.count)\n"
        // Per anomaly kind: naming (thoracic names by count), naming as the truth, and the flag rate (on studies
        // without an anomaly, the false-flag rate).
        var perAnomaly: [AnomalyScore] = []
        for kind in EnumerationAnomaly.allCases {
            let of = studies.filter { $0.anomaly == kind.rawValue }
            guard !of.isEmpty else { continue }
            perAnomaly.append(
                AnomalyScore(
                    anomaly: kind.rawValue, studies: of.count, namedCorrectly: of.filter(\.allNamedCorrectly).count,
                    namedAsTruth: of.filter(\.allNamedAsTruth).count, flagged: of.filter(\.flagged).count))
        }
        table += "anomaly            studies  named (thoracic by count)  named as truth  flagged\n"
        for a in perAnomaly {
            func pct(_ n: Int) -> String {
                "\(n)/\(a.studies) (\(String(format: "%.0f", 100 * Double(n) / Double(a.studies)))%)"
            }
            table +=
                a.anomaly.padding(toLength: 19, withPad: " ", startingAt: 0)
                + String(a.studies).padding(toLength: 9, withPad: " ", startingAt: 0)
                + pct(a.namedCorrectly).padding(toLength: 27, withPad: " ", startingAt: 0)
                + pct(a.namedAsTruth).padding(toLength: 16, withPad: " ", startingAt: 0)
                + pct(a.flagged) + (a.anomaly == EnumerationAnomaly.none.rawValue ? " (false flags)" : "") + "\n"
        }
        table += String(
            format: "central canal grade correct: %d/%d levels (%.1f%%); %d levels graded on axial stacks (model %@)\n",
            right, levels, levels > 0 ? 100 * Double(right) / Double(levels) : 0, axialLevels,
            axialUsed)
        table += String(
            format: "  sagittal estimate alone: %d/%d levels (%.1f%%)\n", sagittalRight, levels,
            levels > 0 ? 100 * Double(sagittalRight) / Double(levels) : 0)
        let foraminal = ForaminalSummary(studies.flatMap(\.foramina))
        table += String(
            format: "foramina (lumbar, closed in the truth): %d/%d measured; median |height error| %@ mm, "
                + "median |area error| %@ %%; Lee-proxy grade correct %d/%d\n",
            foraminal.measured, foraminal.foramina,
            foraminal.medianHeightErrorMM.map { String(format: "%.2f", $0) } ?? "-",
            foraminal.medianAreaErrorPercent.map { String(format: "%.1f", $0) } ?? "-", foraminal.gradeCorrect,
            foraminal.measured)
        struct Doc: Encodable {
            var task = "phantom", model: String, contrast: String, seeds: String
            var meanDicePerClass: [String: Double], meanDice: Double
            var studiesWithoutAnomaly: Int, studiesAllNamedCorrectly: Int
            var canalLevels: Int, canalCorrect: Int
            var axialModel: String, canalAxialLevels: Int, canalSagittalCorrect: Int
            var labels: String, forcedAnomaly: String?, perAnomaly: [AnomalyScore]
            var foraminal: ForaminalSummary
            var studies: [StudyScore]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json =
            (try? encoder.encode(
                Doc(
                    model: model, contrast: options.contrast, seeds: options.seeds, meanDicePerClass: perClass,
                    meanDice: meanDice, studiesWithoutAnomaly: normal.count, studiesAllNamedCorrectly: named,
                    canalLevels: levels, canalCorrect: right, axialModel: axialUsed,
                    canalAxialLevels: axialLevels, canalSagittalCorrect: sagittalRight, labels: options.labels.rawValue,
                    forcedAnomaly: options.anomaly?.rawValue, perAnomaly: perAnomaly, foraminal: foraminal,
                    studies: studies)))
            ?? Data()
        var csv = "seed,anomaly,mean_dice," + names.map { "dice_\($0)" }.joined(separator: ",")
        csv += ",all_named_correctly,all_named_as_truth,flagged,canal_levels,canal_correct\n"
        for s in studies {
            csv +=
                "\(s.seed),\(s.anomaly),\(s.meanDice),"
                + names.map { s.dice[$0].map { String($0) } ?? "" }.joined(separator: ",")
            csv += ",\(s.allNamedCorrectly),\(s.allNamedAsTruth),\(s.flagged),\(s.canalLevels),\(s.canalCorrect)\n"
        }
        return EvaluationOutput(table: table, json: json, csv: csv)
    }

    struct AnomalyScore: Encodable {
        var anomaly: String
        var studies: Int
        var namedCorrectly: Int
        var namedAsTruth: Int
        /// Studies with the right finding (for `none`: with any enumeration finding, false flags).
        var flagged: Int
    }

    /// The lumbosacral disc's mean margin height over the largest mean margin height of the lumbar discs above.
    static func lumbosacralMarginRatio(_ discs: [AnalysisReport.DiscReport]) -> Double? {
        guard let m = SpineAnalyzer.lumbosacralMargins(discs), let largest = m.largestAboveMM, largest > 0 else {
            return nil
        }
        return (m.heightMM / largest * 1000).rounded() / 1000
    }

    /// Finding codes that claim an enumeration anomaly.
    static let anomalyFindingCodes: Set<String> = ["enumeration-anomaly", "possible-transitional-vertebra"]

    /// Whether the findings name `anomaly`: L6 for six lumbar vertebrae, a transitional L5 for a sacralised one, T13
    /// for thirteen thoracic ones; for a spine without anomaly, whether any enumeration finding was raised.
    static func flagged(_ anomaly: EnumerationAnomaly, findings: [Finding]) -> Bool {
        switch anomaly {
        case .none: findings.contains { anomalyFindingCodes.contains($0.code) }
        case .sixLumbar: findings.contains { $0.code == "enumeration-anomaly" && $0.level == "L6" }
        case .sacralizedL5:
            // The transitional finding, or (on a map that names its vertebrae) the enumeration anomaly raised at a
            // lumbar vertebra above L5 sitting on the sacrum.
            findings.contains {
                $0.code == "possible-transitional-vertebra"
                    || ($0.code == "enumeration-anomaly"
                        && $0.level.flatMap(Vertebra.init(name:)).map { $0.region == .lumbar && $0 < .l5 } == true)
            }
        case .thirteenThoracic: findings.contains { $0.code == "enumeration-anomaly" && $0.level == "T13" }
        }
    }

    /// The name each truth vertebra is expected to get: lumbar and sacral vertebrae their own, thoracic ones counted
    /// cranially from the most cranial lumbar vertebra in the standard sequence (T13 → T12, T12 → T11, …).
    ///
    /// A sagittal lumbar MRI shows neither the ribs nor C2, so nothing in the image tells a thirteenth thoracic
    /// vertebra from the twelfth: the labeller counts thoracic levels from L1 (with lower confidence and a
    /// `thoracic-count-assumed` finding), and the evaluation asks for that count rather than a name no image shows.
    static func expectedNames(_ truth: [Vertebra]) -> [Vertebra: Vertebra] {
        var out: [Vertebra: Vertebra] = [:]
        for v in truth where v.region != .thoracic { out[v] = v }
        let thoracic = truth.filter { $0.region == .thoracic }.sorted(by: >)
        for (n, v) in thoracic.enumerated() { out[v] = Vertebra.t12.offsetInStandardSequence(by: -n) }
        return out
    }

    /// The seed's parameters, with the anomaly forced when given (``PhantomParameters/forcing(_:)``: every
    /// level-keyed variation keeps its place counted from the sacrum, or is dropped where the new spine has none).
    static func parameters(seed: UInt64, anomaly: EnumerationAnomaly?) throws -> PhantomParameters {
        let p = PhantomParameters(seed: seed).forcing(anomaly)
        try p.validate()
        return p
    }
}

private func distance(_ a: [Double], _ b: SIMD3<Double>) -> Double {
    guard a.count == 3 else { return .infinity }
    return (SIMD3(a[0], a[1], a[2]) - b).length
}
