/// Writes 8-bit greyscale or RGB PNG images (for previews and documentation figures).
package enum PNGWriter {
    /// PNG bytes of a `width`×`height` image; `samples` holds rows top to bottom, `channels` (1 or 3)
    /// interleaved values per pixel.
    package static func encode(width: Int, height: Int, channels: Int, samples: [UInt8]) throws -> [UInt8] {
        precondition(channels == 1 || channels == 3, "PNG writer supports grey and RGB")
        precondition(samples.count == width * height * channels, "sample count does not match the image size")
        var raw = [UInt8]()
        raw.reserveCapacity((width * channels + 1) * height)
        for r in 0..<height {
            raw.append(0)  // filter: none
            raw.append(contentsOf: samples[(r * width * channels)..<((r + 1) * width * channels)])
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = [UInt8]()
        be32(UInt32(width), &header)
        be32(UInt32(height), &header)
        header += [8, channels == 3 ? 2 : 0, 0, 0, 0]
        chunk("IHDR", header, &out)
        chunk("IDAT", try Zlib.compress(raw, format: .zlib), &out)
        chunk("IEND", [], &out)
        return out
    }

    /// Writes a PNG file atomically.
    package static func write(width: Int, height: Int, channels: Int, samples: [UInt8], to path: String) throws {
        try FileIO.writeAtomically(encode(width: width, height: height, channels: channels, samples: samples), to: path)
    }

    static func be32(_ v: UInt32, _ out: inout [UInt8]) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8], _ out: inout [UInt8]) {
        be32(UInt32(data.count), &out)
        let body = Array(type.utf8) + data
        out += body
        be32(crc32(body), &out)
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
