import ArgumentParser
import Foundation
import SpineImaging

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert any readable input to NIfTI (.nii, .nii.gz) or MetaImage (.mha, .mhd).",
        discussion:
            "The output is written atomically: on failure nothing is left behind and an existing file is untouched.")

    @Argument(help: "A DICOM file, folder or .zip; NIfTI, MetaImage, PNG or JPEG.")
    var input: String

    @Argument(help: "Output path; the extension chooses the format (.nii, .nii.gz, .mha, .mhd).")
    var output: String

    @Option(help: "Which series to convert when the input holds several (identifier from `spine info`).")
    var series: String?

    @Option(help: "For 4D NIfTI input: which volume (0-based).")
    var volume = 0

    func run() throws {
        try runReportingErrors {
            let lower = output.lowercased()
            guard [".nii", ".nii.gz", ".mha", ".mhd"].contains(where: { lower.hasSuffix($0) }) else {
                throw ImagingError(.invalidArgument, "output must end in .nii, .nii.gz, .mha or .mhd", file: output)
            }
            let (v, item) = try ImageReader.readVolume(path: input, series: series, volumeIndex: volume)
            if lower.hasSuffix(".mha") || lower.hasSuffix(".mhd") {
                try MetaImage.write(v, to: output)
            } else {
                try NIfTI.write(v, to: output)
            }
            let g = v.geometry
            print(
                "wrote \(output): \(g.size.x)×\(g.size.y)×\(g.size.z) \(v.dataType.rawValue), \(g.axisCodes) (from \(item.format.rawValue) \(item.identifier))"
            )
            for w in item.warnings { print("warning: \(w)") }
        }
    }
}
