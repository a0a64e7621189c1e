/// One DICOM attribute: tag, VR and value.
///
/// Binary values are held little-endian whatever the file's transfer syntax (the parser swaps
/// big-endian files at read time), so accessors and pixel decoding have one byte order to handle.
public struct DataElement: Sendable {
    public enum Value: Sendable {
        /// The raw value bytes (little-endian for binary VRs).
        case bytes(ArraySlice<UInt8>)
        /// The items of a sequence (VR SQ), each a nested data set.
        case sequence([DataSet])
        /// Encapsulated (compressed) pixel data: the Basic Offset Table and the fragments.
        case encapsulated(EncapsulatedPixelData)
    }

    public let tag: DICOMTag
    public let vr: VR
    public var value: Value
    /// Byte offset of the element's header in the (decompressed) stream it came from.
    public let offset: Int

    public init(tag: DICOMTag, vr: VR, value: Value, offset: Int = 0) {
        self.tag = tag
        self.vr = vr
        self.value = value
        self.offset = offset
    }

    /// The raw bytes of a non-sequence element (empty for sequences and encapsulated data).
    public var bytes: ArraySlice<UInt8> {
        if case .bytes(let b) = value { return b }
        return []
    }

    public var items: [DataSet]? {
        if case .sequence(let s) = value { return s }
        return nil
    }
}

/// Compressed pixel data as stored: one Basic Offset Table and a list of fragments (PS3.5 §A.4).
public struct EncapsulatedPixelData: Sendable {
    /// Byte offsets of each frame's first fragment, relative to the first fragment's item header (may be empty).
    public var basicOffsetTable: [UInt32]
    /// The fragments' bytes, in order.
    public var fragments: [ArraySlice<UInt8>]
    /// Offset of each fragment's item header relative to the first fragment's item header.
    public var fragmentOffsets: [Int]

    public init(basicOffsetTable: [UInt32], fragments: [ArraySlice<UInt8>], fragmentOffsets: [Int]) {
        self.basicOffsetTable = basicOffsetTable
        self.fragments = fragments
        self.fragmentOffsets = fragmentOffsets
    }

    /// Splits the fragments into `frameCount` frames (concatenating multi-fragment frames).
    ///
    /// Uses the Basic Offset Table (or the Extended Offset Table given by the caller) when present;
    /// otherwise one fragment per frame when counts agree, everything as one frame when there is
    /// one frame, or else frame starts found by codestream start markers (JPEG SOI, J2K SOC).
    func frames(count frameCount: Int, extendedOffsets: [UInt64]? = nil) throws -> [[UInt8]] {
        guard frameCount > 0 else { return [] }
        guard !fragments.isEmpty else { throw ImagingError.malformed("encapsulated pixel data has no fragments") }
        func group(starts: [Int]) -> [[UInt8]] {
            var out: [[UInt8]] = []
            for (n, s) in starts.enumerated() {
                let e = n + 1 < starts.count ? starts[n + 1] : fragments.count
                var frame = [UInt8]()
                for f in s..<e { frame.append(contentsOf: fragments[f]) }
                out.append(frame)
            }
            return out
        }
        if let offsets = extendedOffsets ?? (basicOffsetTable.isEmpty ? nil : basicOffsetTable.map(UInt64.init)) {
            guard offsets.count == frameCount else {
                throw ImagingError.malformed("offset table lists \(offsets.count) frames, header says \(frameCount)")
            }
            var starts: [Int] = []
            for o in offsets {
                guard let f = fragmentOffsets.firstIndex(of: Int(clamping: o)) else {
                    throw ImagingError.malformed("offset table entry \(o) does not point at a fragment")
                }
                starts.append(f)
            }
            guard starts == starts.sorted() else { throw ImagingError.malformed("offset table is not increasing") }
            return group(starts: starts)
        }
        if fragments.count == frameCount { return fragments.map { Array($0) } }
        if frameCount == 1 { return group(starts: [0]) }
        // No offset table: find frame starts by codestream markers.
        let starts = fragments.indices.filter { f in
            let b = fragments[f]
            guard b.count >= 2 else { return false }
            let b0 = b[b.startIndex], b1 = b[b.startIndex + 1]
            return b0 == 0xFF && (b1 == 0xD8 || b1 == 0x4F)
        }
        guard starts.count == frameCount, starts.first == 0 else {
            throw ImagingError.malformed(
                "cannot split \(fragments.count) fragments into \(frameCount) frames without an offset table")
        }
        return group(starts: starts)
    }
}
