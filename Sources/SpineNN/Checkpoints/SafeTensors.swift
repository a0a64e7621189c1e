import Foundation

/// Element type of a tensor in a safetensors file.
public enum SafeTensorsDType: String, Sendable, Codable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    var byteCount: Int { self == .f32 ? 4 : 2 }
}

/// Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length,
/// a JSON header mapping names to dtype, shape and byte offsets, then the raw little-endian data.
///
/// Tensors are stored in logical (NCHW, PyTorch) order, so files are exchangeable with
/// `safetensors.torch`; they are converted from and to SpineNN's channels-last storage here.
public enum SafeTensors {
    /// Largest header accepted, so that a hostile length is refused before allocating.
    static let maxHeaderBytes = 100 << 20

    /// Encodes tensors (names sorted) with optional string metadata.
    public static func encode(
        _ tensors: [String: Tensor], dtype: SafeTensorsDType = .f32, metadata: [String: String] = [:]
    ) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            let bytes = t.count * dtype.byteCount
            header[name] =
                ["dtype": dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names {
            let values = tensors[name]!.nchwScalars
            switch dtype {
            case .f32:
                values.withUnsafeBufferPointer { b in
                    var le = [UInt32](repeating: 0, count: b.count)
                    for i in 0..<b.count { le[i] = b[i].bitPattern.littleEndian }
                    le.withUnsafeBytes { out.append(contentsOf: $0) }
                }
            case .bf16:
                var le = [UInt16](repeating: 0, count: values.count)
                for i in 0..<values.count { le[i] = bfloat16Bits(values[i]).littleEndian }
                le.withUnsafeBytes { out.append(contentsOf: $0) }
            case .f16:
                var le = [UInt16](repeating: 0, count: values.count)
                for i in 0..<values.count { le[i] = Float16(values[i]).bitPattern.littleEndian }
                le.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        }
        return out
    }

    /// Decodes every tensor (as float32) and the metadata.
    /// - Throws: ``NNError`` `.malformedFile` for a truncated file, a bad header, an unknown dtype,
    ///   or offsets that disagree with shapes or leave the data.
    public static func decode(_ data: Data) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func bad(_ what: String) -> NNError { NNError(.malformedFile, "safetensors: \(what)") }
        guard data.count >= 8 else { throw bad("file of \(data.count) bytes is shorter than its 8-byte header length") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(min(maxHeaderBytes, data.count - 8)) else {
            throw bad("header length \(n) exceeds the file (\(data.count) bytes) or the \(maxHeaderBytes)-byte limit")
        }
        let headerEnd = 8 + Int(n)
        let start = data.startIndex
        guard let object = try? JSONSerialization.jsonObject(with: data[(start + 8)..<(start + headerEnd)]),
            let header = object as? [String: Any]
        else {
            throw bad("header is not a JSON object")
        }
        let dataBytes = data.count - headerEnd
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw bad("__metadata__ is not a string map") }
                metadata = m
                continue
            }
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw bad("entry \"\(name)\" lacks dtype, shape or data_offsets") }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw bad("tensor \"\(name)\" has dtype \(dtypeName); F32, F16 and BF16 are supported")
            }
            guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
                throw bad("tensor \"\(name)\" has shape \(shape)")
            }
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            let (b, e) = (offsets[0], offsets[1])
            guard b >= 0, e >= b, e <= dataBytes, e - b == count * dtype.byteCount else {
                throw bad(
                    "tensor \"\(name)\" offsets \(offsets) do not fit shape \(shape) (\(dtype.rawValue)) within \(dataBytes) data bytes"
                )
            }
            var values = [Float](repeating: 0, count: count)
            data.withUnsafeBytes { raw in
                let base = raw.baseAddress! + headerEnd + b
                for i in 0..<count {
                    switch dtype {
                    case .f32:
                        values[i] = Float(
                            bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                        )
                    case .bf16:
                        values[i] = Float(
                            bitPattern: UInt32(
                                UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                    case .f16:
                        values[i] = Float(
                            Float16(
                                bitPattern: UInt16(
                                    littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                    }
                }
            }
            tensors[name] = try Tensor(shape: shape, nchw: values)
        }
        return (tensors, metadata)
    }

    public static func write(
        _ tensors: [String: Tensor], to url: URL, dtype: SafeTensorsDType = .f32, metadata: [String: String] = [:]
    ) throws {
        try encode(tensors, dtype: dtype, metadata: metadata).write(to: url, options: .atomic)
    }

    public static func read(from url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw NNError(.malformedFile, "safetensors: cannot read \(url.path): \(error.localizedDescription)")
        }
        do { return try decode(data) } catch let e as NNError {
            throw NNError(e.code, "\(url.lastPathComponent): \(e.message)")
        }
    }
}

/// Float32 → bfloat16 bits, rounding to nearest even (NaN kept quiet).
func bfloat16Bits(_ x: Float) -> UInt16 {
    let b = x.bitPattern
    if x.isNaN { return UInt16(b >> 16) | 0x0040 }
    let rounded = b &+ 0x7FFF &+ ((b >> 16) & 1)
    return UInt16(rounded >> 16)
}
