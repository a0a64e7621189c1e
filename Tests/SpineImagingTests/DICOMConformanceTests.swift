import Foundation
import Testing

@testable import SpineImaging

/// Pixel-exact checks against what pydicom reads from real files written by many vendors and toolkits
/// (expected values recorded by Scripts/fixtures/make_dicom_oracle.py into Tests/Fixtures/dicom-oracle.json).
@Suite(.enabled(if: TestData.isAvailable, "needs ../shared/data (real DICOM conformance files)"))
struct DICOMConformanceTests {
    nonisolated(unsafe) static let oracle: [String: Any] = {
        let url = TestData.fixtures.appendingPathComponent("dicom-oracle.json")
        guard let data = try? Data(contentsOf: url),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return json
    }()
    static var files: [String: [String: Any]] { oracle["files"] as? [String: [String: Any]] ?? [:] }
    static let readable = files.filter { $0.value["error"] == nil }.keys.sorted()

    @Test(arguments: readable)
    func headerMatchesPydicom(name: String) throws {
        let expected = try #require(Self.files[name])
        let file = try DICOMFile.read(path: TestData.path("dicom-conformance/\(name)"))
        let ds = file.dataSet
        #expect(file.transferSyntax.uid == expected["transferSyntax"] as? String)
        for key in ["Rows", "Columns", "SamplesPerPixel", "BitsAllocated", "BitsStored", "PixelRepresentation"] {
            guard let v = expected[key] as? Int else { continue }
            let tag = try #require(DICOMDictionary.tag(forKeyword: key))
            #expect(ds.int(tag) == v, "\(key)")
        }
        if let frames = expected["NumberOfFrames"] as? Int { #expect(ds.int(.numberOfFrames) == frames) }
        if let p = expected["PhotometricInterpretation"] as? String {
            #expect(ds.string(.photometricInterpretation) == p)
        }
        if let ipp = expected["ImagePositionPatient"] as? [Double] { #expect(ds.doubles(.imagePositionPatient) == ipp) }
        if let iop = expected["ImageOrientationPatient"] as? [Double] {
            #expect(ds.doubles(.imageOrientationPatient) == iop)
        }
        if let ps = expected["PixelSpacing"] as? [Double] { #expect(ds.doubles(.pixelSpacing) == ps) }
    }

    @Test(arguments: readable)
    func pixelsMatchPydicom(name: String) throws {
        let expected = try #require(Self.files[name])
        let file = try DICOMFile.read(path: TestData.path("dicom-conformance/\(name)"))
        let pixels = try DICOMPixelData(file: file)
        let frames = try pixels.decodedFrames()
        let stored = frames.flatMap { StoredValues.samples($0, pixels.outputFrame) }
        #expect(stored.min() == (expected["storedMin"] as? Int).map(Int32.init))
        #expect(stored.max() == (expected["storedMax"] as? Int).map(Int32.init))
        #expect(
            SHA256.hex(int32LE: stored) == expected["storedSHA256"] as? String, "pixel checksum differs from pydicom")
    }

    /// The volume a user gets: modality LUT applied, MONOCHROME1 inverted to MONOCHROME2 sense.
    @Test(arguments: readable.filter { Self.files[$0]?["modalityMin"] != nil })
    func volumeValuesMatchModalityLUT(name: String) throws {
        let expected = try #require(Self.files[name])
        let path = try TestData.path("dicom-conformance/\(name)")
        let instance = try DICOMInstance.read(.file(path))
        let series = DICOMSeriesAssembler.assemble([instance])
        let volume = try #require(series.first).loadVolume()
        let range = try #require(volume.valueRange)
        var lo = try #require(expected["modalityMin"] as? Double), hi = try #require(expected["modalityMax"] as? Double)
        if expected["PhotometricInterpretation"] as? String == "MONOCHROME1" {
            // Inversion maps the stored range [0, 2^bits − 1] onto itself reversed.
            let top = Double((1 << (expected["BitsStored"] as? Int ?? 16)) - 1)
            (lo, hi) = (top - hi, top - lo)
        }
        #expect(abs(range.min - lo) < 1e-3 * max(1, abs(lo)))
        #expect(abs(range.max - hi) < 1e-3 * max(1, abs(hi)))
    }

    @Test func truncatedJPEG2000GivesClearError() throws {
        let path = try TestData.path("dicom-conformance/emri_small_jpeg_2k_lossless_too_short.dcm")
        do {
            let file = try DICOMFile.read(path: path)
            _ = try DICOMPixelData(file: file).decodedFrames()
            Issue.record("a truncated file must not decode")
        } catch let e as ImagingError {
            #expect(e.description.contains("emri_small_jpeg_2k_lossless_too_short.dcm") || e.file == nil)
            #expect(e.code == .truncated || e.code == .malformed, "\(e)")
        }
    }

    @Test func realCTSeriesAssemblesLikePydicom() throws {
        let expected = try #require((Self.oracle["series"] as? [String: Any])?["dicom-series-ct"] as? [String: Any])
        let result = try DICOMStudyScanner.scan(path: TestData.path("dicom-series-ct"))
        #expect(result.series.count == 1)
        #expect(result.otherFiles == 1)  // the LICENSE file
        let series = try #require(result.series.first)
        let g = series.geometry
        let size = try #require(expected["size"] as? [Int])
        #expect([g.size.x, g.size.y, g.size.z] == size)
        let spacing = try #require(expected["spacing"] as? [Double])
        #expect(
            abs(g.spacing.x - spacing[0]) < 1e-9 && abs(g.spacing.y - spacing[1]) < 1e-9
                && abs(g.spacing.z - spacing[2]) < 1e-6)
        let origin = try #require(expected["origin"] as? [Double])
        #expect((g.origin - SIMD3(origin[0], origin[1], origin[2])).length < 1e-6)
        let direction = try #require(expected["direction"] as? [[Double]])
        #expect(g.direction.rows == direction)
        #expect(series.warnings.isEmpty, "\(series.warnings)")
        let volume = try series.loadVolume()
        let voxels = volume.converted(to: Int32.self).voxels
        #expect(SHA256.hex(int32LE: voxels) == expected["modalitySHA256"] as? String)
    }
}
