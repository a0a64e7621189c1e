import Foundation
import SpineAnalysis
import SpineImaging
import Testing

@testable import SpinePipeline

/// The 11 structure classes as a DICOM SEG of the phantom series: codes, colours, masks.
///
/// With `SPINEKIT_CHECK_OUT=DIR`, the source series, the label map (as a DICOM series) and the SEG
/// stay in `DIR/pipeline-seg/` for `Scripts/checks/check_seg.py`.
@Suite struct SegmentationExportTests {
    @Test func everyClassHasSNOMEDCodesAndAColour() {
        let segments = StructureClass.segmentDescriptions(algorithmName: "SpineKit test", algorithmVersion: "0")
        #expect(segments.count == 11)
        #expect(segments.map(\.labelValue) == Array(1...11))
        #expect(Set(segments.map(\.type.value)).count == 11, "distinct property types")
        #expect(segments.allSatisfy { $0.type.scheme == "SCT" && $0.category.scheme == "SCT" })
        #expect(segments.allSatisfy { [DICOMCode.anatomicalStructure, DICOMCode.tissue].contains($0.category) })
        #expect(Set(segments.compactMap(\.displayRGB).map { [$0.x, $0.y, $0.z] }).count == 11, "distinct colours")
        #expect(StructureClass.caudaEquina.segmentCodes.type == DICOMCode("SCT", "7173007", "Cauda equina"))
    }

    @Test func writesTheElevenClassesOfTheSourceSeries() throws {
        let keep = ProcessInfo.processInfo.environment["SPINEKIT_CHECK_OUT"].map { $0 + "/pipeline-seg" }
        let dir =
            keep
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-pseg-\(UUID().uuidString)").path
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: dir) } }
        try? FileManager.default.removeItem(atPath: dir)
        for sub in ["src", "labels"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }

        var options = DICOMSeriesWriter.Options()
        options.seriesDescription = "T2 sagittal (phantom)"
        for path in try DICOMSeriesWriter.write(ReportFixture.image, to: dir + "/src", options: options) {
            var file = try DICOMFile.read(path: path)
            file.dataSet.set(.patientName, .PN, "Phantom^Lumbar")
            file.dataSet.set(.patientID, .LO, "PHANTOM-7")
            file.dataSet.set(.studyDate, .DA, "20250101")
            file.dataSet.set(.studyTime, .TM, "120000")
            file.dataSet.set(.accessionNumber, .SH, "A7")
            file.dataSet.set(.studyID, .SH, "S7")
            try DICOMWriter.write(file.dataSet, to: path)
        }
        var labelOptions = DICOMSeriesWriter.Options()
        labelOptions.modality = "OT"
        labelOptions.seriesDescription = "labels (expected masks)"
        labelOptions.frameOfReferenceUID = options.frameOfReferenceUID
        try DICOMSeriesWriter.write(ReportFixture.labels, to: dir + "/labels", options: labelOptions)

        let source = try #require(try DICOMStudyScanner.scan(path: dir + "/src").series.first)
        let segments = StructureClass.segmentDescriptions(algorithmName: "SpineKit test", algorithmVersion: "0")
        try DICOMSegmentationWriter.write(
            labels: ReportFixture.labels, source: source, segments: segments, to: dir + "/segmentation.dcm")

        let file = try DICOMFile.read(path: dir + "/segmentation.dcm")
        let ds = file.dataSet
        #expect(ds.items(.segmentSequence).count == 11)
        #expect(ds.string(.patientID) == "PHANTOM-7" && ds.string(.accessionNumber) == "A7")
        let perFrame = ds.items(.perFrameFunctionalGroupsSequence)
        let frames = try file.decodedFrames()
        #expect(frames.count == perFrame.count)
        // Per segment: voxel count in the frames equals the count in the label map.
        var counted = [Int](repeating: 0, count: 12)
        for (n, item) in perFrame.enumerated() {
            let s = try #require(item.firstItem(.segmentIdentificationSequence)?.int(.referencedSegmentNumber))
            counted[s] += frames[n].reduce(0) { $0 + Int($1) }
        }
        for c in 1...11 {
            #expect(counted[c] == ReportFixture.labels.voxels.filter { $0 == UInt8(c) }.count, "class \(c)")
            #expect(counted[c] > 0, "the fixture holds every class")
        }
    }
}

/// Writes the SEG of a real series, for the independent checks: set SPINEKIT_SEG_SOURCE (DICOM folder of
/// one series), SPINEKIT_SEG_LABELS (11-class label map on that series' grid, e.g. NIfTI) and
/// SPINEKIT_CHECK_OUT (where `segmentation-study.dcm` goes). Skipped otherwise.
@Suite struct SegmentationFromFiles {
    static let env = ProcessInfo.processInfo.environment
    static var isConfigured: Bool {
        ["SPINEKIT_SEG_SOURCE", "SPINEKIT_SEG_LABELS", "SPINEKIT_CHECK_OUT"].allSatisfy { env[$0] != nil }
    }

    @Test(.enabled(if: isConfigured, "set SPINEKIT_SEG_SOURCE, SPINEKIT_SEG_LABELS and SPINEKIT_CHECK_OUT"))
    func writesTheSegmentationOfASeries() throws {
        let source = try #require(try DICOMStudyScanner.scan(path: Self.env["SPINEKIT_SEG_SOURCE"]!).series.first)
        let (labels, _) = try ImageReader.readVolume(path: Self.env["SPINEKIT_SEG_LABELS"]!)
        let start = Date()
        try DICOMSegmentationWriter.write(
            labels: labels.converted(to: UInt8.self), source: source, segments: StructureClass.segmentDescriptions(),
            to: Self.env["SPINEKIT_CHECK_OUT"]! + "/segmentation-study.dcm")
        print(
            "SEG of \(source.geometry.size) written in \(String(format: "%.2f", Date().timeIntervalSince(start))) s (debug build)"
        )
    }
}
