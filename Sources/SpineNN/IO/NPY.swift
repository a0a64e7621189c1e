import Foundation

/// Element type of a `.npy` array.
public enum NPYDType: String, Sendable, CaseIterable {
    case float32 = "<f4"
    case float16 = "<f2"
    case int64 = "<i8"
    case uint8 = "|u1"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float32: 4
        case .float16: 2
        case .int64: 8
        case .uint8: 1
        }
    }
}

/// An n-dimensional array as NumPy's `.npy` format holds it: a shape, a dtype and the elements
/// in C (row-major, logical) order, little-endian.
public struct NPYArray: Sendable, Equatable {
    /// Dimensions, C order (for images `N, C, [D,] H, W`, as PyTorch and NumPy hold them).
    public var shape: [Int]
    public var dtype: NPYDType
    /// The elements' little-endian bytes, C order; `count · dtype.byteCount` of them.
    public var bytes: [UInt8]

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// - Throws: ``NNError`` `.shapeMismatch` when the byte count does not fit shape and dtype.
    public init(shape: [Int], dtype: NPYDType, bytes: [UInt8]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), bytes.count == shape.reduce(1, *) * dtype.byteCount else {
            throw NNError.shape(
                "NPYArray", expected: "\(shape.reduce(1, *) * dtype.byteCount) bytes for \(dtype) \(shape)",
                got: "\(bytes.count)")
        }
        self.shape = shape
        self.dtype = dtype
        self.bytes = bytes
    }

    /// float32 values in C order.
    public init(shape: [Int], float32 values: [Float]) throws {
        var b = [UInt8]()
        b.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { b.append(contentsOf: $0) } }
        try self.init(shape: shape, dtype: .float32, bytes: b)
    }

    /// A tensor's values (logical order) as float32 or, rounded, float16.
    public init(_ tensor: Tensor, dtype: NPYDType = .float32) throws {
        let values = tensor.nchwScalars
        switch dtype {
        case .float32:
            try self.init(shape: tensor.shape, float32: values)
        case .float16:
            var b = [UInt8]()
            b.reserveCapacity(values.count * 2)
            for v in values {
                withUnsafeBytes(of: HalfPrecision.bits(from: v).littleEndian) { b.append(contentsOf: $0) }
            }
            try self.init(shape: tensor.shape, dtype: .float16, bytes: b)
        case .int64:
            var b = [UInt8]()
            for v in values {
                guard v.isFinite, abs(v) < 0x1p63 else {
                    throw NNError(.invalidArgument, "NPY: \(v) does not fit int64")
                }
                withUnsafeBytes(of: Int64(v).littleEndian) { b.append(contentsOf: $0) }
            }
            try self.init(shape: tensor.shape, dtype: .int64, bytes: b)
        case .uint8:
            var b = [UInt8]()
            for v in values {
                guard v >= 0, v <= 255 else { throw NNError(.invalidArgument, "NPY: \(v) does not fit uint8") }
                b.append(UInt8(v))
            }
            try self.init(shape: tensor.shape, dtype: .uint8, bytes: b)
        }
    }

    /// The elements converted to float32, C order (int64 may lose precision above 2²⁴).
    public var floatValues: [Float] {
        let n = count
        return bytes.withUnsafeBytes { raw in
            switch dtype {
            case .float32:
                return (0..<n).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
                }
            case .float16:
                return (0..<n).map {
                    HalfPrecision.float(
                        fromBits: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))
                }
            case .int64:
                return (0..<n).map {
                    Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)))
                }
            case .uint8: return raw.map { Float($0) }
            }
        }
    }

    /// The elements as int64 (int64 and uint8 arrays only).
    public var int64Values: [Int64]? {
        switch dtype {
        case .int64:
            return bytes.withUnsafeBytes { raw in
                (0..<count).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            }
        case .uint8: return bytes.map { Int64($0) }
        default: return nil
        }
    }

    /// A float32 tensor with this shape (channels-last storage for rank ≥ 3).
    public func tensor() throws -> Tensor { try Tensor(shape: shape, nchw: floatValues) }
}

/// Reads and writes NumPy `.npy` files (format versions 1–3): C order, little-endian float32,
/// float16, int64 and uint8. Fortran order and big-endian data are refused with an error.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Parses a `.npy` file's bytes.
    /// - Throws: ``NNError`` `.malformedFile` for a bad magic, header or length; `.unsupported`
    ///   for another dtype, Fortran order or big-endian data.
    public static func decode(_ data: Data) throws -> NPYArray {
        let b = [UInt8](data)
        guard b.count >= 10, Array(b[0..<6]) == magic else {
            throw NNError(.malformedFile, "NPY: not a .npy file (magic \\x93NUMPY missing)")
        }
        let major = b[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(b[8]) | Int(b[9]) << 8
            headerStart = 10
        case 2, 3:
            guard b.count >= 12 else { throw NNError(.malformedFile, "NPY: truncated header length") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            headerStart = 12
        default:
            throw NNError(.unsupported, "NPY: format version \(major) (1, 2 or 3 expected)")
        }
        guard headerStart + headerLength <= b.count else {
            throw NNError(
                .malformedFile, "NPY: header of \(headerLength) bytes runs past the end of the \(b.count)-byte file")
        }
        guard
            let header = String(
                bytes: b[headerStart..<(headerStart + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1)
        else {
            throw NNError(.malformedFile, "NPY: header is not text")
        }
        let descr = try field("descr", in: header)
        let fortran = try field("fortran_order", in: header)
        let shapeText = try field("shape", in: header)
        guard let dtype = dtypeFor(descr) else {
            throw NNError(
                .unsupported, "NPY: dtype \(descr) (float32 <f4, float16 <f2, int64 <i8 or uint8 |u1 expected)")
        }
        guard fortran == "False" else {
            throw NNError(.unsupported, "NPY: Fortran-order arrays are not supported (save with C order)")
        }
        let inner = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { throw NNError(.malformedFile, "NPY: bad shape \(shapeText)") }
            shape.append(v)
        }
        let (n, overflow) = shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        let start = headerStart + headerLength
        guard !overflow, n <= (b.count - start) / dtype.byteCount, b.count - start == n * dtype.byteCount else {
            throw NNError(
                .malformedFile,
                "NPY: \(b.count - start) data bytes for \(dtype.rawValue) \(shape) (\(overflow ? "overflow" : "\(n * dtype.byteCount)") expected)"
            )
        }
        return try NPYArray(shape: shape, dtype: dtype, bytes: Array(b[start...]))
    }

    /// Reads a `.npy` file.
    /// - Throws: ``NNError`` `.fileNotFound` when it is missing; see ``decode(_:)``.
    public static func read(from url: URL) throws -> NPYArray {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw NNError(.fileNotFound, "NPY: cannot read \(url.path)")
        }
        return try decode(data)
    }

    /// Encodes an array as `.npy` version 1.0 (header padded to 64 bytes).
    public static func encode(_ a: NPYArray) -> Data {
        let shape =
            a.shape.count == 1 ? "(\(a.shape[0]),)" : "(" + a.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(a.dtype.rawValue)', 'fortran_order': False, 'shape': \(shape), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out = Data(magic + [1, 0])
        let len = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8)])
        out.append(contentsOf: Array(header.utf8))
        out.append(contentsOf: a.bytes)
        return out
    }

    /// Writes an array to a `.npy` file (atomically).
    public static func write(_ a: NPYArray, to url: URL) throws {
        do {
            try encode(a).write(to: url, options: .atomic)
        } catch {
            throw NNError(.invalidArgument, "NPY: cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    static func dtypeFor(_ descr: String) -> NPYDType? {
        switch descr {
        case "<f4", "=f4": .float32
        case "<f2", "=f2": .float16
        case "<i8", "=i8": .int64
        case "|u1", "<u1", "=u1", "u1": .uint8
        default: nil
        }
    }

    /// The value text of `'key': value` in the header dictionary (a quoted string, a tuple or a word).
    static func field(_ key: String, in header: String) throws -> String {
        guard let r = header.range(of: "'\(key)':") ?? header.range(of: "\"\(key)\":") else {
            throw NNError(.malformedFile, "NPY: header has no '\(key)'")
        }
        let rest = header[r.upperBound...].drop(while: { $0 == " " })
        if rest.first == "'" || rest.first == "\"" {
            let q = rest.first!
            let body = rest.dropFirst()
            guard let end = body.firstIndex(of: q) else { throw NNError(.malformedFile, "NPY: unterminated '\(key)'") }
            return String(body[..<end])
        }
        if rest.first == "(" {
            guard let end = rest.firstIndex(of: ")") else { throw NNError(.malformedFile, "NPY: unterminated shape") }
            return String(rest[...end])
        }
        return String(rest.prefix(while: { $0 != "," && $0 != "}" })).trimmingCharacters(in: .whitespaces)
    }
}
