import ArgumentParser
import Foundation
import SpineAnalysis
import SpineImaging
import SpinePipeline

struct Evaluate: ParsableCommand {
    enum Task: String, ExpressibleByArgument, CaseIterable {
        case segmentation, labelling, detection, classification, grading, phantom, heldout
    }

    static let configuration = CommandConfiguration(
        abstract:
            "Score predictions against the truth: segmentation, vertebra labelling, detection, classification or grading.",
        discussion: """
            Prints a table; with --out DIR also writes DIR/metrics.json and DIR/metrics.csv (atomically: the folder is
            filled beside DIR and swapped in only when complete).

            --task segmentation   P, T: label maps (NIfTI, MetaImage or DICOM) on the same grid (same size, corners within
                                  1% of a voxel; otherwise an error). Per label value: Dice, IoU, HD95 [mm], ASSD [mm],
                                  Hausdorff [mm]. Surfaces are boundary voxels (6-connectivity); HD95 is the 95th
                                  percentile of the pooled distances of both directions and ASSD the mean of the two
                                  directed means, as MedPy defines them. --classes names the labels (default spinekit).
            --task labelling      P, T: instance label maps (VerSe/SPINEPS numbering by default, --classes verse). VerSe
                                  identification rate (a true vertebra is identified when its predicted centroid is within
                                  20 mm and no other true centroid is nearer) and localisation error [mm] (mean centroid
                                  distance over vertebrae in both). Only labels the class map names as vertebrae count;
                                  with a map that names none, every label counts.
            --task classification P: CSV "id,score" (score: any real, higher = more likely positive); T: CSV "id,label"
                                  (1/0, true/false, yes/no, positive/negative). AUROC with a stratified percentile
                                  bootstrap 95% CI (--resamples, --seed).
            --task grading        P, T: CSV "id,grade"; grades are integers or none/mild/moderate/severe (0–3).
                                  Quadratically weighted Cohen's kappa (linear and unweighted too), confusion matrix
                                  (rows truth, columns prediction), accuracy.
            --task detection      P, T: JSON arrays of boxes, [{"image": "case1", "label": "L4-L5",
                                  "box": [xMin, yMin, xMax, yMax], "score": 0.93}, ...] (no "score" in T). COCO
                                  101-point average precision per class and mAP at --iou (default 0.5).
            --task phantom        No files: synthetic studies from --seeds (never used in training) are generated, segmented
                                  by --model on --contrast, and analysed. Per class Dice on the sagittal grid (mean over
                                  the 11 classes), vertebra naming (every truth vertebra named within 20 mm of its centre,
                                  on studies without anomalies) and central canal grade per lumbar level (dural sac area
                                  grade: < 100 mm² relative, < 75 mm² absolute stenosis, as the phantom's truth grades).
                                  --labels truth analyses the phantom's own label map instead (labelling alone, no
                                  model); --anomaly KIND forces every study's enumeration anomaly. Per anomaly kind:
                                  studies named right (thoracic names as counted from L1: no image shows T13 apart
                                  from T12), named as the truth, and flagged (the finding naming the anomaly; on
                                  studies without one, any enumeration finding: false flags).
            --task heldout        No files: --model scored on the held-out validation cases of training --recipe in --data
                                  (every recipe.validationEvery-th case), classes matched by name, in the recipe's frame.
            CSV files: one header line is allowed (skipped when its second field is not a value); blank lines and lines
            starting with # are ignored; every id must appear once in each file, and in both.
            """)

    @Option(help: "What to evaluate: \(Task.allCases.map(\.rawValue).joined(separator: "|")).")
    var task: Task

    @Option(name: .customLong("pred"), help: "Prediction file (format per task, see below).")
    var predictionPath: String?

    @Option(name: .customLong("truth"), help: "Truth file (same format as the prediction).")
    var truthPath: String?

    @OptionGroup var modelOptions: ModelEvaluationOptions

    var prediction: String { predictionPath ?? "" }
    var truth: String { truthPath ?? "" }

    @Option(help: "Class map for label names (segmentation, labelling): a preset or a JSON file.")
    var classes: String?

    @Option(help: "Output folder for metrics.json and metrics.csv.")
    var out: String?

    @Option(help: "IoU threshold for detection.")
    var iou = 0.5

    @Option(help: "Bootstrap resamples for the AUROC interval.")
    var resamples = 2000

    @Option(help: "Seed of the bootstrap.")
    var seed: UInt64 = 42

    @Flag(help: "Segmentation: Dice and IoU only (no surface distances).")
    var noDistances = false

    func validate() throws {
        guard iou > 0, iou <= 1 else { throw ValidationError("--iou must be in (0, 1]") }
        guard resamples > 0 else { throw ValidationError("--resamples must be positive") }
        if task != .phantom, task != .heldout, predictionPath == nil || truthPath == nil {
            throw ValidationError("--task \(task.rawValue) needs --pred and --truth")
        }
    }

    func run() throws {
        try runReportingErrors {
            if let out { try requireParentFolder(of: out) }
            let result: EvaluationOutput
            switch task {
            case .segmentation: result = try segmentation()
            case .labelling: result = try labelling()
            case .classification: result = try classification()
            case .grading: result = try grading()
            case .detection: result = try detection()
            case .phantom: result = try PhantomEvaluation(options: modelOptions).run()
            case .heldout: result = try HeldOutEvaluation(options: modelOptions).run()
            }
            print(result.table, terminator: result.table.hasSuffix("\n") ? "" : "\n")
            if let out {
                try writeFolderAtomically(out) { dir in
                    try result.json.write(to: dir.appendingPathComponent("metrics.json"))
                    try Data(result.csv.utf8).write(to: dir.appendingPathComponent("metrics.csv"))
                }
                print("wrote \(out)/metrics.json and metrics.csv")
            }
        }
    }

    // MARK: - Tasks

    func readLabels(_ path: String) throws -> Volume<Int32> {
        let (v, _) = try ImageReader.readVolume(path: path)
        if v.dataType.isFloatingPoint, let r = v.valueRange, r.min.rounded() != r.min || r.max.rounded() != r.max {
            throw ImagingError(.unsupported, "label map has fractional values: expected integer labels", file: path)
        }
        return v.converted(to: Int32.self)
    }

    func checkGrids(_ p: Volume<Int32>, _ t: Volume<Int32>) throws {
        if let why = p.geometry.gridMismatch(with: t.geometry) {
            throw ImagingError(
                .invalidArgument,
                "prediction and truth grids differ (\(why)); resample the prediction onto the truth grid first",
                file: prediction)
        }
    }

    func segmentation() throws -> EvaluationOutput {
        let classMap = try ClassMap.resolve(classes ?? "spinekit")
        let p = try readLabels(prediction), t = try readLabels(truth)
        try checkGrids(p, t)
        let scores = try SegmentationEvaluation.evaluate(
            prediction: p, truth: t, classMap: classMap, surfaceDistances: !noDistances)
        let inTruth = scores.filter { $0.truthVoxels > 0 }
        func mean(_ k: KeyPath<LabelScores, Double?>) -> Double? {
            let v = inTruth.compactMap { $0[keyPath: k] }
            return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
        }
        struct Doc: Encodable {
            var task = "segmentation", prediction: String, truth: String, classMap: String
            var labels: [LabelScores]
            var meanOverTruthLabels: [String: Double?]
        }
        let means: [String: Double?] = [
            "dice": mean(\.dice), "iou": mean(\.iou), "hausdorff95MM": mean(\.hausdorff95MM),
            "averageSymmetricSurfaceDistanceMM": mean(\.averageSymmetricSurfaceDistanceMM),
        ]
        var table = [
            row(
                ["label", "name", "truth vx", "pred vx", "Dice", "IoU", "HD95 [mm]", "ASSD [mm]", "HD [mm]"],
                widths: Self.segWidths)
        ]
        var csv = ["label,name,truth_voxels,prediction_voxels,dice,iou,hd95_mm,assd_mm,hausdorff_mm"]
        for s in scores {
            table.append(
                row(
                    [
                        String(s.label), s.name ?? "", String(s.truthVoxels), String(s.predictionVoxels), f(s.dice),
                        f(s.iou),
                        f(s.hausdorff95MM, 2), f(s.averageSymmetricSurfaceDistanceMM, 2), f(s.hausdorffMM, 2),
                    ], widths: Self.segWidths))
            csv.append(
                [
                    String(s.label), s.name ?? "", String(s.truthVoxels), String(s.predictionVoxels), c(s.dice),
                    c(s.iou),
                    c(s.hausdorff95MM), c(s.averageSymmetricSurfaceDistanceMM), c(s.hausdorffMM),
                ].joined(separator: ","))
        }
        table.append(
            row(
                [
                    "mean", "(\(inTruth.count) in truth)", "", "", f(means["dice"]!), f(means["iou"]!),
                    f(means["hausdorff95MM"]!, 2),
                    f(means["averageSymmetricSurfaceDistanceMM"]!, 2), "",
                ], widths: Self.segWidths))
        let missing = scores.filter { $0.truthVoxels > 0 && $0.predictionVoxels == 0 }.map { String($0.label) }
        if !missing.isEmpty { table.append("missed (in truth, not predicted): \(missing.joined(separator: ", "))") }
        let doc = Doc(
            prediction: prediction, truth: truth, classMap: classMap.identifier, labels: scores,
            meanOverTruthLabels: means)
        return EvaluationOutput(
            table: table.joined(separator: "\n"), json: try encode(doc), csv: csv.joined(separator: "\n") + "\n")
    }
    static let segWidths = [6, 22, 9, 9, 8, 8, 10, 10, 9]

    func labelling() throws -> EvaluationOutput {
        let classMap = try ClassMap.resolve(classes ?? "verse")
        let p = try readLabels(prediction), t = try readLabels(truth)
        try checkGrids(p, t)
        let vertebraLabels = Set(
            classMap.labels.compactMap { key, meaning -> Int? in
                if case .vertebra = meaning { return key }
                if case .vertebraByPosition = meaning { return key }
                return nil
            })
        let include: (Int) -> Bool = vertebraLabels.isEmpty ? { _ in true } : { vertebraLabels.contains($0) }
        let s = try VertebraIdentification.evaluate(
            prediction: p, truth: t, include: include, names: { classMap.meaning(of: $0)?.description })
        guard s.truthCount > 0 else {
            throw ImagingError(
                .invalidArgument,
                "the truth has no vertebra labels under class map \(classMap.identifier); choose the right --classes",
                file: truth)
        }
        var table = [row(["label", "name", "dist [mm]", "identified", "nearest"], widths: [6, 8, 10, 11, 8])]
        var csv = ["label,name,distance_mm,identified,nearest_truth_label"]
        for e in s.entries {
            table.append(
                row(
                    [
                        String(e.label), e.name ?? "", f(e.distanceMM, 2), e.identified ? "yes" : "no",
                        e.nearestTruthLabel.map(String.init) ?? "",
                    ], widths: [6, 8, 10, 11, 8]))
            csv.append(
                "\(e.label),\(e.name ?? ""),\(c(e.distanceMM)),\(e.identified),\(e.nearestTruthLabel.map(String.init) ?? "")"
            )
        }
        table.append(
            "identification rate: \(s.identifiedCount)/\(s.truthCount) = \(f(s.identificationRate, 4)); localisation error: \(f(s.localisationErrorMM, 2)) mm (within \(Int(s.maxDistanceMM)) mm, VerSe)"
        )
        if !s.extraPredictions.isEmpty {
            table.append("predicted but not in truth: \(s.extraPredictions.map(String.init).joined(separator: ", "))")
        }
        struct Doc: Encodable {
            var task = "labelling", prediction: String, truth: String, classMap: String, scores: IdentificationScores
        }
        return EvaluationOutput(
            table: table.joined(separator: "\n"),
            json: try encode(Doc(prediction: prediction, truth: truth, classMap: classMap.identifier, scores: s)),
            csv: csv.joined(separator: "\n") + "\n")
    }

    func classification() throws -> EvaluationOutput {
        let scores = try readKeyedCSV(prediction, what: "score") { Double($0) }
        let labels = try readKeyedCSV(truth, what: "label") { v -> Bool? in
            switch v.lowercased() {
            case "1", "true", "yes", "positive", "pos": true
            case "0", "false", "no", "negative", "neg": false
            default: nil
            }
        }
        let ids = try pairedIDs(scores.map(\.0), labels.map(\.0))
        let s = Dictionary(uniqueKeysWithValues: scores), l = Dictionary(uniqueKeysWithValues: labels)
        guard
            let r = ROCAnalysis.aurocWithBootstrap(
                scores: ids.map { s[$0]! }, labels: ids.map { l[$0]! }, resamples: resamples, seed: seed)
        else {
            throw ImagingError(
                .invalidArgument, "AUROC needs both positive and negative cases in the truth", file: truth)
        }
        let table = """
            cases: \(ids.count) (\(r.positives) positive, \(r.negatives) negative)
            AUROC: \(f(r.auroc, 4))  95% CI [\(f(r.lower, 4)), \(f(r.upper, 4))] (stratified percentile bootstrap, \(r.resamples) resamples, seed \(r.seed))
            """
        struct Doc: Encodable { var task = "classification", prediction: String, truth: String, roc: ROCResult }
        let csv =
            "metric,value\nauroc,\(c(r.auroc))\nci_lower,\(c(r.lower))\nci_upper,\(c(r.upper))\npositives,\(r.positives)\nnegatives,\(r.negatives)\n"
        return EvaluationOutput(
            table: table, json: try encode(Doc(prediction: prediction, truth: truth, roc: r)), csv: csv)
    }

    func grading() throws -> EvaluationOutput {
        func grade(_ v: String) -> Int? {
            switch v.lowercased() {
            case "none", "normal": 0
            case "mild": 1
            case "moderate": 2
            case "severe": 3
            default: Int(v)
            }
        }
        let p = try readKeyedCSV(prediction, what: "grade", grade), t = try readKeyedCSV(truth, what: "grade", grade)
        let ids = try pairedIDs(p.map(\.0), t.map(\.0))
        let pd = Dictionary(uniqueKeysWithValues: p), td = Dictionary(uniqueKeysWithValues: t)
        let tv = ids.map { td[$0]! }, pv = ids.map { pd[$0]! }
        let lo = min(tv.min()!, pv.min()!), hi = max(tv.max()!, pv.max()!)
        let m = ConfusionMatrix(truth: tv, prediction: pv, categories: Array(lo...hi))
        let q = CohenKappa.kappa(m, weighting: .quadratic), lin = CohenKappa.kappa(m, weighting: .linear),
            u = CohenKappa.kappa(m, weighting: .unweighted)
        let table = """
            cases: \(ids.count), grades \(lo)…\(hi)
            quadratically weighted kappa: \(f(q, 4))  (linear \(f(lin, 4)), unweighted \(f(u, 4))); accuracy \(f(m.accuracy, 4))
            confusion matrix (rows truth, columns prediction):
            \(m.table)
            """
        struct Doc: Encodable {
            var task = "grading", prediction: String, truth: String, cases: Int
            var quadraticKappa: Double?, linearKappa: Double?, unweightedKappa: Double?, accuracy: Double?
            var confusion: ConfusionMatrix
        }
        var csv = [
            "metric,value", "quadratic_kappa,\(c(q))", "linear_kappa,\(c(lin))", "unweighted_kappa,\(c(u))",
            "accuracy,\(c(m.accuracy))",
        ]
        for (r, a) in m.categories.enumerated() {
            for (k, b) in m.categories.enumerated() { csv.append("confusion_truth\(a)_pred\(b),\(m.counts[r][k])") }
        }
        let doc = Doc(
            prediction: prediction, truth: truth, cases: ids.count, quadraticKappa: q, linearKappa: lin,
            unweightedKappa: u, accuracy: m.accuracy, confusion: m)
        return EvaluationOutput(table: table, json: try encode(doc), csv: csv.joined(separator: "\n") + "\n")
    }

    func detection() throws -> EvaluationOutput {
        struct FileBox: Decodable { var image: String; var label: String; var box: [Double]; var score: Double? }
        func read(_ path: String, needScore: Bool) throws -> [FileBox] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ImagingError(.fileNotFound, "no such file", file: path)
            }
            guard let boxes = try? JSONDecoder().decode([FileBox].self, from: data) else {
                throw ImagingError(
                    .malformed,
                    "expected a JSON array of {\"image\", \"label\", \"box\": [xMin, yMin, xMax, yMax]\(needScore ? ", \"score\"" : "")}",
                    file: path)
            }
            for (n, b) in boxes.enumerated() {
                guard b.box.count == 4, b.box.allSatisfy(\.isFinite), b.box[2] >= b.box[0], b.box[3] >= b.box[1] else {
                    throw ImagingError(
                        .malformed, "box \(n): expected [xMin, yMin, xMax, yMax] with xMax ≥ xMin and yMax ≥ yMin",
                        file: path)
                }
                if needScore, !(b.score?.isFinite ?? false) {
                    throw ImagingError(.malformed, "box \(n) has no finite \"score\"", file: path)
                }
            }
            return boxes
        }
        func box(_ b: FileBox) -> Box2D { Box2D(xMin: b.box[0], yMin: b.box[1], xMax: b.box[2], yMax: b.box[3]) }
        let d = try read(prediction, needScore: true).map {
            DetectedBox(image: $0.image, label: $0.label, box: box($0), score: $0.score!)
        }
        let t = try read(truth, needScore: false).map { TruthBox(image: $0.image, label: $0.label, box: box($0)) }
        guard !t.isEmpty else { throw ImagingError(.invalidArgument, "the truth has no boxes", file: truth) }
        let s = AveragePrecision.evaluate(detections: d, truth: t, iouThreshold: iou)
        let w = [16, 8, 8, 8, 8]
        var table = [row(["class", "truth", "dets", "TP", "AP"], widths: w)]
        var csv = ["class,truth_boxes,detections,true_positives,average_precision"]
        for cs in s.classes {
            table.append(
                row(
                    [
                        cs.label, String(cs.truthCount), String(cs.detectionCount), String(cs.truePositives),
                        f(cs.averagePrecision, 4),
                    ], widths: w))
            csv.append(
                "\(cs.label),\(cs.truthCount),\(cs.detectionCount),\(cs.truePositives),\(c(cs.averagePrecision))")
        }
        table.append("mAP@\(iou): \(f(s.meanAveragePrecision, 4)) (COCO 101-point, \(s.classes.count) classes)")
        if s.detectionsOfUnknownClasses > 0 {
            table.append("\(s.detectionsOfUnknownClasses) detections of classes absent from the truth were not scored")
        }
        csv.append("mAP,,,,\(c(s.meanAveragePrecision))")
        struct Doc: Encodable { var task = "detection", prediction: String, truth: String, scores: DetectionScores }
        return EvaluationOutput(
            table: table.joined(separator: "\n"),
            json: try encode(Doc(prediction: prediction, truth: truth, scores: s)),
            csv: csv.joined(separator: "\n") + "\n")
    }

    // MARK: - Helpers

    /// Reads "id,value" rows; one header row allowed; ids unique.
    func readKeyedCSV<V>(_ path: String, what: String, _ parse: (String) -> V?) throws -> [(String, V)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImagingError(.fileNotFound, "no such file", file: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ImagingError(.malformed, "not UTF-8 text", file: path)
        }
        var rows: [(String, V)] = []
        var seen: Set<String> = []
        var first = true
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            defer { first = false }
            guard fields.count >= 2 else {
                throw ImagingError(.malformed, "line \(n + 1): expected \"id,\(what)\"", file: path)
            }
            guard let v = parse(fields[1]) else {
                if first { continue }  // header
                throw ImagingError(.malformed, "line \(n + 1): \(what) \"\(fields[1])\" is not valid", file: path)
            }
            guard seen.insert(fields[0]).inserted else {
                throw ImagingError(.malformed, "line \(n + 1): id \"\(fields[0])\" appears twice", file: path)
            }
            rows.append((fields[0], v))
        }
        guard !rows.isEmpty else { throw ImagingError(.noImageData, "no rows", file: path) }
        return rows
    }

    /// The ids of the truth, in its order; every one must be predicted and nothing else.
    func pairedIDs(_ predicted: [String], _ truthIDs: [String]) throws -> [String] {
        let p = Set(predicted), t = Set(truthIDs)
        let missing = truthIDs.filter { !p.contains($0) }, extra = predicted.filter { !t.contains($0) }
        guard missing.isEmpty, extra.isEmpty else {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(missing.count) truth ids not predicted (first: \(missing[0]))") }
            if !extra.isEmpty { parts.append("\(extra.count) predicted ids not in the truth (first: \(extra[0]))") }
            throw ImagingError(
                .invalidArgument, "prediction and truth ids differ: " + parts.joined(separator: "; "), file: prediction)
        }
        return truthIDs
    }

    func f(_ v: Double?, _ digits: Int = 4) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "-" }
    func c(_ v: Double?) -> String { v.map { String(format: "%.6f", $0) } ?? "" }
    func row(_ cells: [String], widths: [Int]) -> String {
        zip(cells, widths).map { cell, w in
            cell.count >= w ? cell + " " : cell + String(repeating: " ", count: w - cell.count)
        }.joined()
    }
    func encode<T: Encodable>(_ v: T) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try enc.encode(v)
    }
}

/// What an evaluation prints and writes.
struct EvaluationOutput {
    var table: String
    var json: Data
    var csv: String
}
