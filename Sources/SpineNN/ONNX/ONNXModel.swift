import Foundation
import SwiftProtobuf

/// One dimension of a graph input or output: a fixed size or a named, dynamic one.
public enum ONNXDimension: Sendable, Equatable, CustomStringConvertible {
    case fixed(Int)
    /// A dynamic dimension (`dim_param`, or unnamed when empty).
    case symbolic(String)

    public var description: String {
        switch self {
        case .fixed(let n): "\(n)"
        case .symbolic(let s): s.isEmpty ? "?" : s
        }
    }
}

/// Name, element type and dimensions of a graph input or output.
public struct ONNXValueInfo: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    /// `float32`, `int64`, … (ONNX `TensorProto.DataType` names).
    public var elementType: String
    /// Dimensions in ONNX (PyTorch) order; nil when the file does not say.
    public var dimensions: [ONNXDimension]?

    public var description: String {
        "\(name): \(elementType) [\(dimensions.map { $0.map(\.description).joined(separator: ", ") } ?? "unknown rank")]"
    }
}

/// An ONNX model read from a `.onnx` file (protobuf `ModelProto`): its graph, initializers
/// (decoded to float32 tensors or integer tensors), opsets and interface.
///
/// Loading checks what can be checked without running: the protobuf parses, the default-domain
/// opset is in 11…20, initializers decode (raw or typed fields, float32/float16/bfloat16/double,
/// int64/int32/uint8/…, external data files beside the model). ``ONNXSession`` then compiles
/// the graph for SpineNN.
public final class ONNXModel: @unchecked Sendable {
    /// The default-domain (`ai.onnx`) opsets this importer implements.
    public static let supportedOpsets = 11...20

    /// Inputs the caller feeds (graph inputs that are not initializers).
    public let inputs: [ONNXValueInfo]
    public let outputs: [ONNXValueInfo]
    /// Opset version per domain (`""` is the default ONNX domain).
    public let opsets: [String: Int]
    public let irVersion: Int
    public let producer: String
    /// Where the file was read from (external data files are resolved beside it).
    public let url: URL?

    package let graph: Onnx_GraphProto
    package let initializers: [String: ONNXValue]

    /// The default-domain opset version.
    public var opsetVersion: Int { opsets[""] ?? opsets["ai.onnx"] ?? 0 }

    /// Node count per operator type (`Conv`: 12, …), domain-qualified outside the default domain.
    public var operatorHistogram: [String: Int] {
        var h: [String: Int] = [:]
        for n in graph.node { h[Self.qualifiedOp(n), default: 0] += 1 }
        return h
    }

    /// Number of nodes in the graph.
    public var nodeCount: Int { graph.node.count }

    /// Number of scalars in the floating-point initializers (the learned parameters).
    public var parameterCount: Int {
        initializers.values.reduce(0) { acc, v in
            if case .float(let t) = v { return acc + t.count }
            return acc
        }
    }

    /// External data files the initializers read (paths relative to the model file), sorted.
    public var externalDataFiles: [String] {
        let locations = graph.initializer.filter { $0.dataLocation == .external }.compactMap { t in
            t.externalData.first { $0.key == "location" }?.value
        }
        return Set(locations).sorted()
    }

    /// Nodes whose operator SpineNN does not implement: `(operator, node name)`.
    public var unsupportedNodes: [(op: String, node: String)] {
        graph.node.compactMap { n in
            ONNXOperators.isSupported(n) ? nil : (Self.qualifiedOp(n), n.name)
        }
    }

    /// Reads a model file; external data files are looked up beside it.
    /// - Throws: ``NNError`` `.fileNotFound`, `.malformedFile` (truncated or corrupt protobuf, bad
    ///   tensor), `.unsupported` (opset outside 11…20, unknown data type).
    public convenience init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw NNError(.fileNotFound, "ONNX: cannot read model file \(url.path)")
        }
        try self.init(data: data, directory: url.deletingLastPathComponent(), url: url)
    }

    /// Parses a model from bytes; `directory` resolves external data (nil: none allowed).
    public convenience init(data: Data, directory: URL? = nil) throws {
        try self.init(data: data, directory: directory, url: nil)
    }

    private init(data: Data, directory: URL?, url: URL?) throws {
        let proto: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            proto = try Onnx_ModelProto(serializedBytes: data, extensions: nil, partial: true, options: options)
        } catch {
            throw NNError(
                .malformedFile, "ONNX: the file is not a valid ONNX protobuf (\(error)); it may be truncated or corrupt"
            )
        }
        guard proto.hasGraph, !proto.graph.node.isEmpty || !proto.graph.output.isEmpty else {
            throw NNError(
                .malformedFile, "ONNX: the model has no graph (\(data.count) bytes; truncated or not an ONNX model)")
        }
        var opsets: [String: Int] = [:]
        for o in proto.opsetImport { opsets[o.domain] = Int(o.version) }
        let version = opsets[""] ?? opsets["ai.onnx"]
        guard let version else {
            throw NNError(.malformedFile, "ONNX: the model imports no default-domain opset")
        }
        guard Self.supportedOpsets.contains(version) else {
            throw NNError(
                .unsupported,
                "ONNX: opset \(version) is not supported (\(Self.supportedOpsets.lowerBound)–\(Self.supportedOpsets.upperBound)); convert the model with onnx.version_converter"
            )
        }
        self.opsets = opsets
        irVersion = Int(proto.irVersion)
        producer = [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        self.url = url
        graph = proto.graph
        let cache = ExternalDataCache()
        var inits: [String: ONNXValue] = [:]
        for t in proto.graph.initializer {
            inits[t.name] = try ONNXValue.decode(t, directory: directory, externalCache: cache)
        }
        initializers = inits
        func info(_ v: Onnx_ValueInfoProto) -> ONNXValueInfo {
            var dims: [ONNXDimension]? = nil
            var type = "unknown"
            if case .tensorType(let t)? = v.type.value {
                type = ONNXDataType.name(t.elemType)
                if t.hasShape {
                    dims = t.shape.dim.map { d in
                        switch d.value {
                        case .dimValue(let n)?: .fixed(Int(n))
                        case .dimParam(let s)?: .symbolic(s)
                        case nil: .symbolic("")
                        }
                    }
                }
            }
            return ONNXValueInfo(name: v.name, elementType: type, dimensions: dims)
        }
        inputs = proto.graph.input.filter { inits[$0.name] == nil }.map(info)
        outputs = proto.graph.output.map(info)
    }

    static func qualifiedOp(_ n: Onnx_NodeProto) -> String {
        n.domain.isEmpty || n.domain == "ai.onnx" ? n.opType : "\(n.domain).\(n.opType)"
    }
}
