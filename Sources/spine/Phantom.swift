import ArgumentParser
import Foundation
import SpineImaging
import SpinePhantom

/// `spine phantom …`: synthetic lumbar spine studies with complete ground truth.
struct Phantom: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate synthetic lumbar spine studies whose every answer is known.",
        subcommands: [PhantomMRI.self, PhantomXRay.self, PhantomPreview.self])
}

/// Runs a phantom command body, mapping phantom errors to exit code 2 (bad parameters) or 6 (write failed).
func runPhantom(_ body: () throws -> Void) throws {
    try runReportingErrors {
        do {
            try body()
        } catch let e as PhantomError {
            FileHandle.standardError.write(Data("spine: error: \(e.description)\n".utf8))
            throw ExitCode(e.code == .writeFailed ? 6 : 2)
        }
    }
}

struct PhantomMRI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mri",
        abstract: "Write synthetic lumbar MRI studies: DICOM series, NIfTI images and label maps, truth.json.",
        discussion: """
            Study n (0-based) uses seed S+n and is written to DIR/mri-<seed>/. Each study holds sagittal T1, T2
            and STIR series (dicom/<series>/IM*.dcm and nifti/<series>.nii), class and instance label maps on
            the sagittal grid (nifti/labels_class.nii.gz, nifti/labels_instance.nii.gz) and truth.json.
            """)

    @Option(help: "Seed of the first study.") var seed: UInt64 = 1
    @Option(help: "Number of studies.") var count = 1
    @Option(help: "Output folder (created).") var out = "phantoms"
    @Flag(help: "Also write axial stacks angled through each disc level.") var axial = false
    @Flag(help: "Skip the DICOM series (NIfTI and truth only).") var noDicom = false

    func run() throws {
        try runPhantom {
            guard count >= 1 else {
                throw PhantomError(.outOfRange, parameter: "--count", "\(count) studies requested; need at least 1")
            }
            var options = MRStudyOptions()
            options.axialStacks = axial
            options.writeDICOM = !noDicom
            // Two-stage pipeline: study n is written in the background while study n + 1 is generated, so
            // the single-threaded stretches of each stage (anatomy, truth, the last files) overlap the other.
            // Every study is the same pure function of its seed; summaries print in seed order.
            var pending: BackgroundStudyWrite?
            for n in 0..<count {
                let s = seed &+ UInt64(n)
                let folder = (out as NSString).appendingPathComponent("mri-\(s)")
                let study: MRStudy
                do { study = try MRStudy(seed: s, options: options) } catch {
                    _ = try pending?.wait()
                    throw error
                }
                if let p = pending { print(try p.wait()) }
                pending = BackgroundStudyWrite(study, to: folder, options: options)
            }
            if let p = pending { print(try p.wait()) }
        }
    }
}

/// Writes one generated study on a background queue; `wait()` returns its summary or rethrows its error.
final class BackgroundStudyWrite: @unchecked Sendable {
    private let done = DispatchGroup()
    // Written once by the background job before `done.leave()`, read only after `done.wait()`.
    private var result: Result<String, Error> = .success("")

    init(_ study: MRStudy, to folder: String, options: MRStudyOptions) {
        done.enter()
        DispatchQueue.global().async {
            self.result = Result { try MRStudyWriter.write(study, to: folder, options: options) }
            self.done.leave()
        }
    }

    func wait() throws -> String {
        done.wait()
        return try result.get()
    }
}

struct PhantomXRay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xray",
        abstract: "Write synthetic lumbar radiographs: DICOM DX, projected body labels, xray-truth.json.",
        discussion: """
            Study n (0-based) uses seed S+n and is written to DIR/xray-<seed>/: lateral.dcm (and ap.dcm with --ap),
            <view>_bodies.png (VerSe labels of the projected vertebral bodies) and xray-truth.json (corner landmarks,
            normal/abnormal, VinDr-SpineXR lesion boxes in pixels).
            """)

    @Option(help: "Seed of the first study.") var seed: UInt64 = 1
    @Option(help: "Number of studies.") var count = 1
    @Option(help: "Output folder (created).") var out = "phantoms"
    @Option(help: "Detector pixel pitch [mm] (0.14–0.2 for a full-resolution panel).") var pixelMM = 0.3
    @Flag(help: "Also write an anteroposterior view.") var ap = false

    func run() throws {
        try runPhantom {
            guard count >= 1 else {
                throw PhantomError(.outOfRange, parameter: "--count", "\(count) studies requested; need at least 1")
            }
            var options = RadiographOptions()
            options.detectorPixelMM = pixelMM
            let views: [RadiographView] = ap ? [.lateral, .anteroposterior] : [.lateral]
            for n in 0..<count {
                let s = seed &+ UInt64(n)
                let folder = (out as NSString).appendingPathComponent("xray-\(s)")
                print(try RadiographWriter.write(seed: s, to: folder, views: views, options: options))
            }
        }
    }
}

struct PhantomPreview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Render mid-sagittal T1, T2 and STIR of a phantom next to a real lumbar MRI slice (PNG).")

    @Option(help: "Phantom seed.") var seed: UInt64 = 1
    @Option(help: "Real sagittal lumbar MRI (NIfTI) to show beside the phantom (optional).") var real: [String] = []
    @Option(help: "PNG file to write.") var out = "phantom-preview.png"

    func run() throws {
        try runPhantom {
            let study = try MRStudy(seed: seed)
            var pictures = study.sagittal.rendered.images.map { PreviewImage.midSagittal($0, mmPerPixel: 1) }
            for path in real {
                let v = try NIfTI.read(path: path).converted(to: Float.self)
                pictures.append(PreviewImage.midSagittal(v, mmPerPixel: 1))
            }
            try PreviewImage.sideBySide(pictures).writePNG(to: out)
            print(
                "wrote \(out): phantom seed \(seed) (T1, T2, STIR)\(real.isEmpty ? "" : " beside \(real.count) real image(s)")"
            )
        }
    }
}
