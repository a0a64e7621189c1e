import ArgumentParser
import Foundation
import SpineImaging

/// Writes a small synthetic sagittal lumbar MRI as a real DICOM series, then reads it back as a
/// user's study would be read: series found, geometry recovered, converted to NIfTI and checked.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run SpineKit end to end on a built-in synthetic lumbar MRI study.",
        discussion: "Until the analysis pipeline lands, the demo exercises reading: DICOM series → volume → NIfTI, with geometry checks.")

    @Option(help: "Folder for the demo study and its outputs (created; existing files are replaced).")
    var out = "demo-output"

    @Option(help: "Random seed for the synthetic study.")
    var seed: UInt64 = 7

    func run() throws {
        try runReportingErrors {
            let fm = FileManager.default
            let studyDir = (out as NSString).appendingPathComponent("study")
            try? fm.removeItem(atPath: studyDir)
            do { try fm.createDirectory(atPath: studyDir, withIntermediateDirectories: true) } catch {
                throw ImagingError(.writeFailed, "cannot create the output folder", file: studyDir)
            }
            let phantom = DemoPhantom.sagittalT2(seed: seed)
            var options = DICOMSeriesWriter.Options()
            options.modality = "MR"
            options.seriesDescription = "SpineKit demo: sagittal T2 lumbar (synthetic)"
            let files = try DICOMSeriesWriter.write(phantom, to: studyDir, options: options)
            print("1. wrote a synthetic sagittal T2 lumbar study: \(files.count) DICOM slices in \(studyDir)")

            let items = try ImageReader.open(path: studyDir)
            guard items.count == 1, let item = items.first else {
                throw ImagingError(.malformed, "expected one series, found \(items.count)", file: studyDir)
            }
            let volume = try item.load()
            let report = VolumeReport(item: item, volume: volume)
            print("2. read it back (`spine info \(studyDir)`):")
            report.printText()

            let nifti = (out as NSString).appendingPathComponent("study.nii.gz")
            try NIfTI.write(volume, to: nifti)
            let back = try NIfTI.read(path: nifti)
            let maxShift = zip(back.geometry.cornersLPS, phantom.geometry.cornersLPS).map { ($0 - $1).length }.max() ?? .infinity
            let same = back.converted(to: Int16.self).voxels == phantom.voxels
            print("3. converted to \(nifti) (`spine convert`); read back: \(back.geometry.axisCodes) \(back.dataType.rawValue), corners within \(String(format: "%.1e", maxShift)) mm, voxels \(same ? "identical" : "DIFFERENT")")
            guard same, maxShift < 1e-3 else {
                throw ImagingError(.malformed, "round trip changed the study (corner shift \(maxShift) mm)", file: nifti)
            }
            print("demo OK: DICOM → volume → NIfTI preserved every voxel and the patient geometry.")
        }
    }
}

/// A crude procedural sagittal lumbar MRI (T2-like contrast) for the demo; SpinePhantom will replace it.
enum DemoPhantom {
    static func sagittalT2(seed: UInt64) -> Volume<Int16> {
        // Sagittal stack: i → posterior, j → inferior, k → right; slightly oblique (3° about I/S).
        let a = 3.0 * Double.pi / 180
        let row = SIMD3<Double>(sin(a), cos(a), 0), col = SIMD3<Double>(0, 0, -1)
        let geometry = ImageGeometry(
            size: SIMD3(192, 192, 13), spacing: SIMD3(0.9, 0.9, 4), origin: SIMD3(24, -90, 110),
            direction: Matrix3(columns: row, col, row.cross(col)))
        var rng = SplitMix64(seed: seed)
        var v = Volume<Int16>(geometry: geometry)
        let levels = 6  // L1…L5 and S1 bodies, discs between
        for k in 0..<geometry.size.z {
            let lateral = abs(Double(k) - 6) * 4  // mm from the midline
            for j in 0..<geometry.size.y {
                let y = Double(j) * 0.9  // mm inferior from the top
                // Lordotic curve: the spine's anterior edge moves with depth.
                let curve = 12 * sin(y / 172 * .pi)
                for i in 0..<geometry.size.x {
                    let x = Double(i) * 0.9 - curve  // mm posterior
                    var signal = 0.0
                    if x > 8 && x < 160 { signal = 260 }  // soft tissue
                    if x > 150 && x < 165 { signal = 650 }  // subcutaneous fat
                    let seg = (y - 10) / 27
                    let n = Int(seg.rounded(.down)), frac = seg - Double(n)
                    if n >= 0 && n < levels && x > 60 && x < 95 && lateral < 22 {
                        signal = frac < 0.78 ? (n == levels - 1 ? 420 : 480) : (lateral < 14 ? 950 : 420)
                    }
                    if x > 99 && x < 112 && lateral < 8 && y > 4 { signal = 1250 }  // CSF in the canal
                    if x > 112 && x < 135 && lateral < 10 && frac > 0.2 && frac < 0.7 && n >= 0 && n < levels { signal = 380 }
                    let noise = 25 * (rng.nextUnit() + rng.nextUnit() - 1)
                    v[i, j, k] = Int16(clamping: max(0, signal + noise))
                }
            }
        }
        return v
    }
}

/// A small deterministic random generator (SplitMix64).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
