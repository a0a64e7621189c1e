import Foundation
import SwiftProtobuf

/// Builds an ONNX graph (opset 17) node by node from a native network's layers: initializers carry
/// the layers' weights under their `namedParameters()` names (torchvision's `state_dict` keys), nodes
/// are named after the module path as `torch.onnx.export` names them (`/layer1/layer1.0/conv1/Conv`).
///
/// Batch normalization is exported as a BatchNormalization node with the running statistics (the
/// evaluation-mode network); ``ONNXSession`` folds it into the preceding convolution.
struct ONNXGraphBuilder {
    static let opset: Int64 = 17
    /// IR version 8 goes with opset 17 (ONNX 1.12).
    static let irVersion: Int64 = 8

    private(set) var graph = Onnx_GraphProto()
    private var initializerNames = Set<String>()
    private var valueNames = Set<String>()

    init(name: String) { graph.name = name }

    /// Declares a float32 graph input `[batch, channels, spatial…]` with symbolic batch and spatial sizes.
    mutating func input(_ name: String, channels: Int, spatialDimensions r: Int) -> String {
        let spatial = r == 2 ? ["height", "width"] : ["depth", "height", "width"]
        graph.input.append(
            Self.valueInfo(
                name,
                dims: [.dimParam("batch"), .dimValue(Int64(channels))]
                    + spatial.map {
                        .dimParam($0)
                    }))
        valueNames.insert(name)
        return name
    }

    /// Declares the value `name` (a node's `output:`) a float32 graph output of rank `rank` (sizes left symbolic).
    mutating func output(_ name: String, rank: Int) {
        precondition(valueNames.contains(name), "ONNX export: output \(name) is produced by no node")
        graph.output.append(
            Self.valueInfo(name, dims: [Onnx_TensorShapeProto.Dimension.OneOf_Value?](repeating: nil, count: rank)))
    }

    /// Adds a float32 initializer holding `tensor` in logical (`N, C, …`) order; returns its name.
    @discardableResult
    mutating func initializer(_ name: String, _ tensor: Tensor) -> String {
        precondition(!initializerNames.contains(name), "ONNX export: initializer \(name) added twice")
        initializerNames.insert(name)
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = tensor.shape.map(Int64.init)
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.rawData = Self.littleEndianBytes(tensor.nchwScalars)
        graph.initializer.append(t)
        return name
    }

    /// Adds a 1-D float32 initializer (Resize scales).
    @discardableResult
    mutating func floatConstant(_ name: String, _ values: [Float]) -> String {
        initializer(name, (try? Tensor(shape: [values.count], nchw: values)) ?? Tensor(zeros: [values.count]))
    }

    /// Adds a node; its output is `output` or, by default, `path + "_output_0"`. Returns the output name.
    @discardableResult
    mutating func node(
        _ op: String, _ inputs: [String], path: String, attributes: [Onnx_AttributeProto] = [], output: String? = nil
    ) -> String {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = path
        n.input = inputs
        var out = output ?? path + "_output_0"
        var k = 1
        while valueNames.contains(out) {
            precondition(output == nil, "ONNX export: value \(out) produced twice")
            out = path + "_output_\(k)"
            k += 1
        }
        valueNames.insert(out)
        n.output = [out]
        n.attribute = attributes
        graph.node.append(n)
        return out
    }

    /// The model around the graph.
    func model(producer: String = "SpineKit") -> Onnx_ModelProto {
        var m = Onnx_ModelProto()
        m.irVersion = Self.irVersion
        m.producerName = producer
        m.producerVersion = "1"
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Self.opset
        m.opsetImport = [opset]
        m.graph = graph
        return m
    }

    // MARK: Attributes

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }

    static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .string
        a.s = Data(value.utf8)
        return a
    }

    // MARK: Helpers

    private static func valueInfo(_ name: String, dims: [Onnx_TensorShapeProto.Dimension.OneOf_Value?])
        -> Onnx_ValueInfoProto
    {
        var t = Onnx_TypeProto.Tensor()
        t.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { v in
            var d = Onnx_TensorShapeProto.Dimension()
            d.value = v
            return d
        }
        t.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = t
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }

    /// ONNX raw data is little-endian, as every platform SpineNN runs on (x86-64, arm64).
    private static func littleEndianBytes(_ values: [Float]) -> Data {
        #if _endian(big)
            return Data(values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } })
        #else
            return values.withUnsafeBytes { Data($0) }
        #endif
    }
}
