import ArgumentParser
import Foundation
import SpineAnalysis
import SpineImaging
import SpinePhantom
import SpinePipeline

/// The built-in example: a synthetic lumbar MRI study whose every answer is known, written as DICOM and run
/// through `spine analyze` as a user's study would be, then compared with the truth.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run `spine analyze` on a built-in synthetic lumbar MRI study with known truth.",
        discussion: """
            Writes a SpinePhantom study (sagittal T1, T2 and STIR, axial T2 stacks through each lumbar disc, as DICOM)
            into DIR/study, analyses its DICOM folder exactly as `spine analyze DIR/study/dicom --out DIR/analysis`
            does (segmentation by the bundled model, levels named, measured and graded; report.html, report.json,
            measurements.csv, segmentation.nii.gz, segmentation.dcm), then compares the segmentation and the figures
            with the phantom's truth and prints the path of report.html.
            """)

    @Option(help: "Folder for the demo study and its outputs (created; an earlier demo there is replaced).")
    var out = "demo-output"

    @Option(help: "Phantom seed (each seed is a different spine).")
    var seed: UInt64 = 11

    @Option(help: "Segmentation model (see `spine models`).")
    var model: String?

    @Option(help: "Threads for inference.")
    var threads: Int?

    func run() throws {
        try runReportingErrors {
            let fm = FileManager.default
            let studyDir = (out as NSString).appendingPathComponent("study")
            try? fm.removeItem(atPath: studyDir)
            do { try fm.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                throw ImagingError(.writeFailed, "cannot create the output folder", file: out)
            }
            var options = MRStudyOptions()
            options.axialStacks = true
            let started = Date()
            let study = try MRStudy(seed: seed, options: options)
            _ = try MRStudyWriter.write(study, to: studyDir, options: options)
            let dicomDir = (studyDir as NSString).appendingPathComponent("dicom")
            print(
                "1. SpinePhantom wrote a synthetic lumbar MRI study (seed \(seed); sagittal T1/T2/STIR, \(study.axials.count) axial stacks) as DICOM to \(dicomDir) in \(seconds(since: started))"
            )

            // 2. `spine analyze` on the DICOM folder.
            let analysisStart = Date()
            var request = StudyAnalysis.Request(input: dicomDir)
            // A synthetic study: the phantom-trained model alone (the real-MRI refiner is for real images).
            request.model = model ?? ModelRegistry.defaultModel
            request.threads = threads
            var analysis = try StudyAnalysis(request)
            let analysisDir = (out as NSString).appendingPathComponent("analysis")
            var written: [String] = []
            try writeFolderAtomically(analysisDir) { dir in written = try analysis.write(into: dir) }
            let r = analysis.report
            print(
                "2. `spine analyze \(dicomDir) --out \(analysisDir)` in \(seconds(since: analysisStart)): \(analysis.inputs.labelSource); "
                    + "\(r.vertebrae.count) vertebrae (\(r.vertebrae.map(\.label).joined(separator: " "))), \(r.discs.count) discs, \(r.findings.count) findings"
            )
            print("   phases [ms]: " + analysis.timings.map { "\($0.phase) \(Int($0.ms.rounded()))" }.joined(separator: ", "))
            print("   wrote \(written.sorted().joined(separator: ", "))")

            // 3. Compare with the truth.
            if let image = analysis.image, let truthLabels = truthClassLabels(study, grid: image.geometry) {
                let scores = try SegmentationEvaluation.evaluate(
                    prediction: analysis.labels.converted(to: Int32.self), truth: truthLabels.converted(to: Int32.self),
                    labels: StructureClass.allCases.map(\.rawValue), surfaceDistances: false)
                let dice = scores.filter { $0.truthVoxels > 0 }.compactMap(\.dice)
                print(
                    String(
                        format: "3. segmentation vs the phantom's truth: mean Dice %.3f over %d classes (%@)",
                        dice.reduce(0, +) / Double(max(dice.count, 1)), dice.count,
                        scores.filter { $0.truthVoxels > 0 }.map {
                            "\(StructureClass(rawValue: $0.label)?.name ?? "\($0.label)") \(String(format: "%.2f", $0.dice ?? 0))"
                        }.joined(separator: ", ")))
            }
            let truth = Dictionary(study.truth.discs.map { ($0.level, $0) }, uniquingKeysWith: { a, _ in a })
            print("   disc        middle height [mm] (truth)   canal area [mm²] (truth)   canal grade (truth)")
            for d in r.discs {
                guard let t = truth[d.level] else { continue }
                let h = d.middleHeightMM.map { String(format: "%6.1f", $0) } ?? "     -"
                let area = d.canal.map { String(format: "%6.0f", $0.areaMM2) } ?? "     -"
                print(
                    "   " + d.level.padding(toLength: 11, withPad: " ", startingAt: 0)
                        + "\(h) (\(String(format: "%4.1f", t.middleHeightMM)))              "
                        + "\(area) (\(String(format: "%4.0f", t.duralSacAreaMM2)))           "
                        + "\(d.canal?.grade ?? "-") (\(t.centralStenosis))")
            }
            let lordosis = r.alignment.lordosisL1S1Deg.map { String(format: "%.1f°", $0) } ?? "not measurable"
            print(
                String(
                    format: "   lumbar lordosis (L1–S1): measured %@, truth %.1f°", lordosis, study.truth.lordosisDeg))
            for f in r.findings { print("   finding: \(f.message)") }
            let html = (analysisDir as NSString).appendingPathComponent(StudyAnalysis.OutputFile.html)
            print("demo done in \(seconds(since: started)); open the report: \(html)")
        }
    }

    /// The phantom's class labels of the series the analysis used (its sagittal grid), when that is the grid.
    private func truthClassLabels(_ study: MRStudy, grid: ImageGeometry) -> Volume<UInt8>? {
        let labels = study.sagittal.rendered.classLabels
        return labels.geometry.gridMismatch(with: grid) == nil ? labels : nil
    }

    private func seconds(since start: Date) -> String { String(format: "%.1f s", Date().timeIntervalSince(start)) }
}
