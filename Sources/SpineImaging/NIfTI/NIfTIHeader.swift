/// The fields of a NIfTI-1 or NIfTI-2 header that locate and describe the voxels.
///
/// Values are widened to `Int`/`Double` whatever the version; `parse` reads either version in
/// either byte order (detected from `sizeof_hdr`), `encode` writes little-endian.
struct NIfTIHeader: Equatable {
    var format: NIfTI.Format = .nifti1
    var bigEndian = false
    /// True for the `ni1`/`ni2` magic: header and data in separate `.hdr`/`.img` files.
    var isPair = false
    /// `dim[0]` is the number of dimensions, `dim[1...]` their sizes.
    var dim: [Int] = [3, 1, 1, 1, 1, 1, 1, 1]
    var datatype = 2
    var bitpix = 8
    /// `pixdim[0]` is qfac, `pixdim[1...3]` the voxel size.
    var pixdim: [Double] = [1, 1, 1, 1, 1, 1, 1, 1]
    var voxOffset: Double = 352
    var sclSlope: Double = 1
    var sclInter: Double = 0
    var qformCode = 0
    var sformCode = 0
    var quatern = SIMD3<Double>(0, 0, 0)
    var qoffset = SIMD3<Double>(0, 0, 0)
    /// `srow_x`, `srow_y`, `srow_z`: rows of the sform (RAS).
    var srow: [[Double]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    var xyztUnits = 2
    var descrip = ""

    static let nifti1Size = 348
    static let nifti2Size = 540
    static let nifti2Magic: [UInt8] = [0x6E, 0x2B, 0x32, 0x00, 0x0D, 0x0A, 0x1A, 0x0A]  // "n+2\0\r\n\032\n"

    /// Header size on disk, with the 4-byte extension flag that follows it in a single file.
    var minimumVoxOffset: Int { format == .nifti1 ? 352 : 544 }

    // MARK: Parsing

    /// Parses the header at the start of `bytes` (already decompressed).
    static func parse(_ bytes: [UInt8]) throws -> NIfTIHeader {
        guard bytes.count >= 4 else {
            throw ImagingError.truncated("\(bytes.count) bytes is too short for a NIfTI header", offset: 0)
        }
        let le = Int32(bitPattern: ByteReader.uint32(bytes, at: 0, bigEndian: false))
        let be = Int32(bitPattern: ByteReader.uint32(bytes, at: 0, bigEndian: true))
        var h = NIfTIHeader()
        switch (le, be) {
        case (Int32(nifti1Size), _): (h.format, h.bigEndian) = (.nifti1, false)
        case (_, Int32(nifti1Size)): (h.format, h.bigEndian) = (.nifti1, true)
        case (Int32(nifti2Size), _): (h.format, h.bigEndian) = (.nifti2, false)
        case (_, Int32(nifti2Size)): (h.format, h.bigEndian) = (.nifti2, true)
        default:
            throw ImagingError.malformed(
                "not a NIfTI file: sizeof_hdr is \(le), expected 348 (NIfTI-1) or 540 (NIfTI-2)", offset: 0)
        }
        let size = h.format == .nifti1 ? nifti1Size : nifti2Size
        guard bytes.count >= size else {
            throw ImagingError.truncated(
                "NIfTI header needs \(size) bytes but the file has \(bytes.count)", offset: bytes.count)
        }
        if h.format == .nifti1 { try h.parseNIfTI1(bytes) } else { try h.parseNIfTI2(bytes) }
        return h
    }

    private mutating func parseNIfTI1(_ bytes: [UInt8]) throws {
        let big = bigEndian
        var r = ByteReader(bytes, offset: 344, end: 348)
        let magic = Array(try r.readBytes(4, "magic"))
        switch magic {
        case [0x6E, 0x2B, 0x31, 0x00]: isPair = false  // "n+1\0"
        case [0x6E, 0x69, 0x31, 0x00]: isPair = true  // "ni1\0"
        default:
            throw ImagingError(
                .unsupported,
                "no NIfTI-1 magic (\"n+1\" or \"ni1\") at byte 344: an Analyze 7.5 header is not supported",
                offset: 344)
        }
        r = ByteReader(bytes, offset: 40, end: 348)
        dim = try (0..<8).map { _ in Int(try r.readInt16(bigEndian: big)) }
        r.offset = 70
        datatype = Int(try r.readInt16(bigEndian: big))
        bitpix = Int(try r.readInt16(bigEndian: big))
        r.offset = 76
        pixdim = try (0..<8).map { _ in Double(try r.readFloat32(bigEndian: big)) }
        voxOffset = Double(try r.readFloat32(bigEndian: big))
        sclSlope = Double(try r.readFloat32(bigEndian: big))
        sclInter = Double(try r.readFloat32(bigEndian: big))
        r.offset = 123
        xyztUnits = Int(try r.readUInt8())
        r.offset = 148
        descrip = Self.cString(try r.readBytes(80, "descrip"))
        r.offset = 252
        qformCode = Int(try r.readInt16(bigEndian: big))
        sformCode = Int(try r.readInt16(bigEndian: big))
        let q = try (0..<6).map { _ in Double(try r.readFloat32(bigEndian: big)) }
        quatern = SIMD3(q[0], q[1], q[2])
        qoffset = SIMD3(q[3], q[4], q[5])
        srow = try (0..<3).map { _ in try (0..<4).map { _ in Double(try r.readFloat32(bigEndian: big)) } }
    }

    private mutating func parseNIfTI2(_ bytes: [UInt8]) throws {
        let big = bigEndian
        var r = ByteReader(bytes, offset: 4, end: 540)
        let magic = Array(try r.readBytes(8, "magic"))
        if magic == Self.nifti2Magic {
            isPair = false
        } else if magic[0..<3] == [0x6E, 0x69, 0x32] {  // "ni2"
            isPair = true
        } else {
            throw ImagingError.malformed("no NIfTI-2 magic (\"n+2\" or \"ni2\") at byte 4", offset: 4)
        }
        datatype = Int(try r.readInt16(bigEndian: big))
        bitpix = Int(try r.readInt16(bigEndian: big))
        dim = try (0..<8).map { _ in
            let v = try r.readInt64(bigEndian: big)
            // Values beyond Int32 are refused later by the voxel-count limit; clamp to keep them representable.
            return Int(clamping: v)
        }
        r.offset = 104
        pixdim = try (0..<8).map { _ in try r.readFloat64(bigEndian: big) }
        let offset64 = try r.readInt64(bigEndian: big)
        voxOffset = Double(offset64)
        sclSlope = try r.readFloat64(bigEndian: big)
        sclInter = try r.readFloat64(bigEndian: big)
        r.offset = 240
        descrip = Self.cString(try r.readBytes(80, "descrip"))
        r.offset = 344
        qformCode = Int(try r.readInt32(bigEndian: big))
        sformCode = Int(try r.readInt32(bigEndian: big))
        let q = try (0..<6).map { _ in try r.readFloat64(bigEndian: big) }
        quatern = SIMD3(q[0], q[1], q[2])
        qoffset = SIMD3(q[3], q[4], q[5])
        srow = try (0..<3).map { _ in try (0..<4).map { _ in try r.readFloat64(bigEndian: big) } }
        r.offset = 500
        xyztUnits = Int(try r.readInt32(bigEndian: big))
    }

    private static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        let chars = bytes.prefix { $0 != 0 }
        return String(decoding: chars.map { $0 < 0x80 ? $0 : 0x3F }, as: UTF8.self)
    }

    // MARK: Encoding

    /// The header followed by the 4-byte "no extensions" flag and padding up to `voxOffset`
    /// (little-endian; `voxOffset` is set to the minimum).
    func encode() -> [UInt8] {
        var w = LittleEndianWriter()
        if format == .nifti1 {
            w.int32(Int32(Self.nifti1Size))
            w.zeros(36)  // data_type, db_name, extents, session_error, regular, dim_info
            for d in dim { w.int16(Int16(clamping: d)) }
            w.zeros(12)  // intent_p1...3
            w.int16(0)  // intent_code
            w.int16(Int16(datatype))
            w.int16(Int16(bitpix))
            w.int16(0)  // slice_start
            for p in pixdim { w.float32(p) }
            w.float32(Double(minimumVoxOffset))
            w.float32(sclSlope)
            w.float32(sclInter)
            w.int16(0)  // slice_end
            w.uint8(0)  // slice_code
            w.uint8(UInt8(clamping: xyztUnits))
            w.zeros(24)  // cal_max, cal_min, slice_duration, toffset, glmax, glmin
            w.string(descrip, length: 80)
            w.zeros(24)  // aux_file
            w.int16(Int16(qformCode))
            w.int16(Int16(sformCode))
            for v in [quatern.x, quatern.y, quatern.z, qoffset.x, qoffset.y, qoffset.z] { w.float32(v) }
            for row in srow { for v in row { w.float32(v) } }
            w.zeros(16)  // intent_name
            w.bytes([0x6E, 0x2B, 0x31, 0x00])
            precondition(w.out.count == Self.nifti1Size)
        } else {
            w.int32(Int32(Self.nifti2Size))
            w.bytes(Self.nifti2Magic)
            w.int16(Int16(datatype))
            w.int16(Int16(bitpix))
            for d in dim { w.int64(Int64(d)) }
            w.zeros(24)  // intent_p1...3
            for p in pixdim { w.float64(p) }
            w.int64(Int64(minimumVoxOffset))
            w.float64(sclSlope)
            w.float64(sclInter)
            w.zeros(48)  // cal_max, cal_min, slice_duration, toffset, slice_start, slice_end
            w.string(descrip, length: 80)
            w.zeros(24)  // aux_file
            w.int32(Int32(qformCode))
            w.int32(Int32(sformCode))
            for v in [quatern.x, quatern.y, quatern.z, qoffset.x, qoffset.y, qoffset.z] { w.float64(v) }
            for row in srow { for v in row { w.float64(v) } }
            w.int32(0)  // slice_code
            w.int32(Int32(xyztUnits))
            w.int32(0)  // intent_code
            w.zeros(16)  // intent_name
            w.zeros(16)  // dim_info, unused_str
            precondition(w.out.count == Self.nifti2Size)
        }
        w.zeros(4)  // extension flag: none
        return w.out
    }
}

/// Appends little-endian fields (header encoding only; data go through `RawVoxelCodec`).
private struct LittleEndianWriter {
    var out: [UInt8] = []
    mutating func uint8(_ v: UInt8) { out.append(v) }
    mutating func bytes(_ b: [UInt8]) { out += b }
    mutating func zeros(_ n: Int) { out += [UInt8](repeating: 0, count: n) }
    mutating func int16(_ v: Int16) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    mutating func int32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    mutating func int64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    mutating func float32(_ v: Double) { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { out += $0 } }
    mutating func float64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
    mutating func string(_ s: String, length: Int) {
        let b = Array(s.utf8.prefix(length - 1))
        out += b + [UInt8](repeating: 0, count: length - b.count)
    }
}
