import ArgumentParser
import Foundation
import SpineAnalysis
import SpineImaging
import SpinePipeline

/// `spine analyze`: a study (or a label map) in, every output of SpineKit out, written atomically.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse a spine study: segment (or take a label map), name, measure and grade every level.",
        discussion: """
            INPUT is a DICOM folder or zip, a NIfTI or MetaImage image, or a label map (integer labels, background 0,
            few distinct values) to only measure. No trained segmentation model ships yet (`spine models`), so an
            image needs --labels LABELMAP: a label map drawn on it (resampled onto the image's grid if it is not on it).
            Writes into DIR: report.json (analysis schema \(AnalysisReport.schemaVersion) + inputs + timings [ms]),
            measurements.csv, report.html, segmentation.nii.gz (classes) or instances.nii.gz (VerSe instances) on the
            input's grid, and segmentation.dcm (DICOM SEG) when the image is a DICOM series and the labels are SpineKit
            classes. DIR is written atomically: a temporary folder beside it replaces it only when complete.
            A DICOM study's series are classified by plane, modality and contrast: the sagittal MR series is segmented
            (T2 preferred, then T1, then STIR) and each axial stack is paired with the disc levels it crosses
            (report.json inputs.series). Files that cannot be read are skipped with a warning on stderr.
            Progress goes to stderr on a terminal only. Exit codes as `spine --help`; 5: image given and no model, or
            a study the MRI pipeline cannot segment (no MR series, e.g. CT or a radiograph; no spine or sagittal
            series; a single slice).
            """)

    @Argument(help: "DICOM folder/zip, NIfTI or MetaImage image, or a label map.")
    var input: String

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "A label map drawn on INPUT (NIfTI, MetaImage or DICOM).")
    var labels: String?

    @Option(help: "Series Instance UID to use when a DICOM folder holds several (see `spine info`).")
    var series: String?

    @Option(help: "Segmentation model name (see `spine models`).")
    var model: String?

    @Option(
        help:
            "A second model that decides its own classes over --model's, or none. Default with no --model: \(ModelRegistry.defaultModel) refined by \(ModelRegistry.defaultRefiner) (bodies, discs) when both are installed."
    )
    var refineWith: String?

    @Option(
        help:
            "Model that segments the axial stacks paired with disc levels (DICOM input), whose dural sac area then grades those levels' canal, or none. Default: \(AxialCanal.defaultModel) when installed."
    )
    var axialModel: String?

    @Option(help: "Class map: auto, a preset (\(ClassMap.presets.map(\.name).joined(separator: ", "))) or a JSON file.")
    var classes = "auto"

    @Option(help: "Threads for inference.")
    var threads: Int?

    @Option(help: "Inference precision: fp32 or bf16.")
    var precision = "fp32"

    @Flag(help: "Print report.json to stdout.")
    var json = false

    func run() throws {
        try runReportingErrors {
            try requireParentFolder(of: out)
            guard let p = StudyAnalysis.Precision(rawValue: precision) else {
                throw ImagingError(.invalidArgument, "--precision \(precision): expected fp32 or bf16")
            }
            var request = StudyAnalysis.Request(input: input)
            request.labels = labels
            request.series = series
            request.model = model
            request.refineWith = refineWith
            request.axialModel = axialModel
            request.classes = classes
            request.threads = threads
            request.precision = p
            let progress = ProgressLine(enabled: isatty(STDERR_FILENO) == 1)
            defer { progress.finish() }
            var analysis = try StudyAnalysis(request, progress: progress.show)
            var written: [String] = []
            try writeFolderAtomically(out) { dir in
                written = try analysis.write(into: dir, progress: progress.show)
            }
            progress.finish()
            // Files skipped (unreadable, corrupt): one line each; the analysis used the rest.
            for w in analysis.inputs.warnings ?? [] {
                FileHandle.standardError.write(Data("spine: warning: \(w)\n".utf8))
            }
            if json {
                FileHandle.standardOutput.write(try analysis.reportJSON())
                print()
            } else {
                let r = analysis.report
                print(
                    "wrote \(out): \(written.sorted().joined(separator: ", ")); \(r.vertebrae.count) vertebrae (\(r.vertebrae.map(\.label).joined(separator: " "))), \(r.discs.count) discs, \(r.findings.count) findings"
                )
            }
        }
    }
}

/// "analyze: read 30%" rewritten in place on a terminal; nothing otherwise.
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ phase: StudyAnalysis.Phase, _ fraction: Double) {
        guard enabled else { return }
        let percent = Int((min(max(fraction, 0), 1) * 100).rounded())
        FileHandle.standardError.write(Data("\r\u{1B}[Kspine analyze: \(phase.rawValue) \(percent)%".utf8))
        shown = true
    }

    func finish() {
        guard enabled, shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }
}

/// `spine models`: the segmentation models `spine analyze` can use.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the installed segmentation models.",
        discussion: """
            Models are folders holding plan.json and weights.safetensors (or model.onnx: `spine onnx import`), found in the folders of $\(ModelRegistry.environmentVariable)
            (colon-separated), then in the package's Models/ folder.
            """)

    func run() throws {
        let registry = ModelRegistry.standard()
        let (models, problems) = registry.scan()
        print("searched: \(registry.searchFolders.map(\.path).joined(separator: ", "))")
        if models.isEmpty { print("none installed") }
        for m in models {
            let plan = m.plan
            print(
                "\(m.name): \(plan.classNames.count) classes (\(plan.classNames.joined(separator: ", "))), patch \(plan.patchSize.map(String.init).joined(separator: "×")), axes \(plan.axisCodes ?? "image's"), spacing \(plan.spacingMM.map { $0.map { String(format: "%g", $0) }.joined(separator: "×") + " mm" } ?? "image's"), \(m.backend == .onnx ? "ONNX \(ModelBackend.onnxFile)" : "weights") \(String(format: "%.1f", Double(m.weightsBytes) / 1e6)) MB, \(m.folder.path)"
            )
            if let card = ModelCard.load(from: m.folder) { print("  \(card.summary)\n  \(card.oneLine)") }
            for line in evaluationLines(m.folder) { print("  \(line)") }
        }
        for p in problems { FileHandle.standardError.write(Data("spine: warning: \(p)\n".utf8)) }
    }
}

/// One line per `*-evaluation.json` in a model folder (written from `spine evaluate --out`): what was measured.
func evaluationLines(_ folder: URL) -> [String] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        .filter { $0.hasSuffix("-evaluation.json") }
    return names.compactMap { name in
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(name)),
            let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        if let dice = doc["dice"] as? [[String: Any]] {
            let parts = dice.compactMap { d -> String? in
                guard let n = d["name"] as? String, let v = d["dice"] as? Double else { return nil }
                return "\(n) \(String(format: "%.3f", v)) (\(d["cases"] as? Int ?? 0) cases)"
            }
            let folds = (doc["folds"] as? [Any])?.count ?? 1
            let what = folds > 1 ? "\(folds)-fold cross-validated Dice" : "Dice on the held-out cases"
            return "\(name): \(what) of recipe \(doc["recipe"] as? String ?? "?"): \(parts.joined(separator: ", "))"
        }
        if let mean = doc["meanDice"] as? Double {
            return "\(name): phantom seeds \(doc["seeds"] as? String ?? "?") (\(doc["contrast"] as? String ?? "")): mean Dice \(String(format: "%.3f", mean)), all vertebrae named on \(doc["studiesAllNamedCorrectly"] as? Int ?? 0)/\(doc["studiesWithoutAnomaly"] as? Int ?? 0) normal studies, canal grade \(doc["canalCorrect"] as? Int ?? 0)/\(doc["canalLevels"] as? Int ?? 0) levels"
        }
        return nil
    }
}
