import Foundation
import SpineImaging
import Testing

/// `spine analyze` on inputs it must refuse or repair: each refusal one line on stderr that names the input and
/// the problem, exit code 5 (valid but not supported) or 4 (unreadable), and no output folder; a corrupt file
/// among good ones skipped with a warning that names it, the rest analysed.
@Suite struct AnalyzeBadInputTests {
    typealias CLI = AnalyzeCLITests

    /// Runs `spine analyze INPUT --out DIR/out ARGS…` and checks a refusal: status, one line, the input named,
    /// the message, and nothing written.
    static func expectRefusal(
        _ input: String, in dir: String, status: Int32 = 5, saying message: String, _ args: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let r = try CLI.run(["analyze", input, "--out", dir + "/out"] + args)
        #expect(r.status == status, "exit \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("spine: error: \(input): "), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(message), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
        let leftovers = CLI.files(dir).filter { $0.hasPrefix("out") || $0.hasPrefix(".out") }
        #expect(leftovers.isEmpty, "no output, no temporary folder: \(leftovers)", sourceLocation: sourceLocation)
    }

    @Test func aFolderWithOnlyAxialStacksHasNoSagittalSeries() throws {
        let dir = try CLI.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var study = StudyFixture.Study()
        for z in [-25.0, -44] {
            try StudyFixture.write(
                StudyFixture.axialStack(zMM: z), dir + "/study", "AX\(Int(-z))", description: "ax T2", study: &study)
        }
        try Self.expectRefusal(
            dir + "/study", in: dir,
            saying: "no sagittal MR series: found axial T2 MR series, 5 slices, #1 \"ax T2\"; axial T2 MR series")
    }

    @Test func anMRSeriesOfAnotherBodyPartIsNotASpine() throws {
        let dir = try CLI.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var study = StudyFixture.Study()
        try StudyFixture.write(ReportFixture.image, dir + "/knee", "SAG", description: "sag PD", study: &study) {
            $0.set(.bodyPartExamined, .CS, "KNEE")
        }
        try Self.expectRefusal(dir + "/knee", in: dir, saying: "no spine series: the MR series here are of KNEE")
    }

    @Test(.enabled(if: TestData.isAvailable, "needs ../shared/data (dicom-series-ct)"))
    func theRealCTSeriesIsTheWrongModality() throws {
        let ct = try TestData.path("dicom-series-ct")
        let dir = try CLI.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.expectRefusal(
            ct, in: dir, saying: "wrong modality CT for the MRI pipeline: found axial CT series, 20 slices")
    }

    @Test func aRadiographIsNotAnMRI() throws {
        let dir = try CLI.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A lateral radiograph as SpinePhantom writes one: a single DX image.
        // 3 mm detector pixels: a small image, rendered in seconds by a debug build.
        let xray = try CLI.run(["phantom", "xray", "--seed", "1", "--pixel-mm", "3", "--out", dir + "/x"])
        try #require(xray.status == 0, "\(xray.stderr)")
        let lateral = dir + "/x/xray-1/lateral.dcm"
        try Self.expectRefusal(
            lateral, in: dir,
            saying: "a radiograph (a single DX image, #1 \"Lumbar spine left lateral (synthetic)\"), not an MRI")
        try Self.expectRefusal(dir + "/x", in: dir, saying: "a radiograph (a single DX image")
    }

    @Test func oneSliceOnlyIsRefused() throws {
        let dir = try CLI.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = ReportFixture.image.cropped(to: VoxelBox(lower: SIMD3(0, 0, 4), upper: SIMD3(96, 120, 5)))
        var study = StudyFixture.Study()
        let files = try StudyFixture.write(one, dir + "/study", "SAG", description: "T2 sag", study: &study)
        let message = "only 1 slice in the sagittal T2 MR series, 1 slice, #1 \"T2 sag\""
        try Self.expectRefusal(dir + "/study", in: dir, saying: message)
        try Self.expectRefusal(files[0], in: dir, saying: message)
        try NIfTI.write(AnyVolume(one), to: dir + "/one.nii.gz")
        try Self.expectRefusal(dir + "/one.nii.gz", in: dir, saying: "only one slice (96×120×1 voxels)")
    }

    /// Three bad files in a good study: garbage named `.dcm`, a header cut short, and a slice whose pixel data is
    /// cut short. Each is named in a warning on stderr and in report.json; the rest is analysed.
    @Test func aCorruptFileAmongGoodOnesIsSkippedAndNamed() throws {
        let dir = try CLI.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let study = dir + "/study"
        try StudyFixture.lumbarStudy(in: study)
        let labels = try StudyFixture.labels(in: dir)
        let garbage = study + "/AX_L3L4/IM00002.dcm"
        try Data((0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: garbage))
        let shortHeader = study + "/SAG_STIR/IM00001.dcm"
        try Data(try Data(contentsOf: URL(fileURLWithPath: shortHeader)).prefix(200)).write(
            to: URL(fileURLWithPath: shortHeader))
        let shortPixels = study + "/SAG_T2/IM00009.dcm"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: shortPixels))
        try Data(bytes.prefix(bytes.count - 5000)).write(to: URL(fileURLWithPath: shortPixels))

        let r = try CLI.run(["analyze", study, "--labels", labels, "--out", dir + "/out"])
        #expect(r.status == 0, "\(r.stderr)")
        let warnings = r.stderr.split(separator: "\n").map(String.init)
        #expect(warnings.count == 3 && warnings.allSatisfy { $0.hasPrefix("spine: warning: skipped ") }, "\(r.stderr)")
        for file in [garbage, shortHeader, shortPixels] {
            #expect(warnings.filter { $0.contains(file) }.count == 1, "\(file) named once: \(r.stderr)")
        }
        #expect(CLI.files(dir + "/out").contains("segmentation.dcm"))
        let inputs = try #require(try StudyFixture.reportJSON(dir + "/out")["inputs"] as? [String: Any])
        #expect((inputs["warnings"] as? [String])?.count == 3)
        let image = try #require(inputs["image"] as? [String: Any])
        #expect(image["seriesDescription"] as? String == "T2 sagittal (fixture)")
        #expect(image["sizeVoxels"] as? [Int] == [96, 120, 8], "the T2 series without its bad slice")
        let series = try #require(inputs["series"] as? [[String: Any]])
        let l34 = try #require(series.first { $0["seriesDescription"] as? String == "ax T2 L3-L4" })
        #expect(l34["slices"] as? Int == 4 && l34["discLevels"] as? [String] == ["L3-L4"])
        let notes = try #require(inputs["notes"] as? [String])
        #expect(notes.contains { $0.hasPrefix("warning: skipped") && $0.contains(garbage) })
        #expect(notes.contains { $0.contains("resampled onto the image's grid") })
    }

    /// When every file is bad there is nothing to analyse: exit 4, naming a bad file.
    @Test func onlyCorruptFilesIsUnreadable() throws {
        let dir = try CLI.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/study", withIntermediateDirectories: true)
        try Data(repeating: 0x5A, count: 3000).write(to: URL(fileURLWithPath: dir + "/study/IM00001.dcm"))
        try Self.expectRefusal(
            dir + "/study", in: dir, status: 4,
            saying: "no DICOM images found (1 other file(s) skipped: IM00001.dcm)")
    }
}
