import Foundation

/// A node of the graph as the session compiles it: the protobuf node's fields, decoded
/// attributes, and what was fused into it (a following BatchNormalization folded into a Conv's
/// weights, a following Relu/LeakyRelu as a oneDNN post-op).
struct ONNXNode {
    var name: String
    var op: String
    var domain: String
    var inputs: [String]
    var outputs: [String]
    var attributes: ONNXAttributes
    var foldedBatchNorm: (scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, epsilon: Float)? = nil
    var activation: FusedActivation = .none
    /// Negative-side slopes of an activation fused into an InstanceNormalization (count 1 or C;
    /// 0 for Relu).
    var fusedSlopes: [Float]? = nil
    /// The input rank a per-channel slope of shape `[C, 1, …]` broadcasts against as channels.
    var fusedSlopesInputRank: Int? = nil
    /// A following `Add` fused into a Conv as oneDNN's sum post-op: the other addend is the Conv's
    /// input 3 (`inputs[3]`); with `residualInPlace` the Conv writes its sum into that addend's
    /// buffer (its last use, a session-owned buffer), else into its own after a copy of it.
    var residualInPlace: Bool? = nil
    /// Names of the nodes fused into this one (for messages).
    var fused: [String] = []

    init(_ n: Onnx_NodeProto, index: Int) {
        name = n.name.isEmpty ? "\(n.opType)_\(index)" : n.name
        op = n.opType
        domain = n.domain == "ai.onnx" ? "" : n.domain
        inputs = n.input
        outputs = n.output
        attributes = ONNXAttributes(n.attribute)
    }

    /// `node 'name' (Op)` for messages.
    var label: String { "node '\(name)' (\(domain.isEmpty ? op : domain + "." + op))" }
}

/// A node's attributes by name.
struct ONNXAttributes {
    var map: [String: Onnx_AttributeProto] = [:]

    init(_ list: [Onnx_AttributeProto]) {
        for a in list { map[a.name] = a }
    }

    func has(_ n: String) -> Bool { map[n] != nil }
    func int(_ n: String) -> Int? { map[n].map { Int($0.i) } }
    func int(_ n: String, _ d: Int) -> Int { int(n) ?? d }
    func ints(_ n: String) -> [Int]? { map[n].map { $0.ints.map { Int($0) } } }
    func float(_ n: String, _ d: Float) -> Float { map[n]?.f ?? d }
    func floats(_ n: String) -> [Float]? { map[n]?.floats }
    func string(_ n: String, _ d: String) -> String { map[n].map { String(decoding: $0.s, as: UTF8.self) } ?? d }
    func tensor(_ n: String) -> Onnx_TensorProto? { map[n]?.hasT == true ? map[n]!.t : nil }
}
