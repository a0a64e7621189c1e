import Foundation

/// A small integer (or boolean) tensor in logical (C) order: the shapes, indices and axes that
/// ONNX graphs compute with `Shape`, `Gather`, `Concat`, … Never handed to oneDNN.
package struct IntTensor: Sendable, Equatable {
    package var shape: [Int]
    package var values: [Int64]

    package init(shape: [Int], values: [Int64]) {
        precondition(shape.reduce(1, *) == values.count, "IntTensor: \(values.count) values for \(shape)")
        self.shape = shape
        self.values = values
    }

    package init(vector: [Int64]) { self.init(shape: [vector.count], values: vector) }
    package init(scalar: Int64) { self.init(shape: [], values: [scalar]) }
}

/// A value flowing through an ONNX graph: float data as a SpineNN ``Tensor`` (channels-last
/// storage), integer and boolean data as an ``IntTensor``; in a bf16 session, the activations
/// that flow between bf16-aware kernels (convolution, pooling, concatenation) as a bfloat16 view.
package enum ONNXValue: @unchecked Sendable {
    case float(Tensor)
    case ints(IntTensor)
    /// bfloat16, dense channels-last, in the session's activation arena (valid until its next run).
    /// Only bf16-aware kernels see one; ``ONNXSession`` converts it to `.float` for every other.
    case bf16(MemoryView)

    package var shape: [Int] {
        switch self {
        case .float(let t): t.shape
        case .ints(let t): t.shape
        case .bf16(let m): m.layout.dims
        }
    }

    /// Element type code in ONNX's `TensorProto.DataType` numbering (1 float, 7 int64).
    package var typeName: String {
        switch self {
        case .float: "float32"
        case .ints: "int64"
        case .bf16: "bfloat16"
        }
    }
}

/// ONNX `TensorProto.DataType` codes used here.
package enum ONNXDataType: Int32, Sendable {
    case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7, string = 8, bool = 9
    case float16 = 10, double = 11, uint32 = 12, uint64 = 13, bfloat16 = 16

    package var name: String {
        switch self {
        case .float: "float32"
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .string: "string"
        case .bool: "bool"
        case .float16: "float16"
        case .double: "float64"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .bfloat16: "bfloat16"
        }
    }

    package var isFloatingPoint: Bool { [.float, .float16, .double, .bfloat16].contains(self) }

    static func name(_ code: Int32) -> String { ONNXDataType(rawValue: code)?.name ?? "type \(code)" }
}

extension ONNXValue {
    /// Decodes an initializer or a `Constant`'s tensor: `raw_data` or the typed fields, or the
    /// external data file named in `external_data` (resolved relative to `directory`).
    ///
    /// - Throws: ``NNError`` `.malformedFile` for a size that does not match the dims,
    ///   `.fileNotFound` for a missing external data file, `.unsupported` for another dtype.
    static func decode(_ t: Onnx_TensorProto, directory: URL?, externalCache: ExternalDataCache? = nil) throws
        -> ONNXValue
    {
        let name = t.name.isEmpty ? "(unnamed)" : "'\(t.name)'"
        guard t.dims.allSatisfy({ $0 >= 0 && $0 < 1 << 40 }) else {
            throw NNError(.malformedFile, "ONNX tensor \(name): bad dims \(t.dims)")
        }
        let shape = t.dims.map { Int($0) }
        let (n, overflow) = shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        guard !overflow, n < 1 << 34 else {
            throw NNError(.malformedFile, "ONNX tensor \(name): \(shape) is too large")
        }
        guard let dtype = ONNXDataType(rawValue: t.dataType) else {
            throw NNError(.unsupported, "ONNX tensor \(name): data type \(t.dataType)")
        }
        var raw: [UInt8]? = nil
        if t.dataLocation == .external {
            raw = try ExternalData.read(t, directory: directory, cache: externalCache)
        } else if t.hasRawData {
            raw = [UInt8](t.rawData)
        }
        let elementSize: Int
        switch dtype {
        case .float, .int32, .uint32: elementSize = 4
        case .int64, .double, .uint64: elementSize = 8
        case .float16, .bfloat16, .int16, .uint16: elementSize = 2
        case .uint8, .int8, .bool: elementSize = 1
        case .string: throw NNError(.unsupported, "ONNX tensor \(name): string tensors are not supported")
        }
        if let raw {
            guard raw.count == n * elementSize else {
                throw NNError(
                    .malformedFile,
                    "ONNX tensor \(name): \(raw.count) bytes of data for \(dtype.name) \(shape) (\(n * elementSize) expected)"
                )
            }
            return raw.withUnsafeBytes { r -> ONNXValue in
                func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                    T(littleEndian: r.loadUnaligned(fromByteOffset: i * elementSize, as: T.self))
                }
                switch dtype {
                case .float: return .float(floats(shape, (0..<n).map { Float(bitPattern: load(UInt32.self, $0)) }))
                case .double:
                    return .float(floats(shape, (0..<n).map { Float(Double(bitPattern: load(UInt64.self, $0))) }))
                case .float16:
                    return .float(floats(shape, (0..<n).map { HalfPrecision.float(fromBits: load(UInt16.self, $0)) }))
                case .bfloat16:
                    return .float(floats(shape, (0..<n).map { Float(bitPattern: UInt32(load(UInt16.self, $0)) << 16) }))
                case .int64: return .ints(IntTensor(shape: shape, values: (0..<n).map { load(Int64.self, $0) }))
                case .uint64:
                    return .ints(
                        IntTensor(
                            shape: shape, values: (0..<n).map { Int64(truncatingIfNeeded: load(UInt64.self, $0)) }))
                case .int32: return .ints(IntTensor(shape: shape, values: (0..<n).map { Int64(load(Int32.self, $0)) }))
                case .uint32:
                    return .ints(IntTensor(shape: shape, values: (0..<n).map { Int64(load(UInt32.self, $0)) }))
                case .int16: return .ints(IntTensor(shape: shape, values: (0..<n).map { Int64(load(Int16.self, $0)) }))
                case .uint16:
                    return .ints(IntTensor(shape: shape, values: (0..<n).map { Int64(load(UInt16.self, $0)) }))
                case .int8: return .ints(IntTensor(shape: shape, values: (0..<n).map { Int64(load(Int8.self, $0)) }))
                case .uint8, .bool:
                    return .ints(IntTensor(shape: shape, values: (0..<n).map { Int64(load(UInt8.self, $0)) }))
                case .string: preconditionFailure()
                }
            }
        }
        func check(_ count: Int, _ field: String) throws {
            guard count == n else {
                throw NNError(
                    .malformedFile,
                    "ONNX tensor \(name): \(count) values in \(field) for \(dtype.name) \(shape) (\(n) expected)")
            }
        }
        switch dtype {
        case .float:
            try check(t.floatData.count, "float_data")
            return .float(floats(shape, t.floatData))
        case .double:
            try check(t.doubleData.count, "double_data")
            return .float(floats(shape, t.doubleData.map { Float($0) }))
        case .float16, .bfloat16:
            try check(t.int32Data.count, "int32_data")
            let bits = t.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            return .float(
                floats(
                    shape,
                    bits.map {
                        dtype == .float16 ? HalfPrecision.float(fromBits: $0) : Float(bitPattern: UInt32($0) << 16)
                    }))
        case .int64:
            try check(t.int64Data.count, "int64_data")
            return .ints(IntTensor(shape: shape, values: t.int64Data))
        case .uint32, .uint64:
            try check(t.uint64Data.count, "uint64_data")
            return .ints(IntTensor(shape: shape, values: t.uint64Data.map { Int64(truncatingIfNeeded: $0) }))
        case .int32, .int16, .uint16, .int8, .uint8, .bool:
            try check(t.int32Data.count, "int32_data")
            return .ints(IntTensor(shape: shape, values: t.int32Data.map { Int64($0) }))
        case .string: preconditionFailure()
        }
    }

    private static func floats(_ shape: [Int], _ values: [Float]) -> Tensor {
        // Counts were checked against the shape above.
        (try? Tensor(shape: shape, nchw: values)) ?? Tensor(zeros: shape)
    }
}

/// Bytes of external-data files, read once per load.
final class ExternalDataCache {
    var files: [String: Data] = [:]
}

/// ONNX external data: `location`, `offset`, `length` keys naming a file beside the model.
enum ExternalData {
    static func read(_ t: Onnx_TensorProto, directory: URL?, cache: ExternalDataCache?) throws -> [UInt8] {
        var entries: [String: String] = [:]
        for e in t.externalData { entries[e.key] = e.value }
        let name = t.name.isEmpty ? "(unnamed)" : "'\(t.name)'"
        guard let location = entries["location"], !location.isEmpty else {
            throw NNError(.malformedFile, "ONNX tensor \(name): external data without a location")
        }
        guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw NNError(
                .malformedFile, "ONNX tensor \(name): external data location '\(location)' leaves the model's folder")
        }
        guard let directory else {
            throw NNError(
                .fileNotFound,
                "ONNX tensor \(name): external data file '\(location)' cannot be resolved for a model loaded from memory (load it from its file)"
            )
        }
        let url = directory.appendingPathComponent(location)
        let data: Data
        if let hit = cache?.files[location] {
            data = hit
        } else {
            guard FileManager.default.fileExists(atPath: url.path),
                let d = try? Data(contentsOf: url, options: .mappedIfSafe)
            else {
                throw NNError(
                    .fileNotFound,
                    "ONNX tensor \(name): external data file '\(location)' not found beside the model (looked for \(url.path))"
                )
            }
            cache?.files[location] = d
            data = d
        }
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let length = entries["length"].flatMap { Int($0) } ?? (data.count - max(offset, 0))
        guard offset >= 0, length >= 0, offset <= data.count, length <= data.count - offset else {
            throw NNError(
                .malformedFile,
                "ONNX tensor \(name): external data range offset \(entries["offset"] ?? "0") length \(entries["length"] ?? "-") outside '\(location)' (\(data.count) bytes)"
            )
        }
        return [UInt8](data[data.startIndex + offset..<data.startIndex + offset + length])
    }
}
