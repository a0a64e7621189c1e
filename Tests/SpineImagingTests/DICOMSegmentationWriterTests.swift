import Foundation
import Testing

@testable import SpineImaging

/// DICOM SEG written from a label map on a small sagittal series that SpineKit writes
/// and reads back, checked with SpineKit's own parser: segments, per-frame geometry and references,
/// and the masks rebuilt from the 1-bit frames.
@Suite struct DICOMSegmentationWriterTests {
    /// A sagittal grid (rows run superior → inferior, columns anterior → posterior, slices right → left)
    /// of 21×15 pixels: 315 bits per frame, so frames do not start on byte boundaries.
    static let grid = ImageGeometry(
        size: SIMD3(21, 15, 6), spacing: SIMD3(0.8, 0.9, 3.0), origin: SIMD3(30, -50, 80),
        direction: Matrix3(columns: SIMD3(0, 1, 0), SIMD3(0, 0, -1), SIMD3(-1, 0, 0)))

    static let segments = [
        SegmentDescription(
            labelValue: 1, label: "Vertebral body", category: .anatomicalStructure,
            type: DICOMCode("SCT", "3572006", "Vertebral body"), algorithmName: "test", displayRGB: SIMD3(241, 214, 145)
        ),
        SegmentDescription(
            labelValue: 2, label: "Absent", category: .anatomicalStructure,
            type: DICOMCode("SCT", "54735007", "Sacrum"), algorithmName: "test"),
        SegmentDescription(
            labelValue: 3, label: "Intervertebral disc", category: .anatomicalStructure,
            type: DICOMCode("SCT", "360499006", "Intervertebral disc"), algorithmName: "test"),
    ]

    /// Label 1: a box in slices 1–3; label 3: an L shape in slices 2–5; label 2 nowhere; 7 unlisted.
    static func labels() -> Volume<UInt8> {
        var v = Volume<UInt8>(geometry: grid)
        for k in 1...3 { for j in 2..<9 { for i in 3..<12 { v[i, j, k] = 1 } } }
        for k in 2...5 {
            for j in 10..<14 { for i in 0..<21 { v[i, j, k] = 3 } }
            for j in 0..<14 { v[20, j, k] = 3 }
        }
        v[0, 0, 0] = 7
        return v
    }

    /// Writes the source series (with patient attributes added) and reads it back as a `DICOMSeries`.
    static func sourceSeries(in dir: String) throws -> DICOMSeries {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let image = Volume<Int16>(geometry: grid, voxels: (0..<grid.voxelCount).map { Int16($0 % 300) })
        let paths = try DICOMSeriesWriter.write(image, to: dir)
        for path in paths {
            var file = try DICOMFile.read(path: path)
            file.dataSet.set(.patientName, .PN, "Doe^Jane")
            file.dataSet.set(.patientID, .LO, "SPK-0001")
            file.dataSet.set(.patientSex, .CS, "F")
            file.dataSet.set(.studyID, .SH, "42")
            file.dataSet.set(.studyDate, .DA, "20240131")
            file.dataSet.set(.studyTime, .TM, "101500")
            try DICOMWriter.write(file.dataSet, to: path)
        }
        let scan = try DICOMStudyScanner.scan(path: dir)
        return try #require(scan.series.first)
    }

    static func tempFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-seg-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func writesAReadableSegmentationWithTheSourceGeometryAndReferences() throws {
        // With SPINEKIT_CHECK_OUT set, the files stay there for Scripts/checks/check_seg.py, dcmdump and dciodvfy.
        let keep = ProcessInfo.processInfo.environment["SPINEKIT_CHECK_OUT"].map { $0 + "/imaging-seg" }
        let dir = try keep ?? Self.tempFolder()
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let source = try Self.sourceSeries(in: dir + "/src")
        let labels = Self.labels()
        try DICOMSegmentationWriter.write(labels: labels, source: source, segments: Self.segments, to: dir + "/seg.dcm")

        let file = try DICOMFile.read(path: dir + "/seg.dcm")
        let ds = file.dataSet
        #expect(ds.string(.sopClassUID) == DICOMSegmentationWriter.sopClassUID)
        #expect(file.meta.string(.mediaStorageSOPClassUID) == DICOMSegmentationWriter.sopClassUID)
        #expect(ds.string(.modality) == "SEG")
        #expect(ds.string(.segmentationType) == "BINARY")
        #expect(ds.int(.bitsAllocated) == 1)
        #expect(ds.int(.rows) == 15 && ds.int(.columns) == 21)
        let first = try #require(source.instances.first)
        #expect(ds.string(.studyInstanceUID) == first.studyInstanceUID)
        #expect(ds.string(.frameOfReferenceUID) == first.frameOfReferenceUID)
        #expect(ds.string(.patientName) == "Doe^Jane")
        #expect(ds.string(.patientID) == "SPK-0001")
        #expect(ds.string(.studyID) == "42" && ds.string(.studyDate) == "20240131" && ds.string(.studyTime) == "101500")
        #expect(ds.contains(.patientBirthDate), "type 2: present even when empty")

        // Segments: all three described, codes as given.
        let segs = ds.items(.segmentSequence)
        #expect(segs.map { $0.int(.segmentNumber) } == [1, 2, 3])
        #expect(segs.map { $0.string(.segmentLabel) } == ["Vertebral body", "Absent", "Intervertebral disc"])
        #expect(
            segs.compactMap { $0.items(.segmentedPropertyTypeCodeSequence).first.flatMap(DICOMCode.init(item:)) }
                == Self.segments.map(\.type))
        #expect(segs[0].string(.segmentAlgorithmType) == "AUTOMATIC" && segs[0].string(.segmentAlgorithmName) == "test")
        #expect(segs[0].doubles(.recommendedDisplayCIELabValue).count == 3)

        // Frames only where a segment is present: label 1 on 3 slices, label 3 on 4.
        let perFrame = ds.items(.perFrameFunctionalGroupsSequence)
        #expect(ds.int(.numberOfFrames) == 7 && perFrame.count == 7)
        let frames = try file.decodedFrames()
        #expect(frames.count == 7 && frames.allSatisfy { $0.count == 21 * 15 })

        // Rebuild each segment's mask from positions and compare with the label map.
        let uids = source.instances.map(\.sopInstanceUID)
        var rebuilt: [Int: [UInt8]] = [1: [], 2: [], 3: []].mapValues { _ in
            [UInt8](repeating: 0, count: Self.grid.voxelCount)
        }
        for (n, item) in perFrame.enumerated() {
            let segment = try #require(item.firstItem(.segmentIdentificationSequence)?.int(.referencedSegmentNumber))
            let ipp = try #require(item.firstItem(.planePositionSequence)?.doubles(.imagePositionPatient))
            let p = SIMD3(ipp[0], ipp[1], ipp[2])
            let k = try #require(
                (0..<6).first { (source.geometry.worldLPS(voxelIJK: SIMD3(0, 0, Double($0))) - p).length < 1e-3 })
            let ref = item.firstItem(.derivationImageSequence, .sourceImageSequence)
            #expect(
                ref?.string(.referencedSOPInstanceUID) == uids[k], "frame \(n + 1) derives from the image it lies on")
            #expect(
                item.firstItem(.frameContentSequence)?.doubles(.dimensionIndexValues) == [
                    Double(segment), Double(k + 1),
                ])
            let plane = 21 * 15
            for q in 0..<plane where frames[n][q] != 0 { rebuilt[segment]![k * plane + q] = 1 }
        }
        for (number, s) in zip(1..., Self.segments) {
            #expect(rebuilt[number] == labels.voxels.map { $0 == s.labelValue ? 1 : 0 }, "segment \(number)")
        }

        // Shared geometry and references.
        let shared = try #require(ds.items(.sharedFunctionalGroupsSequence).first)
        #expect(shared.firstItem(.planeOrientationSequence)?.doubles(.imageOrientationPatient) == [0, 1, 0, 0, 0, -1])
        #expect(shared.firstItem(.pixelMeasuresSequence)?.doubles(.pixelSpacing) == [0.9, 0.8])
        let referenced = ds.items(.referencedSeriesSequence)
        #expect(referenced.count == 1 && referenced.first?.string(.seriesInstanceUID) == source.seriesInstanceUID)
        #expect(
            referenced.first?.items(.referencedInstanceSequence).map { $0.string(.referencedSOPInstanceUID) } == uids)
        #expect(ds.items(.dimensionIndexSequence).count == 2)

        // A folder holding the source and its SEG still yields the source series.
        let rescan = try DICOMStudyScanner.scan(path: dir)
        #expect(rescan.series.contains { $0.seriesInstanceUID == source.seriesInstanceUID && $0.sliceCount == 6 })
        #expect(rescan.series.count == 1 && rescan.nonImageObjects == 1, "the SEG is not a series to analyse")
    }

    @Test func copiesPatientIdentityRemovedOnlyWithItsMethod() throws {
        var source = DataSet()
        source.set(.patientIdentityRemoved, .CS, "YES")
        var seg = DataSet()
        DICOMSegmentationWriter.copyPatientAndStudy(from: source, studyInstanceUID: "1.2.3", into: &seg)
        #expect(!seg.contains(.patientIdentityRemoved), "YES without a method would make the SEG invalid (1C)")
        #expect(seg.contains(.patientName) && seg.string(.studyInstanceUID) == "1.2.3")
        source.set(.deidentificationMethod, .LO, "PS3.15 basic profile")
        DICOMSegmentationWriter.copyPatientAndStudy(from: source, studyInstanceUID: "1.2.3", into: &seg)
        #expect(
            seg.string(.patientIdentityRemoved) == "YES"
                && seg.string(.deidentificationMethod) == "PS3.15 basic profile")
    }

    @Test func packsBitsLeastSignificantFirstAcrossFrameBoundaries() {
        var bits = BitPacker()
        for b in [true, false, false, false, false, false, false, true, true, false, true] { bits.append(b) }
        #expect(bits.bytes == [0b1000_0001, 0b0000_0101])
    }

    @Test func refusesALabelMapOffTheSourceGrid() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try Self.sourceSeries(in: dir)
        var shifted = Self.labels()
        shifted.geometry.origin.x += 1
        #expect(throws: ImagingError.self) {
            try DICOMSegmentationWriter.encode(labels: shifted, source: source, segments: Self.segments)
        }
        var small = Self.grid
        small.size.z = 5
        do {
            _ = try DICOMSegmentationWriter.encode(
                labels: Volume<UInt8>(geometry: small), source: source, segments: Self.segments)
            Issue.record("a label map of another size must be refused")
        } catch let e as ImagingError {
            #expect(e.code == .invalidGeometry)
        }
        do {
            _ = try DICOMSegmentationWriter.encode(
                labels: Volume<UInt8>(geometry: Self.grid), source: source, segments: Self.segments)
            Issue.record("an empty label map must be refused")
        } catch let e as ImagingError {
            #expect(e.code == .invalidArgument)
            #expect(!e.description.contains("Doe"), "no patient data in messages")
        }
    }

    @Test func convertsDisplayColoursToDICOMScaledCIELab() {
        #expect(DICOMSegmentationWriter.cieLab(SIMD3(255, 255, 255)) == [65535, 32896, 32896])
        #expect(DICOMSegmentationWriter.cieLab(SIMD3(0, 0, 0)) == [0, 32896, 32896])
        let red = DICOMSegmentationWriter.cieLab(SIMD3(255, 0, 0))  // L* 53.2, a* 80.1, b* 67.2
        #expect(
            abs(red[0] - 53.24 * 655.35) < 100 && abs(red[1] - (80.09 + 128) * 257) < 100
                && abs(red[2] - (67.20 + 128) * 257) < 100)
    }
}
