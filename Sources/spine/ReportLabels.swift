import ArgumentParser
import Foundation
import SpineAnalysis
import SpineImaging

struct ReportLabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report-labels",
        abstract: "Mine per-level labels from a free-text English lumbar MRI report.",
        discussion: """
            Reads a plain-text report (UTF-8; "-" reads standard input) and prints JSON:
              {"levels": [{"level": "L4-L5", "centralCanal": "moderate",
                           "foraminal": {"left": "mild", "right": "severe"}, "subarticular": {"unspecifiedSide": "mild"},
                           "listhesis": {"present": true, "kind": "anterolisthesis", "grade": 1},
                           "disc": [{"kind": "bulge", "present": true}]}, ...],
               "unassigned": {...}}
            Severities: none (negated: "no stenosis", "patent"), present (stated without a grade), mild, moderate, severe.
            A key is absent when the report says nothing about it. "unassigned" holds statements tied to no level.
            Rules (negation scope, level carry-over, ranges like "L3 to L5") are documented in SpineAnalysis.ReportMiner.
            """)

    @Argument(help: "Report text file, or - for standard input.")
    var file: String

    @Option(help: "Also write the JSON to this file (atomically).")
    var out: String?

    func run() throws {
        try runReportingErrors {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard FileManager.default.fileExists(atPath: file) else {
                    throw ImagingError(.fileNotFound, "no such file", file: file)
                }
                guard let d = FileManager.default.contents(atPath: file) else {
                    throw ImagingError(.unreadable, "cannot read the file", file: file)
                }
                data = d
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ImagingError(.malformed, "not UTF-8 text", file: file)
            }
            let labels = ReportMiner.labels(from: text)
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let json = try enc.encode(labels)
            if let out {
                do { try json.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                    throw ImagingError(.writeFailed, "cannot write: \(error.localizedDescription)", file: out)
                }
            }
            print(String(decoding: json, as: UTF8.self))
        }
    }
}
