/// Parses a DICOM data set from bytes: explicit or implicit VR, little or big endian,
/// nested sequences of defined and undefined length, and encapsulated pixel data.
///
/// Hostile-input safe: every length is checked against the bytes that remain, nesting depth is
/// bounded, and nothing traps. Big-endian binary values are swapped to little-endian as they are read.
struct DICOMParser {
    var reader: ByteReader
    let explicitVR: Bool
    let bigEndian: Bool
    /// Stop (without reading it) at the first top-level element with this tag or a larger one.
    var stopAtTag: DICOMTag?
    /// The tag at which parsing stopped because of `stopAtTag`, if it did.
    var stoppedAt: DICOMTag?
    static let maxDepth = 24

    init(bytes: [UInt8], offset: Int, explicitVR: Bool, bigEndian: Bool, stopAtTag: DICOMTag? = nil) {
        reader = ByteReader(bytes, offset: offset)
        self.explicitVR = explicitVR
        self.bigEndian = bigEndian
        self.stopAtTag = stopAtTag
    }

    /// Parses elements until `end` (or the end of the bytes); for undefined-length items, until an item delimiter.
    mutating func parseDataSet(
        end: Int?, untilItemDelimiter: Bool = false, depth: Int = 0, characterSet: SpecificCharacterSet = .default
    ) throws -> DataSet {
        guard depth <= Self.maxDepth else {
            throw ImagingError.malformed("sequences nested deeper than \(Self.maxDepth) levels", offset: reader.offset)
        }
        var ds = DataSet()
        ds.characterSet = characterSet
        let limit = end ?? reader.end
        while reader.offset < limit {
            // Peek at the tag for delimiters and the stop tag.
            guard reader.offset + 4 <= limit else {
                // Trailing padding shorter than a tag: tolerated at the top level.
                if depth == 0 { reader.offset = limit; break }
                throw ImagingError.truncated("element header", offset: reader.offset)
            }
            let start = reader.offset
            let tag = try peekTag()
            if tag == .itemDelimitation {
                reader.offset += 4
                _ = try reader.readUInt32(bigEndian: bigEndian, "item delimiter length")
                if untilItemDelimiter { return ds }
                continue  // a stray delimiter: skip it as DCMTK does
            }
            if tag == .sequenceDelimitation && depth > 0 {
                throw ImagingError.malformed("sequence delimiter inside an item", offset: start)
            }
            if depth == 0, let stop = stopAtTag, tag >= stop {
                stoppedAt = tag
                break
            }
            let element = try parseElement(depth: depth, characterSet: ds.characterSet, limit: limit)
            if element.tag == .specificCharacterSet {
                ds.insert(element)
                ds.characterSet = SpecificCharacterSet(terms: ds.strings(.specificCharacterSet))
            } else {
                ds.insert(element)
            }
        }
        if untilItemDelimiter, end == nil {
            throw ImagingError.truncated("item without its delimiter", offset: reader.offset)
        }
        return ds
    }

    private func peekTag() throws -> DICOMTag {
        guard let b = reader.peekBytes(4) else { throw ImagingError.truncated("element tag", offset: reader.offset) }
        let i = b.startIndex
        let g = bigEndian ? UInt16(b[i]) << 8 | UInt16(b[i + 1]) : UInt16(b[i + 1]) << 8 | UInt16(b[i])
        let e = bigEndian ? UInt16(b[i + 2]) << 8 | UInt16(b[i + 3]) : UInt16(b[i + 3]) << 8 | UInt16(b[i + 2])
        return DICOMTag(g, e)
    }

    private mutating func readTag() throws -> DICOMTag {
        let g = try reader.readUInt16(bigEndian: bigEndian, "element tag")
        let e = try reader.readUInt16(bigEndian: bigEndian, "element tag")
        return DICOMTag(g, e)
    }

    mutating func parseElement(depth: Int, characterSet: SpecificCharacterSet, limit: Int) throws -> DataElement {
        let start = reader.offset
        let tag = try readTag()
        var vr: VR
        var length: UInt32
        // Group 0002 is always explicit VR little endian; the caller parses it with such a parser.
        if explicitVR {
            let b0 = try reader.readUInt8("VR"), b1 = try reader.readUInt8("VR")
            if let v = VR(bytes: b0, b1) {
                vr = v
            } else {
                // Unknown VR letters: DICOM says treat as UN with a 4-byte length (PS3.5 §6.2); some writers
                // put implicit-VR elements in explicit files, which we detect by a plausible 4-byte length.
                if (0x41...0x5A).contains(b0) && (0x41...0x5A).contains(b1) {
                    vr = .UN
                } else {
                    reader.offset -= 2
                    vr = DICOMDictionary.entry(for: tag)?.vr ?? .UN
                    length = try reader.readUInt32(bigEndian: bigEndian, "element length")
                    return try readValue(
                        tag: tag, vr: vr, length: length, start: start, depth: depth, characterSet: characterSet,
                        limit: limit)
                }
            }
            if vr.hasLongLength {
                try reader.skip(2, "reserved bytes")
                length = try reader.readUInt32(bigEndian: bigEndian, "element length")
            } else {
                length = UInt32(try reader.readUInt16(bigEndian: bigEndian, "element length"))
            }
        } else {
            length = try reader.readUInt32(bigEndian: bigEndian, "element length")
            if tag == .pixelData {
                vr = .OW
            } else if tag.isPrivate && tag.element >= 0x0010 && tag.element <= 0x00FF {
                vr = .LO  // private creator
            } else {
                vr = DICOMDictionary.entry(for: tag)?.vr ?? .UN
            }
            if length == 0xFFFF_FFFF && vr != .SQ && tag != .pixelData { vr = .SQ }
        }
        return try readValue(
            tag: tag, vr: vr, length: length, start: start, depth: depth, characterSet: characterSet, limit: limit)
    }

    private mutating func readValue(
        tag: DICOMTag, vr declaredVR: VR, length: UInt32, start: Int, depth: Int, characterSet: SpecificCharacterSet,
        limit: Int
    ) throws -> DataElement {
        let undefined = length == 0xFFFF_FFFF
        var vr = declaredVR
        // A standard attribute stored as UN (e.g. after passing through a node that did not know it):
        // use the dictionary's VR, as pydicom and DCMTK do. Its value is encoded as implicit VR.
        if vr == .UN, !undefined, let known = DICOMDictionary.entry(for: tag)?.vr, known != .UN {
            vr = known
            if known == .SQ {
                var inner = DICOMParser(bytes: reader.bytes, offset: reader.offset, explicitVR: false, bigEndian: false)
                let items = try inner.parseSequenceItems(
                    length: Int(length), depth: depth + 1, characterSet: characterSet, limit: limit)
                reader.offset = inner.reader.offset
                return DataElement(tag: tag, vr: .SQ, value: .sequence(items), offset: start)
            }
        }
        if tag == .pixelData && undefined {
            return DataElement(tag: tag, vr: vr, value: .encapsulated(try parseEncapsulated()), offset: start)
        }
        if vr == .SQ || (vr == .UN && undefined) {
            // A UN of undefined length is a sequence encoded in implicit VR little endian (PS3.5 §6.2.2).
            var inner = self
            if vr == .UN {
                inner = DICOMParser(bytes: reader.bytes, offset: reader.offset, explicitVR: false, bigEndian: false)
            }
            let items = try inner.parseSequenceItems(
                length: undefined ? nil : Int(length), depth: depth + 1, characterSet: characterSet, limit: limit)
            reader.offset = inner.reader.offset
            return DataElement(tag: tag, vr: .SQ, value: .sequence(items), offset: start)
        }
        guard !undefined else {
            throw ImagingError.malformed("element \(tag) (\(vr.rawValue)) has undefined length", offset: start)
        }
        let n = Int(length)
        guard n <= limit - reader.offset else {
            throw ImagingError.truncated(
                "element \(tag) declares \(n) bytes, only \(max(0, limit - reader.offset)) remain", offset: start)
        }
        var bytes = try reader.readBytes(n, "value of \(tag)")
        if bigEndian && vr.swapUnitSize > 1 && !(tag == .pixelData && vr == .OB) {
            bytes = Self.swapped(bytes, unit: vr.swapUnitSize)
        }
        return DataElement(tag: tag, vr: vr, value: .bytes(bytes), offset: start)
    }

    /// Parses sequence items: `length` bytes of them, or until the sequence delimiter when nil.
    private mutating func parseSequenceItems(length: Int?, depth: Int, characterSet: SpecificCharacterSet, limit: Int)
        throws -> [DataSet]
    {
        guard depth <= Self.maxDepth else {
            throw ImagingError.malformed("sequences nested deeper than \(Self.maxDepth) levels", offset: reader.offset)
        }
        var items: [DataSet] = []
        let end: Int?
        if let length {
            guard length <= limit - reader.offset else {
                throw ImagingError.truncated(
                    "sequence declares \(length) bytes, only \(limit - reader.offset) remain", offset: reader.offset)
            }
            end = reader.offset + length
        } else {
            end = nil
        }
        while true {
            if let end, reader.offset >= end { break }
            let itemStart = reader.offset
            let tag = try readTag()
            let itemLength = try reader.readUInt32(bigEndian: bigEndian, "item length")
            if tag == .sequenceDelimitation {
                guard end == nil else {
                    throw ImagingError.malformed(
                        "sequence delimiter in a sequence of defined length", offset: itemStart)
                }
                break
            }
            guard tag == .item else {
                throw ImagingError.malformed(
                    "expected an item tag (FFFE,E000) in a sequence, found \(tag)", offset: itemStart)
            }
            if itemLength == 0xFFFF_FFFF {
                items.append(
                    try parseDataSet(end: end, untilItemDelimiter: true, depth: depth, characterSet: characterSet))
            } else {
                let itemEnd = reader.offset + Int(itemLength)
                guard itemEnd <= (end ?? limit) else {
                    throw ImagingError.truncated(
                        "item declares \(itemLength) bytes beyond its sequence", offset: itemStart)
                }
                items.append(try parseDataSet(end: itemEnd, depth: depth, characterSet: characterSet))
                reader.offset = itemEnd
            }
        }
        return items
    }

    /// Parses encapsulated pixel data: items until the sequence delimiter; the first item is the Basic Offset Table.
    private mutating func parseEncapsulated() throws -> EncapsulatedPixelData {
        var offsets: [UInt32] = []
        var fragments: [ArraySlice<UInt8>] = []
        var fragmentOffsets: [Int] = []
        var first = true
        var firstFragmentHeader = 0
        while true {
            let itemStart = reader.offset
            guard reader.remaining >= 8 else {
                throw ImagingError.truncated(
                    "encapsulated pixel data ends before its sequence delimiter", offset: itemStart)
            }
            let tag = try readTag()
            let length = try reader.readUInt32(bigEndian: bigEndian, "fragment length")
            if tag == .sequenceDelimitation { break }
            guard tag == .item else {
                throw ImagingError.malformed(
                    "expected a fragment item in encapsulated pixel data, found \(tag)", offset: itemStart)
            }
            guard length != 0xFFFF_FFFF, Int(length) <= reader.remaining else {
                throw ImagingError.truncated(
                    "pixel data fragment declares \(length) bytes, only \(reader.remaining) remain", offset: itemStart)
            }
            let bytes = try reader.readBytes(Int(length), "pixel data fragment")
            if first {
                first = false
                var r = ByteReader(Array(bytes))
                while r.remaining >= 4 { offsets.append(try r.readUInt32(bigEndian: bigEndian)) }
                firstFragmentHeader = reader.offset
                continue
            }
            fragmentOffsets.append(itemStart - firstFragmentHeader)
            fragments.append(bytes)
        }
        return EncapsulatedPixelData(basicOffsetTable: offsets, fragments: fragments, fragmentOffsets: fragmentOffsets)
    }

    static func swapped(_ bytes: ArraySlice<UInt8>, unit: Int) -> ArraySlice<UInt8> {
        var out = Array(bytes)
        var i = 0
        while i + unit <= out.count {
            out[i..<i + unit].reverse()
            i += unit
        }
        return out[...]
    }
}
