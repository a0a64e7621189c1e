import Foundation
import Testing

@testable import SpineImaging

/// Series assembly on files written by real toolkits (pydicom, DCMTK; Tests/Fixtures/dicom, made by
/// Scripts/fixtures/make_dicom_fixtures.py) and on series SpineKit writes with known geometry.
@Suite struct DICOMSeriesTests {
    nonisolated(unsafe) static let expected: [String: Any] = {
        let url = TestData.fixtures.appendingPathComponent("dicom/expected.json")
        guard let data = try? Data(contentsOf: url) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }()
    static func fixture(_ name: String) -> String { TestData.fixtures.appendingPathComponent("dicom/\(name)").path }

    static func tempFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func checkMixedSeries(_ items: [ImageItem]) throws {
        let e = try #require(Self.expected["series"] as? [String: Any])
        #expect(items.count == 1)
        let item = try #require(items.first)
        let g = item.geometry
        #expect([g.size.x, g.size.y, g.size.z] == e["size"] as? [Int])
        let sp = try #require(e["spacing"] as? [Double])
        #expect((g.spacing - SIMD3(sp[0], sp[1], sp[2])).length < 1e-6)
        let o = try #require(e["origin"] as? [Double])
        #expect((g.origin - SIMD3(o[0], o[1], o[2])).length < 1e-6)
        let d = try #require(e["direction"] as? [[Double]])
        for r in 0..<3 { for c in 0..<3 { #expect(abs(g.direction[r, c] - d[r][c]) < 1e-9) } }
        #expect(g.axisCodes.description == e["axisCodes"] as? String)
        #expect(item.warnings.isEmpty, "\(item.warnings)")
        let v = try item.load()
        #expect(v.dataType == .int16, "slope 2 intercept −100 on 12-bit signed fits Int16")
        #expect(SHA256.hex(int32LE: v.converted(to: Int32.self).voxels) == e["modalitySHA256"] as? String)
    }

    /// Three slices in three encodings (explicit LE by pydicom, implicit VR and deflated by DCMTK's dcmconv).
    @Test func folderWithMixedEncodings() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for k in [2, 0, 1] {
            try FileManager.default.copyItem(atPath: Self.fixture("series_\(k).dcm"), toPath: dir + "/x\(2 - k)")
        }
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: dir + "/sub/notes.txt"))
        try checkMixedSeries(try ImageReader.open(path: dir))
        let syntaxes = try [0, 1, 2].map { try DICOMFile.read(path: Self.fixture("series_\($0).dcm")).transferSyntax }
        #expect(syntaxes == [.explicitVRLittleEndian, .implicitVRLittleEndian, .deflatedExplicitVRLittleEndian])
    }

    @Test func zipArchiveOfASeries() throws {
        try checkMixedSeries(try ImageReader.open(path: Self.fixture("series.zip")))
    }

    @Test(arguments: ["series_0.dcm", "series_1.dcm", "series_2.dcm"])
    func storedPixelsMatchPydicom(name: String) throws {
        let e = try #require(Self.expected[name] as? [String: Any])
        let file = try DICOMFile.read(path: Self.fixture(name))
        #expect(file.transferSyntax.uid == e["transferSyntax"] as? String)
        let pixels = try DICOMPixelData(file: file)
        let stored = try pixels.decodedFrames().flatMap { StoredValues.samples($0, pixels.outputFrame) }
        #expect(SHA256.hex(int32LE: stored) == e["storedSHA256"] as? String)
        #expect(file.dataSet.string(.patientName) == "Fixture^Synthetic")
    }

    @Test func bigEndianSliceEqualsLittleEndian() throws {
        let a = try DICOMFile.read(path: Self.fixture("series_0.dcm")).decodedFrames()
        let b = try DICOMFile.read(path: Self.fixture("big_endian.dcm"))
        #expect(b.transferSyntax == .explicitVRBigEndian)
        #expect(try b.decodedFrames() == a)
    }

    @Test func jpegBaselineWrittenByDCMTK() throws {
        let e = try #require(Self.expected["jpeg_baseline.dcm"] as? [String: Any])
        let file = try DICOMFile.read(path: Self.fixture("jpeg_baseline.dcm"))
        #expect(file.transferSyntax == .jpegBaseline)
        let pixels = try DICOMPixelData(file: file)
        let frame = try #require(try pixels.decodedFrames().first)
        let reference = try #require(e["pydicomPixels"] as? [Int])
        let ours = StoredValues.samples(frame, pixels.outputFrame).map(Int.init)
        #expect(ours.count == reference.count)
        #expect(
            zip(ours, reference).map { abs($0 - $1) }.max() ?? 99 <= 2,
            "libjpeg-turbo and pydicom's decoder agree within IDCT rounding")
        var maxError = 0
        for y in 0..<40 {
            for x in 0..<48 { maxError = max(maxError, abs(Int(frame[y * 48 + x]) - (x * 5 + y * 3) % 256)) }
        }
        #expect(maxError < 40, "lossy but close to the original gradient (max error \(maxError))")
    }

    /// A radiograph: 2D, spacing from ImagerPixelSpacing with a warning, MONOCHROME1 inverted.
    @Test func radiographWithImagerPixelSpacingAndMonochrome1() throws {
        let items = try ImageReader.open(path: Self.fixture("dx_mono1.dcm"))
        let item = try #require(items.first)
        #expect(item.geometry.size == SIMD3(16, 20, 1))
        #expect(abs(item.geometry.spacing.x - 0.14) < 1e-12 && abs(item.geometry.spacing.y - 0.15) < 1e-12)
        #expect(item.warnings.contains { $0.contains("ImagerPixelSpacing") })
        let v = try item.load().converted(to: Int32.self)
        // Stored value s (0…957 of 10 bits) is shown as 1023 − s.
        #expect(v.voxels[0] == 1023)
        #expect(v.voxels[1] == 1023 - 3)
    }

    /// A volume written by SpineKit and read back: geometry and voxels survive, in any file order.
    @Test func writtenSeriesRoundTrips() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dir2 = AxisCodes("PIR")!.direction
        let rot = Matrix3(columns: SIMD3(1, 0, 0), SIMD3(0, cos(0.2), sin(0.2)), SIMD3(0, -sin(0.2), cos(0.2)))
        let g = ImageGeometry(
            size: SIMD3(7, 5, 4), spacing: SIMD3(0.6, 0.7, 4.5), origin: SIMD3(3, -7, 11), direction: rot * dir2)
        var v = Volume<Int16>(geometry: g)
        for n in v.voxels.indices { v.voxels[n] = Int16(n * 37 % 2000 - 500) }
        let paths = try DICOMSeriesWriter.write(v, to: dir)
        #expect(paths.count == 4)
        // Rename so that file order disagrees with slice order.
        for (n, p) in paths.enumerated() { try FileManager.default.moveItem(atPath: p, toPath: dir + "/z\(9 - n).dcm") }
        let scan = try DICOMStudyScanner.scan(path: dir)
        let s = try #require(scan.series.first)
        #expect(scan.series.count == 1 && s.warnings.isEmpty)
        #expect((s.geometry.origin - g.origin).length < 1e-4)
        #expect((s.geometry.spacing - g.spacing).length < 1e-6)
        for c in 0..<3 { #expect((s.geometry.direction.column(c) - g.direction.column(c)).length < 1e-6) }
        #expect(try s.loadVolume().converted(to: Int16.self).voxels == v.voxels)
    }

    @Test func missingSliceAndNonUniformSpacingAreReported() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let g = ImageGeometry(size: SIMD3(4, 4, 6), spacing: SIMD3(1, 1, 3))
        let paths = try DICOMSeriesWriter.write(Volume<Int16>(geometry: g, repeating: 5), to: dir)
        try FileManager.default.removeItem(atPath: paths[3])
        let s = try #require(try DICOMStudyScanner.scan(path: dir).series.first)
        #expect(s.sliceCount == 5)
        #expect(s.warnings.contains { $0.contains("missing") }, "\(s.warnings)")
    }

    @Test func differentOrientationsInOneSeriesAreSplit() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = DICOMSeriesWriter.Options()
        options.seriesInstanceUID = "1.2.3.4"
        let sag = ImageGeometry(size: SIMD3(4, 4, 3), spacing: SIMD3(1, 1, 3), direction: AxisCodes("PIR")!.direction)
        let ax = ImageGeometry(size: SIMD3(4, 4, 2), spacing: SIMD3(1, 1, 3), direction: AxisCodes("LPS")!.direction)
        try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: dir + "/b", withIntermediateDirectories: false)
        try DICOMSeriesWriter.write(Volume<Int16>(geometry: sag), to: dir + "/a", options: options)
        try DICOMSeriesWriter.write(Volume<Int16>(geometry: ax), to: dir + "/b", options: options)
        let series = try DICOMStudyScanner.scan(path: dir).series
        #expect(series.map(\.sliceCount).sorted() == [2, 3])
        #expect(Set(series.map(\.identifier)) == ["1.2.3.4#1", "1.2.3.4#2"])
        #expect(throws: ImagingError.self) { try ImageReader.readVolume(path: dir) }
        #expect(try ImageReader.readVolume(path: dir, series: "1.2.3.4#2").0.geometry.size.z == series[1].sliceCount)
    }

    @Test func gantryTiltIsReported() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Slices displaced along a direction 15° off the normal: a sheared (tilted) acquisition.
        let tilt = 15.0 * Double.pi / 180
        for k in 0..<3 {
            var ds = DataSet()
            ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.2")
            ds.set(.sopInstanceUID, .UI, DICOMWriter.makeUID())
            ds.set(.seriesInstanceUID, .UI, "1.2.3.9")
            ds.set(.modality, .CS, "CT")
            ds.set(.imagePositionPatient, decimals: [0, Double(k) * 5 * sin(tilt), Double(k) * 5 * cos(tilt)])
            ds.set(.imageOrientationPatient, decimals: [1, 0, 0, 0, 1, 0])
            ds.set(.pixelSpacing, decimals: [1, 1])
            ds.set(.rows, .US, numbers: [2]); ds.set(.columns, .US, numbers: [2])
            ds.set(.bitsAllocated, .US, numbers: [16]); ds.set(.bitsStored, .US, numbers: [16])
            ds.set(.pixelRepresentation, .US, numbers: [1]); ds.set(.samplesPerPixel, .US, numbers: [1])
            ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
            ds.set(.pixelData, .OW, bytes: [UInt8](repeating: 1, count: 8))
            try DICOMWriter.write(ds, to: dir + "/\(k).dcm")
        }
        let s = try #require(try DICOMStudyScanner.scan(path: dir).series.first)
        #expect(s.warnings.contains { $0.contains("gantry tilt of 15.00°") }, "\(s.warnings)")
    }

    @Test func enhancedMultiFrameUsesPerFrameGeometry() throws {
        guard TestData.isAvailable else { return }
        let path = try TestData.path("dicom-conformance/eCT_Supplemental.dcm")
        let items = try ImageReader.open(path: path)
        #expect(items.count == 1)
        let item = try #require(items.first)
        #expect(item.geometry.size.z == 2)
        let v = try item.load()
        #expect(v.dataType == .int16, "unsigned stored values with intercept −1024 still fit Int16")
        #expect(v.valueRange?.min == -1024)
    }
}
