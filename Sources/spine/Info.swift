import ArgumentParser
import Foundation
import SpineImaging

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every series or volume in a file, folder or zip, with its geometry.",
        discussion:
            "Prints size, spacing [mm], origin [mm, LPS], direction (row-major 3×3, LPS), axis codes, data type and value range. No patient data is printed."
    )

    @Argument(help: "A DICOM file, folder or .zip; a NIfTI (.nii, .nii.gz), MetaImage (.mha, .mhd), PNG or JPEG file.")
    var path: String

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    @Option(help: "For 4D NIfTI: which volume (0-based).")
    var volume = 0

    func run() throws {
        try runReportingErrors {
            let items = try ImageReader.open(path: path, volumeIndex: volume)
            // A series that fails to decode is reported and the others still listed; the exit code says so.
            var reports: [VolumeReport] = []
            var firstFailure: ImagingError?
            for item in items {
                do {
                    reports.append(VolumeReport(item: item, volume: try item.load()))
                } catch let e as ImagingError {
                    let e = e.inFile(path)
                    firstFailure = firstFailure ?? e
                    reports.append(VolumeReport(item: item, error: e))
                }
            }
            defer {
                if let firstFailure, items.count > 1 {
                    FileHandle.standardError.write(Data("spine: error: \(firstFailure.description)\n".utf8))
                }
            }
            if json {
                let doc = InfoDocument(path: path, volumes: reports)
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try enc.encode(doc), as: UTF8.self))
            } else {
                print("\(path): \(reports.count) \(reports.count == 1 ? "volume" : "volumes")")
                for r in reports { r.printText() }
            }
            if let firstFailure {
                if items.count == 1 { throw firstFailure }
                throw ExitCode(spineExitCode(for: firstFailure.code))
            }
        }
    }
}

struct InfoDocument: Encodable {
    let path: String
    let volumes: [VolumeReport]
}

struct VolumeReport: Encodable {
    let identifier: String
    let format: String
    let modality: String?
    let description: String?
    let size: [Int]
    let spacing: [Double]
    let origin: [Double]
    let direction: [[Double]]
    let axisCodes: String
    let dataType: String?
    let valueRange: [Double]?
    let warnings: [String]
    /// Why the voxels could not be read (the geometry comes from the headers).
    let error: String?

    /// A report for a loaded volume, or for one whose voxels failed to load (geometry from the headers).
    init(item: ImageItem, volume: AnyVolume) {
        self.init(item: item, geometry: volume.geometry, volume: volume, error: nil)
    }
    init(item: ImageItem, error: ImagingError) {
        self.init(item: item, geometry: item.geometry, volume: nil, error: error)
    }

    private init(item: ImageItem, geometry g: ImageGeometry, volume: AnyVolume?, error: ImagingError?) {
        identifier = item.identifier
        format = item.format.rawValue
        modality = item.modality
        description = item.description
        size = [g.size.x, g.size.y, g.size.z]
        spacing = [g.spacing.x, g.spacing.y, g.spacing.z]
        origin = [g.origin.x, g.origin.y, g.origin.z]
        direction = g.direction.rows
        axisCodes = g.axisCodes.description
        dataType = volume?.dataType.rawValue
        valueRange = volume?.valueRange.map { [$0.min, $0.max] }
        warnings = item.warnings
        self.error = error?.description
    }

    func printText() {
        func f(_ v: [Double], _ digits: Int = 4) -> String {
            v.map { String(format: "%.\(digits)g", $0) }.joined(separator: " × ")
        }
        print("- \(identifier)")
        print(
            "    format:    \(format)\(modality.map { ", modality \($0)" } ?? "")\(description.map { ", \"\($0)\"" } ?? "")"
        )
        print("    size:      \(size.map(String.init).joined(separator: " × ")) voxels")
        print("    spacing:   \(f(spacing)) mm")
        print("    origin:    (\(origin.map { String(format: "%.2f", $0) }.joined(separator: ", "))) mm LPS")
        print(
            "    direction: \(direction.map { "[" + $0.map { String(format: "%.4f", $0) }.joined(separator: " ") + "]" }.joined(separator: " "))  (\(axisCodes))"
        )
        if let error { print("    error:     \(error)") }
        if let dataType {
            print(
                "    type:      \(dataType)\(valueRange.map { ", values \(String(format: "%g", $0[0]))…\(String(format: "%g", $0[1]))" } ?? "")"
            )
        }
        for w in warnings { print("    warning:   \(w)") }
    }
}
