import ArgumentParser
import Foundation
import SpineImaging
import SpinePhantom

/// `spine phantom …`: synthetic lumbar spine studies with complete ground truth.
struct Phantom: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate synthetic lumbar spine studies whose every answer is known.",
        subcommands: [PhantomMRI.self, PhantomXRay.self, PhantomPreview.self, PhantomFiguresCommand.self])
}

/// Library parameter names and the command-line options that set them, for error messages.
let phantomOptionNames = [
    "detectorPixelMM": "--pixel-mm", "sagittalSliceCount": "--slices", "sagittalSliceThicknessMM": "--slice-mm",
    "lumbarCount": "--lumbar-count", "motionGhostingProbability": "--ghosting",
]

/// Runs a phantom command body, mapping phantom errors to exit code 2 (bad parameters) or 6 (write failed).
func runPhantom(_ body: () throws -> Void) throws {
    try runReportingErrors {
        do {
            try body()
        } catch var e as PhantomError {
            e.parameter = phantomOptionNames[e.parameter] ?? e.parameter
            FileHandle.standardError.write(Data("spine: error: \(e.description)\n".utf8))
            throw ExitCode(e.code == .writeFailed ? 6 : 2)
        }
    }
}

/// The parameters of studies `seed`…`seed + count − 1`, all checked before anything is written, so that a refused
/// seed leaves no partial output.
func phantomParameters(seed: UInt64, count: Int, lumbarCount: Int?) throws -> [PhantomParameters] {
    guard count >= 1 else {
        throw PhantomError(.outOfRange, parameter: "--count", "\(count) studies requested; need at least 1")
    }
    return try (0..<count).map { n in
        var p = PhantomParameters(seed: seed &+ UInt64(n))
        p.lumbarCount = lumbarCount
        do { try p.validate() } catch var e as PhantomError {
            e.message = "seed \(p.seed): " + e.message
            throw e
        }
        return p
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
    @Option(help: "Sagittal slice count (replaces the drawn protocol's 11–19).") var slices: Int?
    @Option(help: "Sagittal slice thickness [mm] (replaces the drawn protocol's 3–4.5 mm).") var sliceMM: Double?
    @Option(help: "Lumbar vertebrae every study must have (5, or 6 with an L6); seeds drawn otherwise are refused.")
    var lumbarCount: Int?
    @Option(
        help: """
            Probability (0–1) that a study shows respiratory motion ghosting of the abdominal wall along the \
            anteroposterior phase-encoding axis, its strength drawn from the seed (default 0: none).
            """)
    var ghosting = 0.0

    func run() throws {
        try runPhantom {
            let parameters = try phantomParameters(seed: seed, count: count, lumbarCount: lumbarCount)
            var options = MRStudyOptions()
            options.motionGhostingProbability = ghosting
            options.axialStacks = axial
            options.writeDICOM = !noDicom
            options.sagittalSliceCount = slices
            options.sagittalSliceThicknessMM = sliceMM
            // Two-stage pipeline: study n is written in the background while study n + 1 is generated, so
            // the single-threaded stretches of each stage (anatomy, truth, the last files) overlap the other.
            // Every study is the same pure function of its seed; summaries print in seed order.
            var pending: BackgroundStudyWrite?
            for p in parameters {
                let folder = (out as NSString).appendingPathComponent("mri-\(p.seed)")
                let study: MRStudy
                do { study = try MRStudy(parameters: p, options: options) } catch {
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
        abstract: "Write synthetic spine radiographs: DICOM DX, projected body labels, xray-truth.json.",
        discussion: """
            Study n (0-based) uses seed S+n and is written to DIR/xray-<seed>/: lateral.dcm (and ap.dcm with --ap,
            cervical-lateral.dcm with --cervical: C1–T1 collimated to the neck, 150 cm, C2–C7 annotated),
            <view>_bodies.png (VerSe labels of the projected vertebral bodies) and xray-truth.json (corner landmarks,
            normal/abnormal, VinDr-SpineXR lesion boxes in pixels).
            """)

    @Option(help: "Seed of the first study.") var seed: UInt64 = 1
    @Option(help: "Number of studies.") var count = 1
    @Option(help: "Output folder (created).") var out = "phantoms"
    @Option(help: "Detector pixel pitch [mm] (0.14–0.2 for a full-resolution panel).") var pixelMM = 0.3
    @Flag(help: "Also write an anteroposterior view.") var ap = false
    @Flag(help: "Also write a lateral cervical view (C1–T1; C2–C7 body masks and corners in the truth).")
    var cervical = false
    @Option(help: "Lumbar vertebrae every study must have (5, or 6 with an L6); seeds drawn otherwise are refused.")
    var lumbarCount: Int?

    func run() throws {
        try runPhantom {
            let parameters = try phantomParameters(seed: seed, count: count, lumbarCount: lumbarCount)
            var options = RadiographOptions()
            options.detectorPixelMM = pixelMM
            try options.validate()
            let views: [RadiographView] =
                [.lateral] + (ap ? [.anteroposterior] : []) + (cervical ? [.cervicalLateral] : [])
            for p in parameters {
                let folder = (out as NSString).appendingPathComponent("xray-\(p.seed)")
                print(try RadiographWriter.write(parameters: p, to: folder, views: views, options: options))
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

struct PhantomFiguresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "figures",
        abstract: "Render a phantom's documentation figures with its truth drawn on them (PNG).",
        discussion: """
            Writes DIR/phantom-seed<S>-sagittal.png (mid-sagittal T1, T2, STIR and T2 with the class outlines at
            1.25 mm per pixel), DIR/phantom-seed<S>-axial.png (the middle slice of the axial T2 stack through L4-L5,
            plain and with the class outlines) and DIR/phantom-seed<S>-xray.png (the lateral radiograph, then lateral
            and AP with the projected body outlines, corner landmarks and VinDr-SpineXR lesion boxes).
            Same seed, same bytes.
            """)

    @Option(help: "Phantom seed.") var seed: UInt64 = 3
    @Option(help: "Output folder (created).") var out = "out/docs-images"
    @Option(help: "Radiograph detector pixels averaged per figure pixel, per axis (0.3 mm each).") var binning = 3

    func run() throws {
        try runPhantom {
            guard binning >= 1, binning <= 16 else {
                throw PhantomError(.outOfRange, parameter: "--binning", "\(binning) is outside the allowed range 1–16")
            }
            var options = MRStudyOptions()
            options.axialStacks = true
            let study = try MRStudy(seed: seed, options: options)
            let views: [Radiograph] = try [.lateral, .anteroposterior].map {
                try Radiograph(model: study.model, view: $0)
            }
            // The axial stack through L4-L5, or the second-lowest one where the spine has another count.
            let axial =
                study.axials.first { $0.discLevel == DiscLevel(upper: .l4, lower: .l5) }
                ?? study.axials[max(study.axials.count - 2, 0)]
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                throw PhantomError(.writeFailed, parameter: "--out", "cannot create folder \(out)")
            }
            let stem = (out as NSString).appendingPathComponent("phantom-seed\(seed)")
            let figures: [(String, PreviewCanvas)] = [
                ("sagittal", SpinePhantom.PhantomFigures.sagittal(study, mmPerPixel: 1.25)),
                ("axial", SpinePhantom.PhantomFigures.axial(axial)),
                (
                    "xray",
                    PreviewCanvas.sideBySide(
                        [SpinePhantom.PhantomFigures.radiograph(views[0], binning: binning, overlay: false)]
                            + views.map { SpinePhantom.PhantomFigures.radiograph($0, binning: binning) })
                ),
            ]
            for (name, canvas) in figures {
                let path = "\(stem)-\(name).png"
                do { try canvas.writePNG(to: path) } catch {
                    throw PhantomError(.writeFailed, parameter: "--out", "cannot write \(path): \(error)")
                }
                print("wrote \(path) (\(canvas.width)×\(canvas.height))")
            }
        }
    }
}
