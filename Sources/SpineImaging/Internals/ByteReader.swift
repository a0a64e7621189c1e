/// A bounds-checked cursor over untrusted bytes with explicit endianness.
///
/// Every read checks the remaining length and throws `ImagingError.truncated` instead of trapping;
/// all parsing of file contents goes through this type.
struct ByteReader {
    let bytes: [UInt8]
    /// Absolute position of the next byte to read.
    var offset: Int
    /// End of the readable window (exclusive).
    let end: Int

    init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { max(0, end - offset) }
    var isAtEnd: Bool { offset >= end }

    func require(_ n: Int, _ what: @autoclosure () -> String) throws {
        guard n >= 0, n <= remaining else { throw ImagingError.truncated(what(), offset: offset) }
    }

    mutating func skip(_ n: Int, _ what: @autoclosure () -> String = "data") throws {
        try require(n, what())
        offset += n
    }

    mutating func readBytes(_ n: Int, _ what: @autoclosure () -> String = "data") throws -> ArraySlice<UInt8> {
        try require(n, what())
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    func peekBytes(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, n <= remaining else { return nil }
        return bytes[offset..<offset + n]
    }

    mutating func readUInt8(_ what: @autoclosure () -> String = "byte") throws -> UInt8 {
        try require(1, what())
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16(bigEndian: Bool = false, _ what: @autoclosure () -> String = "16-bit value") throws
        -> UInt16
    {
        try require(2, what())
        defer { offset += 2 }
        let a = UInt16(bytes[offset]), b = UInt16(bytes[offset + 1])
        return bigEndian ? (a << 8 | b) : (b << 8 | a)
    }

    mutating func readUInt32(bigEndian: Bool = false, _ what: @autoclosure () -> String = "32-bit value") throws
        -> UInt32
    {
        try require(4, what())
        defer { offset += 4 }
        return Self.uint32(bytes, at: offset, bigEndian: bigEndian)
    }

    mutating func readUInt64(bigEndian: Bool = false, _ what: @autoclosure () -> String = "64-bit value") throws
        -> UInt64
    {
        try require(8, what())
        defer { offset += 8 }
        var v: UInt64 = 0
        for n in 0..<8 {
            let b = UInt64(bytes[offset + n])
            v |= bigEndian ? b << (8 * (7 - n)) : b << (8 * n)
        }
        return v
    }

    mutating func readInt16(bigEndian: Bool = false) throws -> Int16 {
        Int16(bitPattern: try readUInt16(bigEndian: bigEndian))
    }
    mutating func readInt32(bigEndian: Bool = false) throws -> Int32 {
        Int32(bitPattern: try readUInt32(bigEndian: bigEndian))
    }
    mutating func readInt64(bigEndian: Bool = false) throws -> Int64 {
        Int64(bitPattern: try readUInt64(bigEndian: bigEndian))
    }
    mutating func readFloat32(bigEndian: Bool = false) throws -> Float {
        Float(bitPattern: try readUInt32(bigEndian: bigEndian))
    }
    mutating func readFloat64(bigEndian: Bool = false) throws -> Double {
        Double(bitPattern: try readUInt64(bigEndian: bigEndian))
    }

    static func uint32(_ b: [UInt8], at o: Int, bigEndian: Bool) -> UInt32 {
        let a0 = UInt32(b[o]), a1 = UInt32(b[o + 1]), a2 = UInt32(b[o + 2]), a3 = UInt32(b[o + 3])
        return bigEndian ? (a0 << 24 | a1 << 16 | a2 << 8 | a3) : (a3 << 24 | a2 << 16 | a1 << 8 | a0)
    }
}
