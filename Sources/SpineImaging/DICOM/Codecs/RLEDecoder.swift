/// DICOM RLE Lossless (PS3.5 Annex G) in pure Swift.
///
/// A frame is a 64-byte header (segment count, then 15 segment offsets, little-endian UInt32) and
/// one PackBits segment per byte plane: for each sample, its bytes most significant first. The
/// planes are reassembled into interleaved little-endian samples (`PixelFrameDescriptor` layout).
/// Every offset and run is bounds-checked; bad bytes throw `ImagingError`, never trap.
/// Complexity: O(frame bytes).
enum RLEDecoder {
    /// Decodes one RLE frame (one fragment's worth of bytes).
    /// - Returns: exactly `frame.frameByteCount` bytes in native DICOM layout.
    static func decode(_ data: [UInt8], frame: PixelFrameDescriptor) throws -> [UInt8] {
        let total = try frame.checkedFrameByteCount(codec: "RLE", bitsAllocated: [8, 16, 32])
        let bps = frame.bytesPerSample
        let spp = frame.samplesPerPixel
        let pixels = frame.rows * frame.columns
        let expectedSegments = spp * bps

        var reader = ByteReader(data)
        let segmentCount = Int(try reader.readUInt32(bigEndian: false, "RLE header"))
        var offsets = [Int]()
        for _ in 0..<15 { offsets.append(Int(try reader.readUInt32(bigEndian: false, "RLE header"))) }
        guard segmentCount == expectedSegments else {
            throw ImagingError.malformed(
                "RLE: \(segmentCount) segments, but \(spp) sample(s) of \(bps) byte(s) need \(expectedSegments)",
                offset: 0)
        }

        var out = [UInt8](repeating: 0, count: total)
        for s in 0..<segmentCount {
            let start = offsets[s]
            let end = s + 1 < segmentCount ? offsets[s + 1] : data.count
            guard start >= 64, start <= end, end <= data.count else {
                throw ImagingError.malformed(
                    "RLE: segment \(s + 1) spans bytes \(start)..<\(end) of a \(data.count)-byte frame",
                    offset: 4 + 4 * s)
            }
            // Segment s holds byte (s % bps) of sample (s / bps), most significant byte first.
            let sample = s / bps
            let byteInSample = bps - 1 - s % bps
            try unpackBits(
                data, from: start, to: end, into: &out, first: sample * bps + byteInSample,
                stride: spp * bps, count: pixels, segment: s + 1)
        }
        return out
    }

    /// Expands one PackBits segment into `count` bytes written at `first`, `first + stride`, ….
    /// Extra decoded bytes (segments are padded to an even length) are ignored.
    private static func unpackBits(
        _ data: [UInt8], from start: Int, to end: Int, into out: inout [UInt8], first: Int, stride: Int,
        count: Int, segment: Int
    ) throws {
        var i = start
        var n = 0  // output bytes produced
        var o = first
        var extra = 0  // decoded bytes beyond the plane
        while n < count {
            guard i < end else {
                throw ImagingError.truncated("RLE segment \(segment) yields \(n) of \(count) bytes", offset: i)
            }
            let header = Int(Int8(bitPattern: data[i]))
            i += 1
            if header >= 0 {
                // Literal run of header + 1 bytes.
                let run = header + 1
                guard i + run <= end else {
                    throw ImagingError.truncated("RLE segment \(segment): literal run past its end", offset: i)
                }
                let take = min(run, count - n)
                extra += run - take
                for k in 0..<take {
                    out[o] = data[i + k]
                    o += stride
                }
                n += take
                i += run
            } else if header != -128 {
                // Replicate the next byte 1 - header times.
                guard i < end else {
                    throw ImagingError.truncated("RLE segment \(segment): replicate run past its end", offset: i)
                }
                let value = data[i]
                i += 1
                let take = min(1 - header, count - n)
                extra += 1 - header - take
                for _ in 0..<take {
                    out[o] = value
                    o += stride
                }
                n += take
            }
            // -128 is a no-op.
        }
        // What is left may only be padding (segments have even length). More decoded bytes than
        // that means the segment was encoded for a larger frame than the descriptor says.
        while i < end && extra <= 2 {
            let header = Int(Int8(bitPattern: data[i]))
            i += 1
            if header >= 0 {
                extra += min(header + 1, end - i)
                i += header + 1
            } else if header != -128 {
                if i < end { extra += 1 - header }
                i += 1
            }
        }
        if extra > 2 {
            throw ImagingError.malformed(
                "RLE segment \(segment) holds more than the \(count) bytes of a plane: rows or columns disagree with the data",
                offset: start)
        }
    }
}
