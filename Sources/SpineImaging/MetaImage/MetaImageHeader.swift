/// The text header of a MetaImage (`.mha`/`.mhd`): `Key = Value` lines ending with `ElementDataFile`.
struct MetaImageHeader {
    /// Keys in file order with their raw values (keys compared case-insensitively).
    var fields: [(key: String, value: String)] = []
    /// Byte offset just after the `ElementDataFile` line (where LOCAL data begins).
    var dataStart = 0

    /// Longest header accepted before `ElementDataFile` must have appeared.
    static let maxHeaderBytes = 1 << 20

    /// Parses header lines from the start of `bytes` up to and including `ElementDataFile`.
    static func parse(_ bytes: [UInt8]) throws -> MetaImageHeader {
        var h = MetaImageHeader()
        var reader = ByteReader(bytes, end: min(bytes.count, maxHeaderBytes))
        var sawDataFile = false
        while !reader.isAtEnd {
            let lineStart = reader.offset
            var line: [UInt8] = []
            while !reader.isAtEnd {
                let b = try reader.readUInt8()
                if b == 0x0A { break }
                line.append(b)
            }
            if line.last == 0x0D { line.removeLast() }
            guard !line.contains(0) else {
                throw ImagingError.malformed(
                    "binary bytes in the MetaImage header before ElementDataFile", offset: lineStart)
            }
            let text = String(decoding: line, as: UTF8.self)
            if text.allSatisfy(\.isWhitespace) { continue }
            guard let sep = text.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw ImagingError.malformed(
                    "MetaImage header line without '=': \"\(text.prefix(60))\"", offset: lineStart)
            }
            let key = text[..<sep].trimmingWhitespace
            let value = text[text.index(after: sep)...].trimmingWhitespace
            h.fields.append((key, value))
            if key.lowercased() == "elementdatafile" {
                sawDataFile = true
                break
            }
        }
        guard sawDataFile else {
            if h.fields.isEmpty { throw ImagingError.malformed("not a MetaImage: no 'Key = Value' header lines") }
            throw ImagingError.malformed("MetaImage header has no ElementDataFile line", offset: reader.offset)
        }
        h.dataStart = reader.offset
        return h
    }

    /// The value of `key` (first of `aliases` present), case-insensitively.
    func value(_ keys: String...) -> String? {
        for key in keys {
            if let f = fields.first(where: { $0.key.caseInsensitiveEquals(key) }) { return f.value }
        }
        return nil
    }

    /// `True`/`False` (also 1/0, yes/no); nil when absent.
    func bool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        switch v.lowercased() {
        case "true", "1", "yes", "t": return true
        case "false", "0", "no", "f": return false
        default: throw ImagingError.malformed("\(key) = '\(v.prefix(40))' is not True or False")
        }
    }

    /// An integer value; nil when absent.
    func int(_ key: String) throws -> Int? {
        guard let v = value(key) else { return nil }
        guard let n = Int(v) else { throw ImagingError.malformed("\(key) = '\(v.prefix(40))' is not an integer") }
        return n
    }

    /// `count` numbers from the first of `keys` present; nil when none is.
    func doubles(_ keys: [String], count: Int) throws -> [Double]? {
        for key in keys {
            guard let v = value(key) else { continue }
            let parts = v.split(whereSeparator: \.isWhitespace)
            let numbers = parts.compactMap { Double($0) }
            guard numbers.count == parts.count, numbers.count >= count, numbers.allSatisfy(\.isFinite) else {
                throw ImagingError.malformed("\(key) = '\(v.prefix(60))' is not a list of \(count) numbers")
            }
            return Array(numbers.prefix(count))
        }
        return nil
    }
}

extension StringProtocol {
    fileprivate var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool { lowercased() == other.lowercased() }
}
