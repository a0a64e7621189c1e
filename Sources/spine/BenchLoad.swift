import ArgumentParser
import Foundation
import SpineAnalysis
import SpineImaging

/// `spine bench-load`: loads one input N times in-process and prints the median wall time and peak RSS
/// as one JSON line, so that `Benchmarks/run` can compare SpineKit with Python peers without counting
/// process start. Hidden: a measuring tool, not a user command.
struct BenchLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-load",
        abstract: "Load a study N times and print the median time [ms] and peak RSS [MB] as JSON.",
        shouldDisplay: false
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        /// A folder of DICOM files: scan, assemble the series, decode and rescale into one volume.
        case series
        /// One DICOM file: parse and decode every frame (no rescale).
        case dicom
        /// A NIfTI-1/2 file (.nii or .nii.gz): read into a volume of its stored type.
        case nifti
        /// A MetaImage file (.mha/.mhd).
        case metaimage
    }

    @Argument(help: "The file or folder to load.")
    var path: String

    @Option(help: "What PATH is: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: Kind = .series

    @Option(help: "Timed loads after one untimed warm-up load.")
    var `repeat`: Int = 10

    func validate() throws {
        guard self.repeat >= 1 else { throw ValidationError("--repeat must be at least 1") }
    }

    func run() throws {
        var checksum = try loadOnce()  // warm-up: page cache, lazy runtime metadata
        var timesMS: [Double] = []
        for _ in 0..<self.repeat {
            let start = DispatchTime.now().uptimeNanoseconds
            checksum = try loadOnce()
            timesMS.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let sorted = timesMS.sorted()
        let n = sorted.count
        let median = Percentile.median(timesMS) ?? 0
        var usage = rusage()
        #if canImport(Glibc)
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let peakRSSMB = Double(usage.ru_maxrss) / 1024  // KiB on Linux
        #else
            getrusage(RUSAGE_SELF, &usage)
            let peakRSSMB = Double(usage.ru_maxrss) / 1_048_576  // bytes on Darwin
        #endif
        let fields = [
            "\"kind\":\"\(kind.rawValue)\"", "\"repeat\":\(n)", String(format: "\"median_ms\":%.3f", median),
            String(format: "\"min_ms\":%.3f", sorted[0]), String(format: "\"max_ms\":%.3f", sorted[n - 1]),
            String(format: "\"peak_rss_mb\":%.1f", peakRSSMB), "\"checksum\":\(checksum)",
        ]
        print("{" + fields.joined(separator: ",") + "}")
    }

    /// Loads PATH once; returns a value that depends on the decoded data, so no work can be skipped.
    private func loadOnce() throws -> Int {
        switch kind {
        case .series:
            let scan = try DICOMStudyScanner.scan(path: path)
            guard let series = scan.series.max(by: { $0.sliceCount < $1.sliceCount }) else {
                throw ValidationError("no DICOM image series in \(path)")
            }
            return Self.checksum(try series.loadVolume())
        case .dicom:
            let frames = try DICOMFile.read(path: path).decodedFrames()
            return frames.reduce(0) { $0 &+ $1.count &+ Int($1.last ?? 0) }
        case .nifti:
            return Self.checksum(try NIfTI.read(path: path))
        case .metaimage:
            return Self.checksum(try MetaImage.read(path: path))
        }
    }

    private static func checksum(_ volume: AnyVolume) -> Int {
        let s = volume.geometry.size
        let (i, j, k) = (s.x / 2, s.y / 2, s.z / 2)
        let center: Double
        switch volume {
        case .uint8(let v): center = Double(v[i, j, k])
        case .int16(let v): center = Double(v[i, j, k])
        case .uint16(let v): center = Double(v[i, j, k])
        case .int32(let v): center = Double(v[i, j, k])
        case .float32(let v): center = Double(v[i, j, k])
        case .float64(let v): center = v[i, j, k]
        }
        return volume.geometry.voxelCount &+ Int(center)
    }
}
