import ArgumentParser
import Foundation
import SpineAnalysis
import SpineImaging
import SpinePipeline

struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Measure a spine label map: named levels, heights [mm], disc height index, dural sac area [mm²], foraminal height [mm] and area [mm²], slip, lordosis, coronal Cobb angle, grades.",
        discussion: """
            Writes DIR/report.json (schema version \(AnalysisReport.schemaVersion)) and DIR/measurements.csv. The folder is written
            atomically: everything goes to a temporary folder beside it, which replaces DIR only when complete.
            Class maps: \(ClassMap.presets.map(\.name).joined(separator: ", ")), or a JSON file {"labels": {"1": "L1", ...}}.
            """)

    @Argument(help: "Label map (NIfTI, MetaImage or DICOM) with integer labels.")
    var labelMap: String

    @Option(help: "The image the label map was drawn on; its grid must match the label map's.")
    var image: String?

    @Option(help: "Class map: a preset name or a JSON file.")
    var classes = "spinekit"

    @Option(
        help:
            "Anchor for naming when the map has no names and no sacrum: the lowest visible body (e.g. L5) or disc (e.g. L5-S1)."
    )
    var lowest: String?

    @Option(help: "Output folder.")
    var out: String

    func run() throws {
        try runReportingErrors {
            try requireParentFolder(of: out)
            let classMap = try ClassMap.resolve(classes)
            let (labels, _) = try ImageReader.readVolume(path: labelMap)
            if let image {
                let (img, _) = try ImageReader.readVolume(path: image)
                let a = img.geometry, b = labels.geometry
                let cornerShift = zip(a.cornersLPS, b.cornersLPS).map { ($0 - $1).length }.max() ?? .infinity
                guard a.size == b.size, cornerShift < 0.01 * max(a.spacing.x, a.spacing.y, a.spacing.z) + 1e-3 else {
                    throw ImagingError(
                        .invalidArgument,
                        "image and label map grids differ (size \(a.size.x)×\(a.size.y)×\(a.size.z) vs \(b.size.x)×\(b.size.y)×\(b.size.z), corners up to \(String(format: "%.2f", cornerShift)) mm apart); resample the label map onto the image first",
                        file: image)
                }
            }
            var options = AnalysisOptions()
            if let lowest {
                if let v = Vertebra(name: lowest) {
                    options.anchor = .lowestVisibleBody(v)
                } else if let d = DiscLevel(name: lowest) {
                    options.anchor = .lowestVisibleDisc(d)
                } else {
                    throw ImagingError(
                        .invalidArgument, "--lowest \(lowest): expected a vertebra (L5) or a disc level (L5-S1)")
                }
            }
            let report = try SpineAnalyzer.analyze(labelMap: labels, classMap: classMap, options: options)
            try writeFolderAtomically(out) { dir in
                try report.json().write(to: dir.appendingPathComponent("report.json"))
                try Data(report.csv().utf8).write(to: dir.appendingPathComponent("measurements.csv"))
            }
            print(
                "wrote \(out)/report.json and measurements.csv: \(report.vertebrae.count) vertebrae (\(report.vertebrae.map(\.label).joined(separator: " "))), \(report.discs.count) discs, \(report.findings.count) findings"
            )
            for f in report.findings where f.severity != .info { print("finding: \(f.message)") }
        }
    }
}
