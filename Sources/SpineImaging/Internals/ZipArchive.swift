import _CZlib

/// A read-only zip archive (PKWARE APPNOTE): stored and deflated entries, Zip64 sizes, CRC-checked.
///
/// Used to read DICOM studies exported as .zip. The whole archive is held in memory; every
/// offset and size from the archive is bounds-checked, and entries larger than the limit are refused.
public final class ZipArchive: Sendable {
    public struct Entry: Sendable {
        public let name: String
        let method: UInt16
        let flags: UInt16
        let crc32: UInt32
        public let compressedSize: Int
        public let uncompressedSize: Int
        let localHeaderOffset: Int
        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    public let path: String
    public let entries: [Entry]
    private let bytes: [UInt8]

    /// True when the bytes start with a zip local-file or end-of-archive signature.
    public static func looksLikeZip(_ bytes: some Collection<UInt8>) -> Bool {
        let head = Array(bytes.prefix(4))
        return head == [0x50, 0x4B, 0x03, 0x04] || head == [0x50, 0x4B, 0x05, 0x06]
    }

    public init(path: String) throws {
        self.path = path
        let data = try FileIO.read(path)
        bytes = data
        do {
            entries = try Self.readCentralDirectory(data)
        } catch let e as ImagingError {
            throw e.inFile(path)
        }
    }

    private static func readCentralDirectory(_ b: [UInt8]) throws -> [Entry] {
        // End of central directory: 22 bytes + up to 65535 bytes of comment, searched backwards.
        guard b.count >= 22 else { throw ImagingError.truncated("zip archive is shorter than its end record") }
        var eocd = -1
        var i = b.count - 22
        let lowest = max(0, b.count - 22 - 65535)
        while i >= lowest {
            if b[i] == 0x50 && b[i + 1] == 0x4B && b[i + 2] == 0x05 && b[i + 3] == 0x06 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else {
            throw ImagingError.malformed("not a zip archive or truncated: no end-of-central-directory record")
        }
        var r = ByteReader(b, offset: eocd + 10)
        var count = Int(try r.readUInt16())
        _ = try r.readUInt32()  // central directory size
        var cdOffset = Int(try r.readUInt32())
        if cdOffset == 0xFFFF_FFFF || count == 0xFFFF {
            // Zip64 end-of-central-directory locator sits just before the EOCD.
            guard eocd >= 20 else { throw ImagingError.malformed("zip64 locator missing") }
            var l = ByteReader(b, offset: eocd - 20)
            guard try l.readUInt32() == 0x0706_4B50 else { throw ImagingError.malformed("zip64 locator missing") }
            _ = try l.readUInt32()
            let z64 = Int(clamping: try l.readUInt64())
            guard z64 >= 0, z64 < b.count else { throw ImagingError.malformed("zip64 record offset out of range") }
            var z = ByteReader(b, offset: z64)
            guard try z.readUInt32() == 0x0606_4B50 else { throw ImagingError.malformed("zip64 end record missing") }
            try z.skip(20)
            count = Int(clamping: try z.readUInt64())
            try z.skip(8)
            cdOffset = Int(clamping: try z.readUInt64())
        }
        guard cdOffset >= 0, cdOffset <= b.count else {
            throw ImagingError.malformed("zip central directory offset out of range")
        }
        guard count <= b.count / 46 + 1 else {
            throw ImagingError.malformed("zip claims \(count) entries, more than it can hold")
        }
        var c = ByteReader(b, offset: cdOffset)
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            guard try c.readUInt32("central directory entry") == 0x0201_4B50 else {
                throw ImagingError.malformed("zip central directory entry has a bad signature", offset: c.offset - 4)
            }
            try c.skip(4)
            let flags = try c.readUInt16()
            let method = try c.readUInt16()
            try c.skip(4)
            let crc = try c.readUInt32()
            var csize = Int(try c.readUInt32())
            var usize = Int(try c.readUInt32())
            let nameLength = Int(try c.readUInt16())
            let extraLength = Int(try c.readUInt16())
            let commentLength = Int(try c.readUInt16())
            try c.skip(8)
            var local = Int(try c.readUInt32())
            let name = String(decoding: try c.readBytes(nameLength, "entry name"), as: UTF8.self)
            var extra = ByteReader(Array(try c.readBytes(extraLength, "extra field")))
            while extra.remaining >= 4 {
                let id = try extra.readUInt16()
                let size = Int(try extra.readUInt16())
                guard id == 0x0001 else { try extra.skip(size); continue }
                var z = ByteReader(Array(try extra.readBytes(size)))
                if usize == 0xFFFF_FFFF { usize = Int(clamping: try z.readUInt64()) }
                if csize == 0xFFFF_FFFF { csize = Int(clamping: try z.readUInt64()) }
                if local == 0xFFFF_FFFF { local = Int(clamping: try z.readUInt64()) }
            }
            try c.skip(commentLength)
            entries.append(
                Entry(
                    name: name, method: method, flags: flags, crc32: crc, compressedSize: csize,
                    uncompressedSize: usize, localHeaderOffset: local))
        }
        return entries
    }

    /// The decompressed bytes of an entry, CRC-checked.
    public func extract(_ name: String) throws -> [UInt8] {
        guard let e = entries.first(where: { $0.name == name }) else {
            throw ImagingError(.fileNotFound, "no entry named \(name) in the archive", file: path)
        }
        do {
            return try extract(e)
        } catch let err as ImagingError {
            throw err.inFile("\(path):\(name)")
        }
    }

    private func extract(_ e: Entry) throws -> [UInt8] {
        guard e.flags & 1 == 0 else { throw ImagingError.unsupported("encrypted zip entries are not supported") }
        guard e.uncompressedSize <= ImagingLimits.maxBytes else {
            throw ImagingError(.tooLarge, "zip entry of \(e.uncompressedSize) bytes exceeds the limit")
        }
        var r = ByteReader(bytes, offset: e.localHeaderOffset)
        guard e.localHeaderOffset >= 0, try r.readUInt32("local header") == 0x0403_4B50 else {
            throw ImagingError.malformed("zip local header has a bad signature")
        }
        try r.skip(22)
        let nameLength = Int(try r.readUInt16())
        let extraLength = Int(try r.readUInt16())
        try r.skip(nameLength + extraLength, "local header")
        let data = Array(try r.readBytes(e.compressedSize, "zip entry data"))
        let out: [UInt8]
        switch e.method {
        case 0: out = data
        case 8:
            out = try Zlib.decompress(
                data, format: .raw, limit: max(e.uncompressedSize, 0), expectedSize: e.uncompressedSize)
        default:
            throw ImagingError.unsupported(
                "zip compression method \(e.method) is not supported (stored and deflate are)")
        }
        guard out.count == e.uncompressedSize else {
            throw ImagingError.truncated("zip entry is \(out.count) bytes, expected \(e.uncompressedSize)")
        }
        let crc = out.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        guard crc == e.crc32 else { throw ImagingError.malformed("zip entry fails its CRC check (corrupt archive)") }
        return out
    }
}
