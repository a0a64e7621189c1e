import Dispatch
import Foundation
import SpineImaging

/// Writes a synthetic MRI study to a folder: DICOM series, NIfTI copies, label maps and `truth.json`.
///
/// Layout: `dicom/<SERIES>_<CONTRAST>/IM00001.dcm…`, `nifti/<SERIES>_<CONTRAST>.nii`,
/// `nifti/<SERIES>_labels_class.nii.gz`, `nifti/<SERIES>_labels_instance.nii.gz`, `truth.json`.
public enum MRStudyWriter {
    /// Generates the study for `seed` and writes it; returns a one-line summary.
    @discardableResult
    public static func write(seed: UInt64, to folder: String, options: MRStudyOptions = .init()) throws -> String {
        let study = try MRStudy(seed: seed, options: options)
        return try write(study, to: folder, options: options)
    }

    /// An existing folder of that name is replaced.
    @discardableResult
    public static func write(_ study: MRStudy, to folder: String, options: MRStudyOptions = .init()) throws -> String {
        let fm = FileManager.default
        // Replace a previous study wholesale (FileIO.writeAtomically cannot overwrite files on Linux yet).
        if fm.fileExists(atPath: folder) {
            do { try fm.removeItem(atPath: folder) } catch {
                throw PhantomError(.writeFailed, parameter: "out", "cannot replace the existing folder \(folder)")
            }
        }
        func mkdir(_ path: String) throws {
            do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw PhantomError(.writeFailed, parameter: "out", "cannot create folder \(path)")
            }
        }
        try mkdir(folder + "/nifti")
        var truth = study.truth
        let identity = PhantomDICOM.StudyIdentity(seed: study.truth.seed)
        // Collect the files to write, then write them on all cores (each job owns its files).
        var jobs: [@Sendable () throws -> Void] = []
        var seriesNumber = 1
        for series in [study.sagittal] + study.axials {
            for (q, seq) in series.sequences.enumerated() {
                let name = "\(series.name)_\(seq.name)"
                let image = series.rendered.images[q]
                var dicomFolder: String?
                if options.writeDICOM {
                    let dir = folder + "/dicom/" + name
                    try mkdir(dir)
                    let number = seriesNumber, description = "\(series.plane) \(seq.name) lumbar (synthetic)"
                    let phase = series.ghosting?.phaseEncoding
                    jobs.append {
                        try PhantomDICOM.writeMR(
                            image, to: dir, study: identity, seriesNumber: number, description: description,
                            sequence: seq, phaseEncoding: phase)
                    }
                    dicomFolder = "dicom/" + name
                }
                // Images uncompressed (gzip of noisy 16-bit data costs more than rendering them); labels gzipped.
                let nifti = "nifti/\(name).nii"
                jobs.append { try NIfTI.write(AnyVolume(image), to: folder + "/" + nifti) }
                let g = image.geometry
                truth.series.append(
                    .init(
                        name: name, plane: series.plane, sequence: seq, sizeIJK: [g.size.x, g.size.y, g.size.z],
                        spacingMM: [g.spacing.x, g.spacing.y, g.spacing.z],
                        originLPS: [g.origin.x, g.origin.y, g.origin.z],
                        directionLPS: (0..<3).map { c in
                            let v = g.direction.column(c); return [v.x, v.y, v.z]
                        },
                        dicomFolder: dicomFolder, niftiFile: nifti, discLevel: series.discLevel?.description,
                        snr: series.snr, motionGhosting: series.ghosting))
                seriesNumber += 1
            }
            let cls = "nifti/\(series.name)_labels_class.nii.gz", ins = "nifti/\(series.name)_labels_instance.nii.gz"
            let labels = series.rendered
            jobs.append { try NIfTI.write(AnyVolume(labels.classLabels), to: folder + "/" + cls) }
            jobs.append { try NIfTI.write(AnyVolume(labels.instanceLabels), to: folder + "/" + ins) }
            truth.labelMaps["\(series.name)_class"] = cls
            truth.labelMaps["\(series.name)_instance"] = ins
        }
        let errors = ErrorBox()
        let all = jobs
        DispatchQueue.concurrentPerform(iterations: all.count) { n in
            do { try all[n]() } catch { errors.record(n, error) }
        }
        if let e = errors.first { throw e }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(truth) } catch {
            throw PhantomError(.writeFailed, parameter: "truth.json", "cannot encode the truth: \(error)")
        }
        try FileIO.writeAtomically([UInt8](data), to: folder + "/truth.json")
        let t = study.truth
        let findings =
            t.discs.filter { $0.centralStenosis != "none" || $0.meyerdingGrade > 0 }
            .map {
                "\($0.level) \($0.meyerdingGrade > 0 ? "Meyerding \($0.meyerdingGrade)" : "") \($0.centralStenosis != "none" ? "\($0.centralStenosis) stenosis" : "")"
            }
            + t.vertebrae.filter { $0.genantGrade > 0 }.map { "\($0.name) Genant \($0.genantGrade)" }
        return "\(folder): seed \(t.seed), \(t.anomaly == .none ? "normal count" : t.anomaly.rawValue), lordosis "
            + String(format: "%.1f°", t.lordosisDeg) + ", \(seriesNumber - 1) series"
            + (findings.isEmpty
                ? ""
                : "; "
                    + findings.map { $0.replacingOccurrences(of: "  ", with: " ").trimmingCharacters(in: .whitespaces) }
                    .joined(separator: ", "))
    }
}

/// The first error (by job order) of concurrent jobs.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [(Int, Error)] = []
    func record(_ n: Int, _ e: Error) {
        lock.lock()
        errors.append((n, e))
        lock.unlock()
    }
    var first: Error? { errors.min { $0.0 < $1.0 }?.1 }
}
