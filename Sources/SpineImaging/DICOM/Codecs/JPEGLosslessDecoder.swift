/// JPEG lossless, process 14 (ITU-T T.81 Annex H), Huffman-coded, in pure Swift.
///
/// Handles SOF3 frames of 2–16-bit precision with 1–4 components at 1×1 sampling, interleaved or
/// one scan per component, all seven predictors (selection values 1–7), point transform, restart
/// intervals (DRI/RSTn), byte stuffing and fill bytes. This is what DICOM transfer syntaxes
/// 1.2.840.10008.1.2.4.57 and .70 (SV1) carry and what libjpeg-turbo 2.1 cannot decode.
///
/// Hostile input never traps and never loops: every scan decodes at most rows × columns samples per
/// component, and running out of entropy-coded data is detected after each row.
/// Complexity: O(samples), with a 9-bit Huffman lookahead table.
enum JPEGLosslessDecoder {
    /// Decodes one JPEG lossless frame.
    /// - Returns: exactly `frame.frameByteCount` bytes: interleaved samples, little-endian,
    ///   each `(value << pointTransform)` in `frame.bytesPerSample` bytes.
    static func decode(_ data: [UInt8], frame: PixelFrameDescriptor) throws -> [UInt8] {
        let total = try frame.checkedFrameByteCount(codec: "JPEG lossless")
        var parser = Parser(data: data, frame: frame)
        let samples = try parser.run()
        var out = [UInt8](repeating: 0, count: total)
        let shift = parser.pointTransform
        if frame.bytesPerSample == 1 {
            for k in samples.indices { out[k] = UInt8(truncatingIfNeeded: Int(samples[k]) << shift) }
        } else {
            for k in samples.indices {
                let v = UInt16(truncatingIfNeeded: Int(samples[k]) << shift)
                out[2 * k] = UInt8(truncatingIfNeeded: v)
                out[2 * k + 1] = UInt8(truncatingIfNeeded: v >> 8)
            }
        }
        return out
    }

    /// A Huffman table (T.81 Annex C) with a 9-bit lookahead for the common short codes.
    struct HuffmanTable {
        static let lookaheadBits = 9
        /// For each 9-bit prefix: code length << 8 | symbol, or 0 when the code is longer.
        var fast = [UInt16](repeating: 0, count: 1 << lookaheadBits)
        /// Largest code of each length 1…16 (-1 if none), and the index of its first symbol.
        var maxCode = [Int](repeating: -1, count: 18)
        var valueOffset = [Int](repeating: 0, count: 17)
        var values = [UInt8]()

        init(counts: [Int], values: [UInt8], offset: Int) throws {
            self.values = values
            var code = 0
            var k = 0
            for length in 1...16 {
                let n = counts[length - 1]
                valueOffset[length] = k - code
                if n > 0 {
                    code += n
                    maxCode[length] = code - 1
                    guard code <= (1 << length) else {
                        throw ImagingError.malformed(
                            "JPEG lossless: Huffman table has too many codes of length \(length)", offset: offset)
                    }
                    // Fill the lookahead table with every 9-bit prefix of the short codes.
                    if length <= Self.lookaheadBits {
                        for c in (code - n)..<code {
                            let symbol = UInt16(values[k + c - (code - n)])
                            let lo = c << (Self.lookaheadBits - length)
                            let hi = (c + 1) << (Self.lookaheadBits - length)
                            for p in lo..<hi { fast[p] = UInt16(length) << 8 | symbol }
                        }
                    }
                    k += n
                }
                code <<= 1
            }
            maxCode[17] = Int.max  // sentinel: no code longer than 16 bits
        }
    }

    /// Reads entropy-coded bits, removing stuffed zero bytes and stopping at markers.
    struct BitReader {
        let data: [UInt8]
        var position: Int
        var accumulator: UInt64 = 0
        var bitCount = 0
        /// Set when a marker (or the end of data) stops the input; `markerPosition` is where it starts.
        var markerHit = false
        var markerPosition = 0
        /// Set when more bits were consumed than the data held (zeros were read past a marker).
        var overrun = false

        init(data: [UInt8], position: Int) {
            self.data = data
            self.position = position
        }

        @inline(__always) mutating func fill() {
            while bitCount <= 56 && !markerHit {
                guard position < data.count else {
                    markerHit = true
                    markerPosition = data.count
                    return
                }
                let b = data[position]
                if b != 0xFF {
                    accumulator = accumulator << 8 | UInt64(b)
                    bitCount += 8
                    position += 1
                    continue
                }
                var q = position + 1
                while q < data.count && data[q] == 0xFF { q += 1 }  // fill bytes before a marker
                if q < data.count && data[q] == 0x00 {
                    accumulator = accumulator << 8 | 0xFF
                    bitCount += 8
                    position = q + 1
                } else {
                    markerHit = true
                    markerPosition = position
                }
            }
        }

        /// The next `n` (≤ 16) bits without consuming them; zeros past the end of data.
        @inline(__always) mutating func peek(_ n: Int) -> Int {
            if bitCount < n { fill() }
            if bitCount >= n {
                return Int(truncatingIfNeeded: (accumulator >> UInt64(bitCount - n))) & ((1 << n) - 1)
            }
            return Int(truncatingIfNeeded: accumulator << UInt64(n - bitCount)) & ((1 << n) - 1)
        }

        @inline(__always) mutating func consume(_ n: Int) {
            if n > bitCount {
                overrun = true
                bitCount = 0
            } else {
                bitCount -= n
            }
        }

        @inline(__always) mutating func bits(_ n: Int) -> Int {
            let v = peek(n)
            consume(n)
            return v
        }

        /// Position of the next marker: drops buffered bits (the padding of the last byte) and, if
        /// extra entropy-coded bytes remain before it, skips them as libjpeg does.
        mutating func seekMarker() -> Int {
            if !markerHit {
                var q = position
                while q + 1 < data.count {
                    if data[q] == 0xFF && data[q + 1] != 0x00 && data[q + 1] != 0xFF { break }
                    q += 1
                }
                markerPosition = min(q, data.count)
            }
            return markerPosition
        }

        mutating func reset(at p: Int) {
            position = p
            accumulator = 0
            bitCount = 0
            markerHit = false
            overrun = false
        }
    }

    struct Component {
        var id: Int
        var decoded = false
    }

    /// Walks the marker segments of one JPEG lossless image.
    struct Parser {
        let data: [UInt8]
        let frame: PixelFrameDescriptor
        var precision = 0
        var width = 0
        var height = 0
        var components: [Component] = []
        /// Every sample of the frame, interleaved (pixel-major, component fastest) as in the output.
        var samples: [UInt16] = []
        var tables: [Int: HuffmanTable] = [:]
        var restartInterval = 0
        var pointTransform = 0

        init(data: [UInt8], frame: PixelFrameDescriptor) {
            self.data = data
            self.frame = frame
        }

        mutating func run() throws -> [UInt16] {
            var r = ByteReader(data)
            guard try r.readUInt16(bigEndian: true, "JPEG SOI marker") == 0xFFD8 else {
                throw ImagingError.malformed("JPEG lossless: data does not start with an SOI marker", offset: 0)
            }
            var sawFrame = false
            loop: while true {
                // Markers may be preceded by any number of 0xFF fill bytes.
                var b = try r.readUInt8("JPEG marker")
                guard b == 0xFF else {
                    throw ImagingError.malformed(
                        "JPEG lossless: expected a marker, found byte 0x\(String(b, radix: 16))", offset: r.offset - 1)
                }
                while b == 0xFF { b = try r.readUInt8("JPEG marker") }
                let marker = Int(b)
                let markerOffset = r.offset - 2
                switch marker {
                case 0xD9:  // EOI
                    break loop
                case 0xD0...0xD7, 0x01:  // stray RSTn or TEM: no length
                    continue
                default:
                    break
                }
                let length = Int(try r.readUInt16(bigEndian: true, "JPEG segment length"))
                guard length >= 2 else {
                    throw ImagingError.malformed("JPEG lossless: segment length \(length) < 2", offset: markerOffset)
                }
                let segment = ByteReader(data, offset: r.offset, end: r.offset + length - 2)
                try r.require(length - 2, "JPEG marker segment")
                switch marker {
                case 0xC3:
                    guard !sawFrame else {
                        throw ImagingError.unsupported("JPEG lossless: more than one frame (hierarchical JPEG)")
                    }
                    try readFrameHeader(segment)
                    sawFrame = true
                case 0xC4:
                    try readHuffmanTables(segment)
                case 0xDD:
                    var s = segment
                    restartInterval = Int(try s.readUInt16(bigEndian: true, "DRI segment"))
                case 0xDA:
                    guard sawFrame else {
                        throw ImagingError.malformed(
                            "JPEG lossless: scan before the frame header", offset: markerOffset)
                    }
                    let next = try decodeScan(header: segment, entropyStart: r.offset + length - 2)
                    r.offset = next
                    continue loop
                case 0xC0, 0xC1, 0xC2, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
                    throw ImagingError.unsupported(
                        "JPEG lossless: frame type SOF\(marker - 0xC0) is not lossless process 14 (SOF3); use the lossy JPEG decoder"
                    )
                case 0xDC:
                    throw ImagingError.unsupported("JPEG lossless: DNL marker (image height defined after the scan)")
                default:
                    break  // APPn, COM, DQT, … are not needed
                }
                r.offset += length - 2
            }
            guard sawFrame else { throw ImagingError.malformed("JPEG lossless: no SOF3 frame header") }
            for (i, c) in components.enumerated() where !c.decoded {
                throw ImagingError.truncated("JPEG lossless: component \(i + 1) of \(components.count) is in no scan")
            }
            return samples
        }

        mutating func readFrameHeader(_ segment: ByteReader) throws {
            var s = segment
            let at = s.offset
            precision = Int(try s.readUInt8("SOF3 segment"))
            height = Int(try s.readUInt16(bigEndian: true, "SOF3 segment"))
            width = Int(try s.readUInt16(bigEndian: true, "SOF3 segment"))
            let count = Int(try s.readUInt8("SOF3 segment"))
            guard (2...16).contains(precision) else {
                throw ImagingError.malformed("JPEG lossless: precision \(precision) bits is outside 2…16", offset: at)
            }
            guard count >= 1 && count <= 4 else {
                throw ImagingError.malformed("JPEG lossless: \(count) components", offset: at)
            }
            guard width == frame.columns, height == frame.rows, count == frame.samplesPerPixel,
                precision <= 8 * frame.bytesPerSample
            else {
                throw frame.mismatch(
                    codec: "JPEG lossless", columns: width, rows: height, components: count, precision: precision)
            }
            for _ in 0..<count {
                let id = Int(try s.readUInt8("SOF3 component"))
                let sampling = try s.readUInt8("SOF3 component")
                _ = try s.readUInt8("SOF3 component")
                guard sampling == 0x11 else {
                    throw ImagingError.unsupported(
                        "JPEG lossless: component sampling factors \(sampling >> 4)×\(sampling & 15) (only 1×1 is supported)"
                    )
                }
                guard !components.contains(where: { $0.id == id }) else {
                    throw ImagingError.malformed("JPEG lossless: component id \(id) appears twice", offset: at)
                }
                components.append(Component(id: id))
            }
            samples = [UInt16](repeating: 0, count: width * height * count)
        }

        mutating func readHuffmanTables(_ segment: ByteReader) throws {
            var s = segment
            while !s.isAtEnd {
                let at = s.offset
                let tc = Int(try s.readUInt8("DHT segment"))
                guard tc >> 4 <= 1, tc & 15 <= 3 else {
                    throw ImagingError.malformed(
                        "JPEG lossless: Huffman table class/id 0x\(String(tc, radix: 16))", offset: at)
                }
                var counts = [Int]()
                for _ in 0..<16 { counts.append(Int(try s.readUInt8("DHT segment"))) }
                let n = counts.reduce(0, +)
                guard n <= 256 else {
                    throw ImagingError.malformed("JPEG lossless: Huffman table with \(n) codes", offset: at)
                }
                let values = Array(try s.readBytes(n, "DHT values"))
                // Only the table id matters: lossless scans use the "DC" class, but accept either.
                tables[tc & 15] = try HuffmanTable(counts: counts, values: values, offset: at)
            }
        }

        /// Decodes one scan; returns the offset of the marker that follows its entropy-coded data.
        mutating func decodeScan(header: ByteReader, entropyStart: Int) throws -> Int {
            var s = header
            let at = s.offset
            let ns = Int(try s.readUInt8("SOS segment"))
            guard ns >= 1, ns <= components.count else {
                throw ImagingError.malformed("JPEG lossless: scan with \(ns) components", offset: at)
            }
            var scanComponents = [Int]()
            var scanTables = [HuffmanTable]()
            for _ in 0..<ns {
                let id = Int(try s.readUInt8("SOS component"))
                let td = Int(try s.readUInt8("SOS component")) >> 4
                guard let index = components.firstIndex(where: { $0.id == id }) else {
                    throw ImagingError.malformed("JPEG lossless: scan names unknown component \(id)", offset: at)
                }
                guard !components[index].decoded, !scanComponents.contains(index) else {
                    throw ImagingError.malformed("JPEG lossless: component \(id) is in more than one scan", offset: at)
                }
                guard let table = tables[td & 3] else {
                    throw ImagingError.malformed(
                        "JPEG lossless: scan uses Huffman table \(td) that was never defined", offset: at)
                }
                scanComponents.append(index)
                scanTables.append(table)
            }
            let predictor = Int(try s.readUInt8("SOS segment"))
            _ = try s.readUInt8("SOS segment")  // Se
            let al = Int(try s.readUInt8("SOS segment")) & 15
            guard (1...7).contains(predictor) else {
                throw ImagingError.malformed(
                    "JPEG lossless: predictor selection value \(predictor) is outside 1…7", offset: at)
            }
            guard al < precision else {
                throw ImagingError.malformed(
                    "JPEG lossless: point transform \(al) ≥ precision \(precision)", offset: at)
            }
            pointTransform = al

            var bits = BitReader(data: data, position: entropyStart)
            var buffer: [UInt16] = []
            swap(&buffer, &samples)  // decode in place without a copy-on-write
            defer { swap(&buffer, &samples) }
            try decodeSamples(
                into: &buffer, components: scanComponents, tables: scanTables, predictor: predictor,
                initial: 1 << (precision - al - 1), bits: &bits)
            for index in scanComponents { components[index].decoded = true }
            return bits.seekMarker()
        }

        /// The sample loop: Huffman-decoded differences added to the selected prediction (T.81 H.1.2).
        func decodeSamples(
            into samples: inout [UInt16], components scan: [Int], tables: [HuffmanTable], predictor: Int, initial: Int,
            bits: inout BitReader
        ) throws {
            let w = width
            let h = height
            let ns = scan.count
            let nf = components.count
            let up = w * nf  // distance to the same sample one row up
            let interval = restartInterval
            var mcusToRestart = interval
            // Row/column where the current restart interval began: that row is predicted from Ra only.
            var firstRow = 0
            var firstColumn = 0
            var restartsSeen = 0
            for y in 0..<h {
                for x in 0..<w {
                    if interval > 0 {
                        if mcusToRestart == 0 {
                            try restart(&bits, expected: restartsSeen & 7)
                            restartsSeen += 1
                            mcusToRestart = interval
                            firstRow = y
                            firstColumn = x
                        }
                        mcusToRestart -= 1
                    }
                    let pixel = (y * w + x) * nf
                    for c in 0..<ns {
                        let i = pixel + scan[c]
                        let diff = try decodeDifference(tables[c], &bits)
                        let prediction: Int
                        if y == firstRow {
                            prediction = x == firstColumn ? initial : Int(samples[i - nf])
                        } else if x == 0 {
                            prediction = Int(samples[i - up])
                        } else {
                            let ra = Int(samples[i - nf])
                            let rb = Int(samples[i - up])
                            let rc = Int(samples[i - up - nf])
                            switch predictor {
                            case 1: prediction = ra
                            case 2: prediction = rb
                            case 3: prediction = rc
                            case 4: prediction = ra + rb - rc
                            case 5: prediction = ra + ((rb - rc) >> 1)
                            case 6: prediction = rb + ((ra - rc) >> 1)
                            default: prediction = (ra + rb) >> 1
                            }
                        }
                        samples[i] = UInt16(truncatingIfNeeded: prediction + diff)
                    }
                }
                if bits.overrun {
                    throw ImagingError.truncated(
                        "JPEG lossless: entropy-coded data ends at row \(y + 1) of \(h)", offset: bits.markerPosition)
                }
            }
        }

        @inline(__always) func decodeDifference(_ table: borrowing HuffmanTable, _ bits: inout BitReader) throws -> Int
        {
            let look = bits.peek(HuffmanTable.lookaheadBits)
            let entry = table.fast[look]
            var ssss: Int
            if entry != 0 {
                bits.consume(Int(entry >> 8))
                ssss = Int(entry & 0xFF)
            } else {
                let code16 = bits.peek(16)
                var length = HuffmanTable.lookaheadBits + 1
                while length <= 16 && (code16 >> (16 - length)) > table.maxCode[length] { length += 1 }
                guard length <= 16 else {
                    throw ImagingError.malformed("JPEG lossless: invalid Huffman code", offset: bits.position)
                }
                let index = table.valueOffset[length] + (code16 >> (16 - length))
                guard index >= 0, index < table.values.count else {
                    throw ImagingError.malformed("JPEG lossless: invalid Huffman code", offset: bits.position)
                }
                bits.consume(length)
                ssss = Int(table.values[index])
            }
            switch ssss {
            case 0: return 0
            case 16: return 32768
            case 1...15:
                let v = bits.bits(ssss)
                return v < (1 << (ssss - 1)) ? v - (1 << ssss) + 1 : v
            default:
                throw ImagingError.malformed("JPEG lossless: difference category \(ssss) > 16", offset: bits.position)
            }
        }

        /// Consumes an RSTn marker and resets the bit reader after it.
        func restart(_ bits: inout BitReader, expected: Int) throws {
            if bits.overrun {
                throw ImagingError.truncated(
                    "JPEG lossless: entropy-coded data ends inside a restart interval",
                    offset: bits.markerPosition)
            }
            var p = bits.seekMarker()
            guard p + 1 < data.count, data[p] == 0xFF else {
                throw ImagingError.truncated("JPEG lossless: missing RST marker", offset: p)
            }
            while p < data.count && data[p] == 0xFF { p += 1 }
            guard p < data.count, (0xD0...0xD7).contains(data[p]) else {
                throw ImagingError.malformed("JPEG lossless: expected an RST marker", offset: p - 1)
            }
            bits.reset(at: p + 1)
        }
    }
}
