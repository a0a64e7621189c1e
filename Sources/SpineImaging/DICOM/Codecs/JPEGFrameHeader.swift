/// The frame header (SOFn) of a JPEG stream, found by walking its marker segments.
///
/// Used to route a stream to the right decoder before any C library sees it: lossless frames
/// (SOF3/7/11/15) go to `JPEGLosslessDecoder`, 12-bit frames are refused with a clear message.
struct JPEGFrameHeader: Sendable, Equatable {
    /// The SOF marker's low byte minus 0xC0: 0 baseline, 1 extended, 2 progressive, 3 lossless, …
    var process: Int
    var precision: Int
    var width: Int
    var height: Int
    var components: Int

    /// True for the lossless processes (SOF3, SOF7, SOF11, SOF15).
    var isLossless: Bool { process & 3 == 3 }

    /// Reads the first frame header; throws if the stream is not JPEG or ends before one.
    init(_ data: [UInt8]) throws {
        var r = ByteReader(data)
        guard try r.readUInt16(bigEndian: true, "JPEG SOI marker") == 0xFFD8 else {
            throw ImagingError.malformed("not a JPEG stream (no SOI marker)", offset: 0)
        }
        while true {
            var b = try r.readUInt8("JPEG marker")
            guard b == 0xFF else {
                throw ImagingError.malformed(
                    "JPEG: expected a marker, found byte 0x\(String(b, radix: 16))", offset: r.offset - 1)
            }
            while b == 0xFF { b = try r.readUInt8("JPEG marker") }
            switch b {
            case 0xD0...0xD7, 0x01: continue
            case 0xD9, 0xDA:
                throw ImagingError.malformed("JPEG: no frame header before the first scan", offset: r.offset - 2)
            default: break
            }
            let length = Int(try r.readUInt16(bigEndian: true, "JPEG segment length"))
            guard length >= 2 else {
                throw ImagingError.malformed("JPEG: segment length \(length) < 2", offset: r.offset - 2)
            }
            if (0xC0...0xCF).contains(b) && b != 0xC4 && b != 0xC8 && b != 0xCC {
                precision = Int(try r.readUInt8("JPEG frame header"))
                height = Int(try r.readUInt16(bigEndian: true, "JPEG frame header"))
                width = Int(try r.readUInt16(bigEndian: true, "JPEG frame header"))
                components = Int(try r.readUInt8("JPEG frame header"))
                process = Int(b) - 0xC0
                return
            }
            try r.skip(length - 2, "JPEG marker segment")
        }
    }
}
