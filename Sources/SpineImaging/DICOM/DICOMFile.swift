/// A DICOM Part 10 file (or a bare data set): file meta information plus the data set.
public struct DICOMFile: Sendable {
    /// Group 0002 (empty for a bare data set without meta information).
    public var meta: DataSet
    public var dataSet: DataSet
    public var transferSyntax: TransferSyntax
    /// True when the object has pixel data (also when it was parsed header-only and stopped before it).
    public var hasPixelData: Bool

    /// Reads a file from disk. Errors name the file.
    /// - Parameter headerOnly: stop before the pixel data (fast scanning of large folders).
    public static func read(path: String, headerOnly: Bool = false) throws -> DICOMFile {
        do {
            return try parse(FileIO.read(path), headerOnly: headerOnly)
        } catch let e as ImagingError {
            throw e.inFile(path)
        }
    }

    /// True when the bytes look like DICOM (a "DICM" preamble, or a plausible first element of group 0002/0008).
    public static func looksLikeDICOM(_ bytes: [UInt8]) -> Bool {
        if bytes.count >= 132, bytes[128..<132].elementsEqual("DICM".utf8) { return true }
        guard bytes.count >= 8 else { return false }
        let group = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
        guard group == 0x0002 || group == 0x0008 else { return false }
        return VR(bytes: bytes[4], bytes[5]) != nil || (UInt32(bytes[4]) | UInt32(bytes[5]) << 8) < 0x1_0000
    }

    /// Parses a DICOM stream: with or without the 128-byte preamble, with or without file meta information.
    public static func parse(_ bytes: [UInt8], headerOnly: Bool = false) throws -> DICOMFile {
        var offset = 0
        if bytes.count >= 132, bytes[128..<132].elementsEqual("DICM".utf8) {
            offset = 132
        } else if bytes.count >= 4, bytes[0..<4].elementsEqual("DICM".utf8) {
            offset = 4
        } else if !looksLikeDICOM(bytes) {
            throw ImagingError(.unreadable, "not a DICOM file (no DICM marker and no recognisable data set)")
        }

        // File meta information: group 0002, always explicit VR little endian.
        var meta = DataSet()
        if bytes.count >= offset + 6, bytes[offset] == 0x02, bytes[offset + 1] == 0x00 {
            var p = DICOMParser(bytes: bytes, offset: offset, explicitVR: true, bigEndian: false)
            while p.reader.remaining >= 6, p.reader.bytes[p.reader.offset] == 0x02,
                p.reader.bytes[p.reader.offset + 1] == 0x00
            {
                let e = try p.parseElement(depth: 0, characterSet: .default, limit: p.reader.end)
                meta.insert(e)
            }
            offset = p.reader.offset
        }

        let syntax: TransferSyntax
        if let uid = meta.string(.transferSyntaxUID) {
            syntax = TransferSyntax(uid: uid)
        } else {
            syntax = guessSyntax(bytes, at: offset)
        }

        var body = bytes
        var start = offset
        if syntax.isDeflated {
            body = try Zlib.decompress(Array(bytes[offset...]), format: .raw)
            start = 0
        }
        var parser = DICOMParser(
            bytes: body, offset: start, explicitVR: syntax.isExplicitVR, bigEndian: syntax.isBigEndian,
            stopAtTag: headerOnly ? .pixelData : nil)
        let ds = try parser.parseDataSet(end: nil)
        let pixelTags: Set<DICOMTag> = [.pixelData, .floatPixelData, .doubleFloatPixelData]
        let hasPixels = parser.stoppedAt.map { $0 == .pixelData } ?? false || pixelTags.contains { ds.contains($0) }
        return DICOMFile(meta: meta, dataSet: ds, transferSyntax: syntax, hasPixelData: hasPixels)
    }

    /// Guesses the encoding of a data set without meta information: explicit VR if bytes 4–5 are VR letters.
    private static func guessSyntax(_ bytes: [UInt8], at offset: Int) -> TransferSyntax {
        guard bytes.count >= offset + 6 else { return .implicitVRLittleEndian }
        if VR(bytes: bytes[offset + 4], bytes[offset + 5]) != nil {
            // Big endian has the group's high byte first.
            return bytes[offset] == 0 && bytes[offset + 1] != 0 ? .explicitVRBigEndian : .explicitVRLittleEndian
        }
        return .implicitVRLittleEndian
    }
}

extension DICOMFile {
    /// Decodes every frame of the pixel data into native layout: samples interleaved, little-endian,
    /// `BitsAllocated/8` bytes per sample (1-bit data unpacked to one byte per pixel).
    public func decodedFrames() throws -> [[UInt8]] { try DICOMPixelData(file: self).decodedFrames() }
}
