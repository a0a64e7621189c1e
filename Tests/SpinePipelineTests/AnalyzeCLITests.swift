import Foundation
import SpineAnalysis
import SpineImaging
import SpinePipeline
import SpineTestSupport
import Testing

/// `spine analyze` as a user runs it, on the hand-made study of `ReportFixture`.
@Suite struct AnalyzeCLITests {
    /// Runs `spine` with `$SPINEKIT_MODELS` set to `models` (nil: unset, so only the package's Models/ is searched).
    static func run(_ args: [String], models: String? = nil) throws -> ExternalProgram.Run {
        try ExternalProgram.spine(args, environment: ["SPINEKIT_MODELS": models])
    }

    static func tempFolder() throws -> String { try ExternalProgram.tempFolder("spinekit-analyze") }

    static func files(_ dir: String) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
    }

    @Test func aLabelMapAloneWritesEveryOutput() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NIfTI.write(AnyVolume(ReportFixture.labels), to: dir + "/labels.nii.gz")
        let r = try Self.run(["analyze", dir + "/labels.nii.gz", "--out", dir + "/out", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "quiet when stderr is not a terminal: \(r.stderr)")
        #expect(
            Self.files(dir + "/out")
                == ["report.json", "measurements.csv", "report.html", "segmentation.nii.gz", "instances.nii.gz"])
        #expect(Self.files(dir) == ["labels.nii.gz", "out"], "no temporary folder left")
        // The named instances: bodies 20–24 (L1–L5) and discs 100 + the vertebra above, on the labels' grid.
        let instances = try NIfTI.read(path: dir + "/out/instances.nii.gz").converted(to: UInt8.self)
        #expect(instances.geometry.size == ReportFixture.labels.geometry.size)
        let values = Set(instances.voxels)
        #expect(values.isSuperset(of: [0, 20, 21, 22, 23, 24, 123]), "\(values.sorted())")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let inputs = try #require(doc["inputs"] as? [String: Any])
        #expect(inputs["image"] == nil)
        #expect((inputs["labels"] as? [String: Any])?["name"] as? String == "labels.nii.gz")
        #expect((inputs["labels"] as? [String: Any])?["axisCodes"] as? String == "PIR")
        #expect(inputs["classMap"] as? String == "spinekit@1")
        let phases = (doc["timings"] as? [[String: Any]])?.compactMap { $0["phase"] as? String }
        #expect(phases == ["read", "segment", "analyze", "canal", "write"])
        #expect((doc["vertebrae"] as? [Any])?.isEmpty == false)
        let onDisk = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/report.json")))
        #expect((onDisk as? [String: Any])?["inputs"] != nil)
        let back = try NIfTI.read(path: dir + "/out/segmentation.nii.gz")
        #expect(back.converted(to: UInt8.self).voxels == ReportFixture.labels.voxels)
        let html = try String(contentsOfFile: dir + "/out/report.html", encoding: .utf8)
        #expect(html.contains("<table") && html.contains("data:image/png;base64"))
    }

    @Test func aDICOMSeriesWithLabelsAlsoWritesTheSEG() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = DICOMSeriesWriter.Options()
        options.seriesDescription = "T2 sagittal (fixture)"
        try FileManager.default.createDirectory(atPath: dir + "/study", withIntermediateDirectories: true)
        try DICOMSeriesWriter.write(ReportFixture.image, to: dir + "/study", options: options)
        try NIfTI.write(AnyVolume(ReportFixture.labels), to: dir + "/labels.nii.gz")
        let r = try Self.run(["analyze", dir + "/study", "--labels", dir + "/labels.nii.gz", "--out", dir + "/out"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            Self.files(dir + "/out")
                == [
                    "report.json", "measurements.csv", "report.html", "segmentation.nii.gz", "instances.nii.gz",
                    "segmentation.dcm",
                ])
        let doc = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/report.json")))
                as? [String: Any])
        let image = try #require((doc["inputs"] as? [String: Any])?["image"] as? [String: Any])
        #expect(image["format"] as? String == "DICOM")
        #expect(image["modality"] as? String == "MR")
        #expect(image["seriesDescription"] as? String == "T2 sagittal (fixture)")
        #expect(image["sizeVoxels"] as? [Int] == [96, 120, 9])
        let seg = try DICOMFile.read(path: dir + "/out/segmentation.dcm")
        #expect(seg.dataSet.items(.segmentSequence).count == 11)
    }

    @Test func anUnknownModelFailsWithOneLineAndExitCode2() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NIfTI.write(AnyVolume(ReportFixture.image), to: dir + "/t2.nii.gz")
        let r = try Self.run(["analyze", dir + "/t2.nii.gz", "--model", "no-such-model", "--out", dir + "/out"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("spine: error: no model named no-such-model is installed; installed:"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(Self.files(dir) == ["t2.nii.gz"], "no output folder, no temporary folder")
    }

    /// `--cross-validation` is a flag; it scores models NAME-0 … NAME-4, so it needs --model, and a missing
    /// fold model is named.
    @Test func crossValidationNeedsItsFoldModels() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = ["evaluate", "--task", "heldout", "--recipe", "lumbar-sagittal-real", "--data", dir]
        var r = try Self.run(base + ["--cross-validation"])
        #expect(r.status == 2)
        #expect(r.stderr == "spine: error: --cross-validation needs --model NAME (models NAME-0, NAME-1, …)\n")
        r = try Self.run(base + ["--cross-validation", "--model", "lumbar-sagittal-real"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("spine: error: no model named lumbar-sagittal-real-0 is installed"), "\(r.stderr)")
    }

    /// A mistyped `--out` fails before the work: no table printed, exit 6 (write failed), one line naming the path.
    @Test func aMissingOutputParentFailsBeforeTheWork() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/missing/metrics"
        let evaluate = try Self.run(["evaluate", "--task", "phantom", "--labels", "truth", "--seeds", "1-1", "--out", out])
        #expect(evaluate.status == 6)
        #expect(evaluate.stdout.isEmpty, "no phantom was evaluated: \(evaluate.stdout)")
        #expect(evaluate.stderr.split(separator: "\n").count == 1)
        #expect(evaluate.stderr.contains("parent folder does not exist"), "\(evaluate.stderr)")
        try NIfTI.write(AnyVolume(ReportFixture.labels), to: dir + "/labels.nii.gz")
        for command in ["analyze", "measure"] {
            let r = try Self.run([command, dir + "/labels.nii.gz", "--out", out])
            #expect(r.status == 6, "\(command): \(r.stderr)")
            #expect(r.stderr.contains("parent folder does not exist"), "\(command): \(r.stderr)")
        }
        #expect(Self.files(dir) == ["labels.nii.gz"])
    }

    /// On a whole-spine view of a phantom with thirteen thoracic vertebrae the count from C2 names and flags the T13
    /// (a lumbar view cannot); the view is for truth label maps only.
    @Test func aWholeSpineViewCountsFromC2() throws {
        let base = ["evaluate", "--task", "phantom", "--view", "whole-spine", "--seeds", "9001-9001"]
        let r = try Self.run(base + ["--labels", "truth", "--anomaly", "thirteen-thoracic"])
        #expect(r.status == 0, "\(r.stderr)")
        let row = r.stdout.split(separator: "\n").first { $0.hasPrefix("thirteenThoracic") }
        #expect(row?.split(separator: " ", omittingEmptySubsequences: true).last == "(100%)", "\(r.stdout)")
        let refused = try Self.run(base)
        #expect(refused.status == 2)
        #expect(refused.stderr == "spine: error: --view whole-spine needs --labels truth (no model is trained on whole-spine images)\n")
    }

    @Test func anImageWithNoModelInstalledIsUnsupported() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NIfTI.write(AnyVolume(ReportFixture.image), to: dir + "/t2.nii.gz")
        var request = StudyAnalysis.Request(input: dir + "/t2.nii.gz")
        request.registry = ModelRegistry(searchFolders: [URL(fileURLWithPath: dir + "/no-models")])
        do {
            _ = try StudyAnalysis(request)
            Issue.record("expected an error")
        } catch let e as ImagingError {
            #expect(e.code == .unsupported)
            #expect(e.description.contains("no segmentation model is installed; pass --labels"))
        }
    }

    @Test func aFolderWithNoImagesSaysSo() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: dir + "/empty/notes.txt"))
        let r = try Self.run(["analyze", dir + "/empty", "--out", dir + "/out"])
        #expect(r.status == 4)
        #expect(r.stderr.contains("no DICOM images found"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func anInstalledModelIsListedAndRun() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let models = URL(fileURLWithPath: dir + "/models")
        _ = try ModelSegmenterTests.installTinyModel(dimensions: 2, in: models)
        let list = try Self.run(["models"], models: models.path)
        #expect(list.status == 0 && list.stdout.contains("tiny-2d: 12 classes"), "\(list.stdout)\(list.stderr)")
        try NIfTI.write(AnyVolume(ReportFixture.image), to: dir + "/t2.nii.gz")
        let r = try Self.run(
            ["analyze", dir + "/t2.nii.gz", "--out", dir + "/out", "--threads", "1"], models: models.path)
        // An untrained network labels noise: the analysis may find no spine, but the model ran.
        #expect(!r.stderr.contains("no segmentation model"), "\(r.stderr)")
        if r.status == 0 {
            #expect(Self.files(dir + "/out").contains("segmentation.nii.gz"))
        } else {
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        }
        print("analyze with an untrained model: exit \(r.status): \(r.stdout)\(r.stderr)")
    }
}
