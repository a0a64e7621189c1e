import Foundation
import Testing

@testable import SpineImaging

/// Hand-made byte streams whose answer is known by construction, and a corpus of malformed inputs.
@Suite struct DICOMParserTests {
    /// Builds explicit-VR little-endian element bytes.
    static func element(_ g: UInt16, _ e: UInt16, _ vr: String, _ value: [UInt8], bigEndian: Bool = false) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] {
            bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)]
        }
        func u32(_ v: UInt32) -> [UInt8] {
            let le = (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }; return bigEndian ? le.reversed() : le
        }
        let vrBytes = Array(vr.utf8)
        if ["OB", "OW", "SQ", "UN", "UT", "UC"].contains(vr) {
            return u16(g) + u16(e) + vrBytes + [0, 0] + u32(UInt32(value.count)) + value
        }
        return u16(g) + u16(e) + vrBytes + u16(UInt16(value.count)) + value
    }

    static func implicitElement(_ g: UInt16, _ e: UInt16, _ value: [UInt8]) -> [UInt8] {
        [UInt8(g & 0xFF), UInt8(g >> 8), UInt8(e & 0xFF), UInt8(e >> 8)]
            + (0..<4).map { UInt8(truncatingIfNeeded: UInt32(value.count) >> (8 * $0)) } + value
    }

    static func part10(syntax: String, body: [UInt8]) -> [UInt8] {
        var uid = Array(syntax.utf8)
        if uid.count % 2 == 1 { uid.append(0) }
        let meta = element(0x0002, 0x0010, "UI", uid)
        let groupLength = element(
            0x0002, 0x0000, "UL", (0..<4).map { UInt8(truncatingIfNeeded: UInt32(meta.count) >> (8 * $0)) })
        return [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + groupLength + meta + body
    }

    @Test func implicitVRUsesTheDictionary() throws {
        let body =
            Self.implicitElement(0x0028, 0x0010, [4, 0]) + Self.implicitElement(0x0028, 0x0030, Array("0.5\\0.75".utf8))
            + Self.implicitElement(0x0010, 0x0010, Array("Doe^Jane".utf8))
        let file = try DICOMFile.parse(Self.part10(syntax: "1.2.840.10008.1.2", body: body))
        #expect(file.dataSet[.rows]?.vr == .US)
        #expect(file.dataSet.int(.rows) == 4)
        #expect(file.dataSet.doubles(.pixelSpacing) == [0.5, 0.75])
        #expect(file.dataSet[.patientName]?.vr == .PN)
    }

    @Test func bigEndianValuesAreSwapped() throws {
        let body =
            Self.element(0x0028, 0x0010, "US", [0x01, 0x02], bigEndian: true)
            + Self.element(0x0018, 0x9087, "FD", Double(1.5).bitPattern.bigEndianBytes, bigEndian: true)
        let file = try DICOMFile.parse(Self.part10(syntax: "1.2.840.10008.1.2.2", body: body))
        #expect(file.dataSet.int(.rows) == 0x0102)
        #expect(file.dataSet.double(DICOMTag(0x0018, 0x9087)) == 1.5)
    }

    @Test func nestedSequencesOfUndefinedAndDefinedLength() throws {
        // Item (undefined length) holding a defined-length sequence holding one item.
        let innerItem = Self.element(0x0020, 0x0032, "DS", Array("1\\2\\3 ".utf8))
        let innerSeq = Self.element(
            0x0020, 0x9113, "SQ", [0xFE, 0xFF, 0x00, 0xE0] + UInt32(innerItem.count).leBytes + innerItem)
        let outer = [UInt8](Self.element(0x5200, 0x9230, "SQ", []).dropLast(0))
        var seq = Array(outer[0..<8]) + UInt32(0xFFFF_FFFF).leBytes
        seq +=
            [0xFE, 0xFF, 0x00, 0xE0] + UInt32(0xFFFF_FFFF).leBytes + innerSeq + [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]
        seq += [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
        let file = try DICOMFile.parse(
            Self.part10(syntax: "1.2.840.10008.1.2.1", body: seq + Self.element(0x0028, 0x0010, "US", [8, 0])))
        let item = try #require(file.dataSet.firstItem(.perFrameFunctionalGroupsSequence, .planePositionSequence))
        #expect(item.doubles(.imagePositionPatient) == [1, 2, 3])
        #expect(file.dataSet.int(.rows) == 8, "parsing continues after the sequence")
    }

    @Test func characterSets() throws {
        let latin1 =
            Self.element(0x0008, 0x0005, "CS", Array("ISO_IR 100".utf8))
            + Self.element(0x0008, 0x103E, "LO", [0x4D, 0xFC, 0x6C, 0x6C])
        let a = try DICOMFile.parse(Self.part10(syntax: "1.2.840.10008.1.2.1", body: latin1))
        #expect(a.dataSet.string(.seriesDescription) == "Müll")
        let utf8 =
            Self.element(0x0008, 0x0005, "CS", Array("ISO_IR 192".utf8))
            + Self.element(0x0008, 0x103E, "LO", Array("Müll".utf8))
        let b = try DICOMFile.parse(Self.part10(syntax: "1.2.840.10008.1.2.1", body: utf8))
        #expect(b.dataSet.string(.seriesDescription) == "Müll")
    }

    @Test func deflatedExplicitLittleEndian() throws {
        let body = Self.element(0x0028, 0x0010, "US", [7, 0]) + Self.element(0x0028, 0x0011, "US", [9, 0])
        let deflated = try Zlib.compress(body, format: .raw)
        let file = try DICOMFile.parse(Self.part10(syntax: "1.2.840.10008.1.2.1.99", body: deflated))
        #expect(file.dataSet.int(.rows) == 7 && file.dataSet.int(.columns) == 9)
    }

    @Test func noPreambleNoMeta() throws {
        let body = Self.element(0x0008, 0x0060, "CS", Array("MR".utf8)) + Self.element(0x0028, 0x0010, "US", [3, 0])
        let file = try DICOMFile.parse(body)
        #expect(file.dataSet.string(.modality) == "MR")
        #expect(file.transferSyntax == .explicitVRLittleEndian)
    }

    @Test func encapsulatedFramesUseTheOffsetTable() throws {
        let frags: [ArraySlice<UInt8>] = [[0xFF, 0xD8, 1, 2], [3, 4], [0xFF, 0xD8, 5, 6]]
        let enc = EncapsulatedPixelData(basicOffsetTable: [0, 20], fragments: frags, fragmentOffsets: [0, 12, 20])
        let frames = try enc.frames(count: 2)
        #expect(frames == [[0xFF, 0xD8, 1, 2, 3, 4], [0xFF, 0xD8, 5, 6]])
        let noTable = EncapsulatedPixelData(basicOffsetTable: [], fragments: frags, fragmentOffsets: [0, 12, 20])
        #expect(try noTable.frames(count: 2) == frames, "frames found by SOI markers")
        #expect(throws: ImagingError.self) { try noTable.frames(count: 5) }
    }

    /// Malformed inputs: each must throw an ImagingError whose message says what is wrong.
    static let malformed: [(name: String, bytes: [UInt8], message: String)] = {
        let ok = element(0x0028, 0x0010, "US", [4, 0])
        var deep = [UInt8]()
        for _ in 0..<40 {
            deep +=
                Array(element(0x0040, 0xA730, "SQ", [])[0..<8]) + UInt32(0xFFFF_FFFF).leBytes + [
                    0xFE, 0xFF, 0x00, 0xE0,
                ] + UInt32(0xFFFF_FFFF).leBytes
        }
        let rowsHuge =
            element(0x0028, 0x0010, "US", [0xFF, 0xFF]) + element(0x0028, 0x0011, "US", [0xFF, 0xFF])
            + element(0x0028, 0x0008, "IS", Array("99999 ".utf8)) + element(0x0028, 0x0100, "US", [16, 0])
            + element(0x7FE0, 0x0010, "OW", [0, 0])
        return [
            ("empty file", [], "not a DICOM file"),
            ("text file", Array("hello, this is not an image at all.....".utf8), "not a DICOM file"),
            (
                "length beyond end",
                part10(
                    syntax: "1.2.840.10008.1.2.1",
                    body: ok + Array(element(0x0008, 0x103E, "LO", Array("abcdef".utf8))[0..<8]) + [1, 2]),
                "declares 6 bytes"
            ),
            ("sequences nested too deep", part10(syntax: "1.2.840.10008.1.2.1", body: deep), "nested deeper"),
            (
                "bad item tag in a sequence",
                part10(syntax: "1.2.840.10008.1.2.1", body: element(0x0008, 0x1115, "SQ", [1, 2, 3, 4, 0, 0, 0, 0])),
                "expected an item tag"
            ),
            ("truncated meta", Array(part10(syntax: "1.2.840.10008.1.2.1", body: []).prefix(140)), "truncated"),
            ("truncated deflate", part10(syntax: "1.2.840.10008.1.2.1.99", body: [0x78]), "compressed"),
            ("absurd image size", part10(syntax: "1.2.840.10008.1.2.1", body: rowsHuge), "exceed"),
            (
                "pixel data too short",
                part10(
                    syntax: "1.2.840.10008.1.2.1",
                    body: element(0x0028, 0x0010, "US", [4, 0]) + element(0x0028, 0x0011, "US", [4, 0])
                        + element(0x0028, 0x0100, "US", [16, 0]) + element(0x7FE0, 0x0010, "OW", [0, 0, 0, 0])),
                "pixel data has 4 bytes"
            ),
        ]
    }()

    @Test(arguments: malformed.indices)
    func malformedInputGivesAClearError(index: Int) {
        let c = Self.malformed[index]
        do {
            let file = try DICOMFile.parse(c.bytes)
            _ = try DICOMPixelData(file: file).decodedFrames()
            Issue.record("\(c.name): parsed without error")
        } catch let e as ImagingError {
            #expect(e.description.contains(c.message), "\(c.name): got \"\(e.description)\"")
            #expect(!e.description.contains("\n"))
        } catch {
            Issue.record("\(c.name): unexpected error type \(error)")
        }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SystemRandomNumberGenerator()
        let seedFile = Self.part10(
            syntax: "1.2.840.10008.1.2.1",
            body: Self.element(0x0028, 0x0010, "US", [4, 0]) + Self.element(0x0008, 0x1115, "SQ", []))
        for _ in 0..<2000 {
            var b = seedFile
            for _ in 0..<4 { b[Int.random(in: 128..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            if Bool.random(using: &rng) { b = Array(b.prefix(Int.random(in: 0...b.count, using: &rng))) }
            _ = try? DICOMFile.parse(b)
        }
    }
}

extension UInt32 { var leBytes: [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: self >> (8 * UInt32($0))) } } }
extension UInt64 {
    var bigEndianBytes: [UInt8] { (0..<8).reversed().map { UInt8(truncatingIfNeeded: self >> (8 * UInt64($0))) } }
}
