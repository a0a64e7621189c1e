import Foundation
import Testing

@testable import SpineImaging

private typealias Support = VolumeFileTestSupport

@Suite struct MetaImageTests {
    struct Variant: CustomTestStringConvertible, Sendable {
        var ext: String
        var compressed: Bool
        var testDescription: String { "\(ext)\(compressed ? " compressed" : "")" }
    }
    static let variants = [
        Variant(ext: "mha", compressed: false), Variant(ext: "mha", compressed: true),
        Variant(ext: "mhd", compressed: false), Variant(ext: "mhd", compressed: true),
    ]

    // MARK: Round trips

    @Test(arguments: VoxelDataType.allCases, variants)
    func roundTripEveryTypeAndLayout(type: VoxelDataType, variant: Variant) throws {
        let dir = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for leftHanded in [false, true] {
            let volume = Support.sampleVolume(type, geometry: Support.obliqueGeometry(leftHanded: leftHanded))
            let path = dir.appendingPathComponent("v\(leftHanded).\(variant.ext)").path
            try MetaImage.write(volume, to: path, compressed: variant.compressed)
            let back = try MetaImage.read(path: path)
            Support.expectSameVolume(back, volume, tolerance: 1e-9)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        if variant.ext == "mhd" {
            let dataExt = variant.compressed ? "zraw" : "raw"
            #expect(Set(files) == ["vfalse.\(dataExt)", "vfalse.mhd", "vtrue.\(dataExt)", "vtrue.mhd"])
        } else {
            #expect(files == ["vfalse.mha", "vtrue.mha"])
        }
    }

    @Test func writtenHeaderFollowsITK() throws {
        let g = ImageGeometry(
            size: SIMD3(2, 3, 4), spacing: SIMD3(0.5, 1, 2), origin: SIMD3(1, 2, 3),
            direction: try #require(AxisCodes("PIR")).direction)
        let text = MetaImage.headerText(
            Support.sampleVolume(.int16, geometry: g), compressed: false, compressedSize: 0, dataFile: "LOCAL")
        // Row i of TransformMatrix is the direction of axis i: P = (0,1,0), I = (0,0,−1), R = (−1,0,0).
        #expect(text.contains("TransformMatrix = 0 1 0 0 0 -1 -1 0 0\n"))
        #expect(text.contains("ElementType = MET_SHORT\n"))
        #expect(text.contains("DimSize = 2 3 4\n"))
        #expect(text.contains("AnatomicalOrientation = ASL\n"))
        #expect(text.contains("Offset = 1 2 3\n") && text.contains("ElementSpacing = 0.5 1 2\n"))
        #expect(text.hasSuffix("ElementDataFile = LOCAL\n"))
    }

    // MARK: Hand-written ITK-format fixtures

    @Test func fixturesGiveExpectedWorldAndValues() throws {
        let cases = try Support.expectations("metaimage")
        #expect(cases.count >= 7)
        for e in cases {
            let path = TestData.fixtures.appendingPathComponent("metaimage").appendingPathComponent(e.file).path
            let v = try MetaImage.read(path: path, volumeIndex: e.volumeIndex)
            Support.check(v, against: e)
        }
    }

    @Test func fourDimensionalVolumeSelection() throws {
        let path = TestData.fixtures.appendingPathComponent("metaimage/fourd_double.mha").path
        let v0 = try MetaImage.read(path: path, volumeIndex: 0)
        let v1 = try MetaImage.read(path: path, volumeIndex: 1)
        #expect(Support.doubles(v0) != Support.doubles(v1))
        Support.expectError(.invalidArgument, "volume index 2 is out of range: the image has 2 volume(s)") {
            _ = try MetaImage.read(path: path, volumeIndex: 2)
        }
    }

    // MARK: Malformed input

    static func header(_ fields: [(String, String)]) -> [UInt8] {
        Array(fields.map { "\($0.0) = \($0.1)\n" }.joined().utf8)
    }

    static let base: [(String, String)] = [
        ("ObjectType", "Image"), ("NDims", "3"), ("BinaryData", "True"), ("DimSize", "4 3 2"),
        ("ElementType", "MET_SHORT"), ("ElementDataFile", "LOCAL"),
    ]

    static func replacing(_ key: String, with value: String?) -> [(String, String)] {
        var f = base
        if let i = f.firstIndex(where: { $0.0 == key }) {
            if let value { f[i].1 = value } else { f.remove(at: i) }
        } else if let value {
            f.insert((key, value), at: f.count - 1)
        }
        return f
    }

    @Test func validBaseReads() throws {
        let v = try MetaImage.read(bytes: Self.header(Self.base) + [UInt8](repeating: 1, count: 48), name: "ok.mha")
        #expect(v.dataType == .int16 && v.geometry.size == SIMD3(4, 3, 2))
    }

    @Test func missingDimSize() {
        let b = Self.header(Self.replacing("DimSize", with: nil)) + [UInt8](repeating: 0, count: 48)
        Support.expectError(.malformed, "MetaImage header has no DimSize") {
            _ = try MetaImage.read(bytes: b, name: "x.mha")
        }
    }

    @Test func garbageDimSize() {
        let b = Self.header(Self.replacing("DimSize", with: "4 x 2")) + [UInt8](repeating: 0, count: 48)
        Support.expectError(.malformed, "DimSize = '4 x 2' is not a list of 3 integers") {
            _ = try MetaImage.read(bytes: b, name: "x.mha")
        }
        let b2 = Self.header(Self.replacing("DimSize", with: "4 -3 2"))
        Support.expectError(.malformed, "has a dimension that is not positive") {
            _ = try MetaImage.read(bytes: b2, name: "x.mha")
        }
        let b3 = Self.header(Self.replacing("DimSize", with: "100000 100000 100"))
        Support.expectError(.tooLarge, "exceed the limit") { _ = try MetaImage.read(bytes: b3, name: "x.mha") }
    }

    @Test func missingDataFile() throws {
        let dir = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("lonely.mhd").path
        try FileIO.writeAtomically(Self.header(Self.replacing("ElementDataFile", with: "lonely.raw")), to: path)
        guard let e = Support.imagingError({ _ = try MetaImage.read(path: path) }) else { return }
        #expect(e.code == .fileNotFound)
        #expect(e.message.contains("data file 'lonely.raw' named by ElementDataFile does not exist"))
        #expect(e.file == path)
    }

    @Test func compressedDataTooShort() throws {
        let raw = [UInt8](repeating: 7, count: 48).enumerated().map { UInt8($0.offset) &* $0.element }
        let packed = try Zlib.compress(raw, format: .zlib)
        var f = Self.replacing("CompressedData", with: "True")
        f.insert(("CompressedDataSize", "\(packed.count)"), at: f.count - 1)
        // Declared size larger than what follows.
        let declared = Self.header(f) + packed.prefix(packed.count - 5)
        Support.expectError(
            .truncated, "CompressedDataSize is \(packed.count) bytes but only \(packed.count - 5) are present"
        ) {
            _ = try MetaImage.read(bytes: declared, name: "x.mha")
        }
        // No declared size, stream cut.
        let cut = Self.header(Self.replacing("CompressedData", with: "True")) + packed.prefix(packed.count / 2)
        Support.expectError(.truncated, "compressed stream ends before its end marker") {
            _ = try MetaImage.read(bytes: cut, name: "x.mha")
        }
        // A complete stream that inflates to fewer bytes than the image needs.
        let small =
            Self.header(Self.replacing("CompressedData", with: "True"))
            + (try Zlib.compress(Array(raw.prefix(20)), format: .zlib))
        Support.expectError(.truncated, "compressed data inflate to 20 bytes but the image needs 48") {
            _ = try MetaImage.read(bytes: small, name: "x.mha")
        }
    }

    @Test func uncompressedDataTooShort() {
        let b = Self.header(Self.base) + [UInt8](repeating: 0, count: 40)
        Support.expectError(.truncated, "image data needs 48 bytes but only 40 are present") {
            _ = try MetaImage.read(bytes: b, name: "x.mha")
        }
    }

    @Test func otherRefusals() {
        Support.expectError(.malformed, "has no ElementDataFile") {
            _ = try MetaImage.read(bytes: Self.header(Array(Self.base.dropLast())), name: "x.mha")
        }
        Support.expectError(.unsupported, "3 channels per voxel") {
            _ = try MetaImage.read(
                bytes: Self.header(Self.replacing("ElementNumberOfChannels", with: "3")), name: "x.mha")
        }
        Support.expectError(.unsupported, "split over several files") {
            _ = try MetaImage.read(bytes: Self.header(Self.replacing("ElementDataFile", with: "LIST")), name: "x.mha")
        }
        Support.expectError(.unsupported, "ElementType 'MET_FANCY' is not supported") {
            _ = try MetaImage.read(bytes: Self.header(Self.replacing("ElementType", with: "MET_FANCY")), name: "x.mha")
        }
        Support.expectError(.malformed, "MetaImage header has no ElementType") {
            _ = try MetaImage.read(bytes: Self.header(Self.replacing("ElementType", with: nil)), name: "x.mha")
        }
        Support.expectError(.malformed, "binary bytes in the MetaImage header") {
            _ = try MetaImage.read(bytes: [0x1F, 0x8B, 0, 0, 0x0A], name: "x.mha")
        }
        Support.expectError(.malformed, "not a MetaImage") {
            _ = try MetaImage.read(bytes: Array("\n\n".utf8), name: "x.mha")
        }
    }
}
