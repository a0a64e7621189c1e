import Foundation
import SpineAnalysis
import SpineImaging
import Testing

@testable import SpinePipeline

/// Which series of a DICOM study `spine analyze` segments, and how axial stacks are paired with disc levels.
@Suite struct SeriesSelectionTests {
    typealias Contrast = SeriesClassification.Contrast

    @Test(arguments: [
        ("sagittal T2 lumbar (synthetic)", Contrast.t2), ("T2W_FRFSE SAG", .t2), ("t2_tse_sag_384", .t2),
        ("Sag T2 FS", .t2), ("STIR sag", .stir), ("t2_tirm_sag", .stir), ("SAG T2 STIR", .stir),
        ("T1 sagittal", .t1), ("sag_t1_tse", .t1), ("T1W", .t1),
    ])
    func contrastFromTheDescription(_ text: String, _ expected: Contrast) {
        #expect(SeriesClassification.contrast(fromText: text) == expected)
    }

    @Test(arguments: ["localizer", "T12-L1 level", "3-plane loc", ""])
    func noContrastFromOtherWords(_ text: String) {
        #expect(SeriesClassification.contrast(fromText: text) == nil)
    }

    @Test func contrastFromTiming() {
        typealias C = SeriesClassification
        #expect(C.contrast(repetitionTimeMS: 3500, echoTimeMS: 100, inversionTimeMS: nil) == .t2)
        #expect(C.contrast(repetitionTimeMS: 550, echoTimeMS: 12, inversionTimeMS: nil) == .t1)
        #expect(C.contrast(repetitionTimeMS: 4000, echoTimeMS: 40, inversionTimeMS: 160) == .stir)
        #expect(C.contrast(repetitionTimeMS: 2000, echoTimeMS: 30, inversionTimeMS: nil) == nil)
        #expect(C.contrast(repetitionTimeMS: nil, echoTimeMS: nil, inversionTimeMS: nil) == nil)
    }

    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-series-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Chooses among the series of a folder the way `spine analyze` does without a label map.
    static func choose(_ dir: String) throws -> SeriesSelection {
        let scan = try DICOMStudyScanner.scan(path: dir)
        return try SeriesSelection(
            series: scan.series, in: dir, unreadable: scan.unreadable, otherFiles: scan.otherFileNames)
    }

    @Test func classifiesPlanesFromTheSliceNormal() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try StudyFixture.lumbarStudy(in: dir)
        let all = try Self.choose(dir).all
        let planes = Dictionary(uniqueKeysWithValues: all.map { ($0.series.seriesDescription ?? "", $0.plane) })
        #expect(planes["T2 sagittal (fixture)"] == .sagittal && planes["sag T1 TSE"] == .sagittal)
        #expect(planes["ax T2 L4-L5"] == .axial)
        #expect(all.allSatisfy { $0.isMR && $0.isSpine && $0.obliquityDeg < 1e-6 })
    }

    /// T2 over T1 over STIR over unknown, whatever the order or series numbers.
    @Test(arguments: [
        (["sag T1 TSE", "SAG STIR", "T2 sagittal"], "T2 sagittal"),
        (["SAG STIR", "sag T1 TSE"], "sag T1 TSE"),
        (["sagittal", "SAG STIR"], "SAG STIR"),
        (["sagittal lumbar", "sagittal"], "sagittal lumbar"),
    ])
    func prefersT2ThenT1ThenSTIR(_ descriptions: [String], _ expected: String) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var study = StudyFixture.Study()
        for (n, d) in descriptions.enumerated() {
            try StudyFixture.write(ReportFixture.image, dir, "S\(n)", description: d, study: &study)
        }
        // An axial stack never wins, even with more slices and voxels.
        try StudyFixture.write(
            StudyFixture.axialStack(zMM: 0, slices: 30), dir, "AX", description: "ax T2", study: &study)
        let s = try Self.choose(dir)
        #expect(s.series.seriesDescription == expected)
        #expect(s.volume.geometry.size == SIMD3(96, 120, 9))
    }

    @Test func aLabelMapOnTheGridOfASeriesPicksIt() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var study = StudyFixture.Study()
        try StudyFixture.write(ReportFixture.image, dir, "T2", description: "T2 sagittal", study: &study)
        // A T1 on another (shifted) grid: the label map's grid names it.
        var shifted = ReportFixture.image
        shifted.geometry.origin.x += 2
        try StudyFixture.write(shifted, dir, "T1", description: "T1 sagittal", study: &study)
        let scan = try DICOMStudyScanner.scan(path: dir)
        let s = try SeriesSelection(series: scan.series, in: dir, grid: shifted.geometry)
        #expect(s.series.seriesDescription == "T1 sagittal")
        let t2 = try SeriesSelection(series: scan.series, in: dir, grid: ReportFixture.geometry)
        #expect(t2.series.seriesDescription == "T2 sagittal")
    }

    /// The analysis on a study with three sagittal contrasts and four axial stacks: T2 segmented, each stack
    /// paired with the level it was centred on, all of it in `inputs.series` and one note.
    @Test func recordsTheSeriesUsedAndPairsAxialStacksWithLevels() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try StudyFixture.lumbarStudy(in: dir + "/study")
        var request = StudyAnalysis.Request(input: dir + "/study")
        request.labels = try StudyFixture.labels(in: dir)
        let a = try StudyAnalysis(request)
        #expect(a.inputs.image?.seriesDescription == "T2 sagittal (fixture)")
        #expect(a.inputs.seriesFound == 7)
        let series = try #require(a.inputs.series)
        #expect(series.count == 7)
        #expect(series.filter { $0.use == "segmented" }.map(\.seriesDescription) == ["T2 sagittal (fixture)"])
        let used = try #require(series.first { $0.use == "segmented" })
        #expect(used.plane == "sagittal" && used.contrast == "T2" && used.slices == 9 && used.modality == "MR")
        for s in series where s.plane == "sagittal" && s.use != "segmented" {
            #expect(s.use == "not used" && s.reason == "T2 series preferred", "\(s)")
        }
        let axial = series.filter { $0.use == "axial stack" }
        #expect(axial.count == 4)
        for s in axial {
            let level = try #require(s.seriesDescription?.components(separatedBy: " ").last)
            #expect(s.discLevels == [level], "\(s)")
            #expect(abs(s.discOffsetMM ?? 99) < 2, "stack centred on the disc: \(s)")
        }
        let note = try #require(a.inputs.notes.first)
        #expect(
            note.hasPrefix("Series used: #3 \"T2 sagittal (fixture)\" (sagittal T2, 9 slices) segmented"), "\(note)")
        #expect(note.contains("#4 \"ax T2 L2-L3\" → L2-L3") && note.contains("#7 \"ax T2 L5-S1\" → L5-S1"), "\(note)")
        #expect(note.contains("not used: #1 \"sag T1 TSE\" (T2 series preferred)"), "\(note)")
        #expect(!note.contains("\n"))
        #expect(a.inputs.warnings == nil)
        // report.json carries it; an old reader that ignores the new keys still finds the old ones.
        let doc = try #require(try JSONSerialization.jsonObject(with: a.reportJSON()) as? [String: Any])
        let inputs = try #require(doc["inputs"] as? [String: Any])
        #expect((inputs["series"] as? [[String: Any]])?.count == 7)
        #expect(inputs["seriesFound"] as? Int == 7 && inputs["labelSource"] as? String == "given")
        #expect(inputs["warnings"] == nil)
    }

    @Test func aStackAwayFromEveryDiscCrossesNoLevel() {
        let g = StudyFixture.axialStack(zMM: 5).geometry  // the middle of L3's body
        let discs = StudyFixture.discZ.map { ($0.0, SIMD3<Double>(0, 0, $0.1)) }
        let p = StudyAnalysis.pair(g, with: discs)
        #expect(p.levels.isEmpty)
        #expect(p.nearest == "L3-L4" || p.nearest == "L2-L3")
        #expect(abs(abs(p.offsetMM) - 10) < 1e-9)
        // A thick stack from L2-L3 to L4-L5 crosses three levels, nearest first.
        let thick = StudyFixture.axialStack(zMM: -4, slices: 15, stepMM: 3).geometry
        #expect(StudyAnalysis.pair(thick, with: discs).levels == ["L3-L4", "L2-L3", "L4-L5"])
        // A disc outside the field of view is not crossed.
        #expect(StudyAnalysis.pair(g, with: [("L3-L4", SIMD3(200, 0, 5))]).levels.isEmpty)
    }
}
