import Foundation

/// An ``ONNXModel`` compiled to run on SpineNN: nodes whose inputs are all constant are
/// evaluated once at load (shape arithmetic on constants, weight preprocessing), a
/// BatchNormalization that follows a Conv is folded into its weights, and a Relu/LeakyRelu (or a
/// SiLU spelled Sigmoid + Mul) that follows it becomes a oneDNN post-op. Convolution weights are reordered once into the layout
/// oneDNN's kernels want; primitives are cached per shape, and every intermediate buffer is
/// allocated on the first run for an input shape and reused afterwards.
///
/// Inputs and outputs are float32 ``Tensor``s with ONNX's (PyTorch's) logical shapes. Dynamic
/// batch and spatial sizes work where the graph allows (shape chains are evaluated at run time).
/// With `precision: .bf16` convolutions run on AVX-512 BF16 kernels and the activations between
/// convolutions, pooling and concatenations stay bfloat16 (see `ONNXSession+BFloat16.swift`).
///
/// Not thread-safe: one session serves one caller at a time (its buffers are reused).
public final class ONNXSession {
    struct Step {
        var node: ONNXNode
        var inputs: [Int?]
        var outputs: [Int]
        var kernel: ONNXKernel
        /// The kernel takes `.bf16` inputs (others get them converted to float32).
        var acceptsBF16 = false
        /// The kernel may leave its output in bfloat16 (every consumer accepts it).
        var bf16Output = false
    }

    public let model: ONNXModel
    /// Element type of the convolutions and of the activations between bf16-aware kernels.
    public let precision: InferencePrecision
    private let arena = ActivationArena()
    private var steps: [Step] = []
    private var constants: [ONNXValue?] = []
    private var inputSlots: [(info: ONNXValueInfo, slot: Int)] = []
    private var outputSlots: [(name: String, slot: Int)] = []
    private var buffers: [Int: Tensor] = [:]

    /// Nodes evaluated at load time because all their inputs were constant.
    public private(set) var foldedNodeCount = 0
    /// BatchNormalization nodes folded into the preceding convolution's weights.
    public private(set) var fusedBatchNormCount = 0
    /// Relu/LeakyRelu nodes (and Sigmoid + Mul pairs that make a SiLU, counted once) fused into the
    /// preceding convolution as a post-op.
    public private(set) var fusedActivationCount = 0
    /// Add nodes fused into the preceding convolution as a sum post-op (residual connections).
    public private(set) var fusedAddCount = 0
    /// Nodes executed per run.
    public var stepCount: Int { steps.count }

    /// In a bf16 session, convolutions with fewer multiply-adds per run than this stay float32
    /// (default 2²³ ≈ 8.4 M, e.g. a detector's 3 → 8 stem): converting their inputs and outputs
    /// costs more than the bf16 kernel saves.
    public var bf16MinimumMultiplyAdds = 1 << 23

    /// When true, each run adds every node's wall time to ``profile``.
    public var isProfiling = false
    /// Accumulated wall time [ms], run count and fastest run [ms] per executed node (label), in graph
    /// order; filled while ``isProfiling``. The fastest run is the figure least disturbed by other
    /// processes on a shared machine.
    public private(set) var profile: [(node: String, op: String, milliseconds: Double, runs: Int, fastest: Double)] =
        []

    /// Compiles `model`.
    /// - Parameter precision: `.bf16` runs convolutions in bfloat16 (float32 master weights
    ///   reordered once, float32 bias and accumulation) and keeps bfloat16 activations between
    ///   convolutions, pooling and concatenations; inputs and outputs stay float32.
    /// - Throws: ``NNError`` `.unsupported` naming the first unsupported operator and its node;
    ///   `.malformedFile` for a graph that uses a value nothing produces.
    public init(_ model: ONNXModel, precision: InferencePrecision = .fp32) throws {
        self.model = model
        self.precision = precision
        let opset = model.opsetVersion
        if let bad = model.unsupportedNodes.first {
            let more =
                model.unsupportedNodes.count > 1
                ? " (and \(model.unsupportedNodes.count - 1) more unsupported nodes)" : ""
            throw NNError(
                .unsupported,
                "ONNX: operator \(bad.op) is not supported (node '\(bad.node.isEmpty ? "unnamed" : bad.node)')\(more)")
        }
        var nodes = model.graph.node.enumerated().map { ONNXNode($0.element, index: $0.offset) }
        let graphOutputs = Set(model.graph.output.map(\.name))
        let initializers = model.initializers

        // Fusion: Conv → BatchNormalization → Relu/LeakyRelu.
        var consumers: [String: [Int]] = [:]
        for (i, n) in nodes.enumerated() { for x in n.inputs where !x.isEmpty { consumers[x, default: []].append(i) } }
        func soleConsumer(_ value: String) -> Int? {
            guard !graphOutputs.contains(value), let c = consumers[value], c.count == 1 else { return nil }
            return c[0]
        }
        func constantFloat(_ name: String) -> Tensor? {
            if case .float(let t)? = initializers[name] { return t }
            return nil
        }
        /// Negative-side slopes of a Relu, LeakyRelu or PRelu with a constant per-channel or scalar slope.
        func activationSlopes(_ n: ONNXNode) -> [Float]? {
            switch n.op {
            case "Relu": return [0]
            case "LeakyRelu": return [n.attributes.float("alpha", 0.01)]
            case "PRelu":
                guard n.inputs.count == 2, let t = constantFloat(n.inputs[1]) else { return nil }
                if t.count == 1 { return [t.nchwScalars[0]] }
                // One slope per channel: [C, 1, …] (rank of the input − 1, checked when it runs).
                guard t.shape.count >= 2, t.shape.dropFirst().allSatisfy({ $0 == 1 }) else { return nil }
                return t.nchwScalars
            default: return nil
            }
        }
        func slopeRank(_ n: ONNXNode) -> Int? {
            guard n.op == "PRelu", let t = constantFloat(n.inputs[1]), t.count > 1 else { return nil }
            return t.shape.count
        }
        var removed = Set<Int>()
        /// The Sigmoid and Mul nodes that make `x·sigmoid(x)` of `value` when they are its only
        /// consumers (and the Sigmoid's only consumer is the Mul).
        func siluConsumers(_ value: String) -> (sigmoid: Int, mul: Int)? {
            guard !graphOutputs.contains(value), let c = consumers[value], c.count == 2,
                let j = c.first(where: { nodes[$0].op == "Sigmoid" }), let k = c.first(where: { $0 != j }),
                nodes[j].inputs == [value], nodes[k].op == "Mul", nodes[k].inputs.count == 2,
                !removed.contains(j), !removed.contains(k),
                nodes[j].outputs.count == 1, soleConsumer(nodes[j].outputs[0]) == k,
                Set(nodes[k].inputs) == [value, nodes[j].outputs[0]]
            else { return nil }
            return (j, k)
        }
        /// Whether Add `add` of Conv `conv`'s output and `other` can run as the Conv's sum post-op
        /// (nil: no), and whether in place (true: `other` is produced earlier by a node that writes a
        /// buffer of the session's own, is no graph output, and nothing reads it after the Conv).
        func residualFusion(conv: Int, add: Int, other: String) -> Bool? {
            guard !other.isEmpty, other != nodes[conv].outputs[0], initializers[other] == nil,
                !nodes[conv].inputs.prefix(1).contains(other)
            else { return nil }
            let isInput = model.inputs.contains { $0.name == other }
            guard
                let producer = isInput
                    ? -1 : nodes.indices.last(where: { !removed.contains($0) && nodes[$0].outputs.contains(other) }),
                producer < conv
            else { return nil }
            let inPlace =
                !isInput && !graphOutputs.contains(other)
                && Self.residualOwners.contains(nodes[producer].op)
                && nodes[producer].outputs.first == other
                && consumers[other, default: []].allSatisfy { $0 == add || $0 < conv }
            return inPlace
        }
        // Fusion: InstanceNormalization → Relu/LeakyRelu/PRelu (one pass, ONNXInstanceNorm).
        for i in nodes.indices where nodes[i].op == "InstanceNormalization" && nodes[i].inputs.count == 3 {
            guard let j = soleConsumer(nodes[i].outputs[0]), nodes[j].inputs.first == nodes[i].outputs[0],
                let slopes = activationSlopes(nodes[j])
            else { continue }
            nodes[i].fusedSlopes = slopes
            nodes[i].fusedSlopesInputRank = slopeRank(nodes[j]).map { $0 + 1 }
            nodes[i].outputs[0] = nodes[j].outputs[0]
            nodes[i].fused.append(nodes[j].name)
            consumers[nodes[i].outputs[0]] = consumers[nodes[j].outputs[0]]
            removed.insert(j)
            fusedActivationCount += 1
        }
        for i in nodes.indices
        where nodes[i].op == "Conv" && constantFloat(nodes[i].inputs.count > 1 ? nodes[i].inputs[1] : "") != nil {
            if let j = soleConsumer(nodes[i].outputs[0]), nodes[j].op == "BatchNormalization",
                nodes[j].inputs.count == 5,
                nodes[j].outputs.filter({ !$0.isEmpty }).count == 1, nodes[j].inputs[0] == nodes[i].outputs[0]
            {
                let p = nodes[j].inputs[1...4].compactMap(constantFloat)
                let o = constantFloat(nodes[i].inputs[1])!.shape[0]
                if p.count == 4, p.allSatisfy({ $0.count == o }) {
                    let q = p.map { (try? $0.reshaped([o])) ?? $0 }
                    nodes[i].foldedBatchNorm = (q[0], q[1], q[2], q[3], nodes[j].attributes.float("epsilon", 1e-5))
                    nodes[i].outputs[0] = nodes[j].outputs[0]
                    nodes[i].fused.append(nodes[j].name)
                    consumers[nodes[i].outputs[0]] = consumers[nodes[j].outputs[0]]
                    removed.insert(j)
                    fusedBatchNormCount += 1
                }
            }
            if nodes[i].op == "Conv", let j = soleConsumer(nodes[i].outputs[0]), nodes[j].op == "Add",
                nodes[j].inputs.count == 2, let k = nodes[j].inputs.firstIndex(of: nodes[i].outputs[0]),
                let inPlace = residualFusion(conv: i, add: j, other: nodes[j].inputs[1 - k])
            {
                let other = nodes[j].inputs[1 - k]
                while nodes[i].inputs.count < 3 { nodes[i].inputs.append("") }
                nodes[i].inputs.append(other)
                nodes[i].residualInPlace = inPlace
                nodes[i].outputs[0] = nodes[j].outputs[0]
                nodes[i].fused.append(nodes[j].name)
                consumers[nodes[i].outputs[0]] = consumers[nodes[j].outputs[0]]
                consumers[other] = consumers[other, default: []].map { $0 == j ? i : $0 }
                removed.insert(j)
                fusedAddCount += 1
            }
            // Conv → Sigmoid and Mul(conv, sigmoid) (SiLU as exported by PyTorch) → the swish post-op.
            if let (j, k) = siluConsumers(nodes[i].outputs[0]) {
                nodes[i].activation = .swish
                nodes[i].outputs[0] = nodes[k].outputs[0]
                nodes[i].fused += [nodes[j].name, nodes[k].name]
                consumers[nodes[i].outputs[0]] = consumers[nodes[k].outputs[0]]
                removed.formUnion([j, k])
                fusedActivationCount += 1
            } else if let j = soleConsumer(nodes[i].outputs[0]), let slopes = activationSlopes(nodes[j]),
                slopes.count == 1
            {
                nodes[i].activation = .relu(negativeSlope: slopes[0])
                nodes[i].outputs[0] = nodes[j].outputs[0]
                nodes[i].fused.append(nodes[j].name)
                consumers[nodes[i].outputs[0]] = consumers[nodes[j].outputs[0]]
                removed.insert(j)
                fusedActivationCount += 1
            }
        }

        // Slots, constant folding, steps.
        var slots: [String: Int] = [:]
        var values: [ONNXValue?] = []
        func slot(_ name: String) -> Int {
            if let s = slots[name] { return s }
            slots[name] = values.count
            values.append(nil)
            return values.count - 1
        }
        for (name, v) in initializers { values[slot(name)] = v }
        for info in model.inputs {
            inputSlots.append((info, slot(info.name)))
        }
        let runtimeInputs = Set(model.inputs.map(\.name))
        var isConstant = Set(initializers.keys)
        for (i, original) in nodes.enumerated() where !removed.contains(i) {
            var node = original
            // A residual addend folded into a constant at load must not be overwritten by the sum at every run.
            if node.residualInPlace == true, isConstant.contains(node.inputs[3]) { node.residualInPlace = false }
            var ins: [Int?] = []
            for name in node.inputs {
                if name.isEmpty {
                    ins.append(nil)
                    continue
                }
                guard let s = slots[name],
                    isConstant.contains(name) || runtimeInputs.contains(name) || values.indices.contains(s)
                else {
                    throw NNError(
                        .malformedFile,
                        "ONNX: \(node.label) uses '\(name)', which no earlier node, input or initializer produces (truncated or unsorted graph)"
                    )
                }
                ins.append(s)
            }
            let kernel: ONNXKernel
            do {
                kernel = try ONNXOperators.kernel(for: node, opset: opset) { name in
                    isConstant.contains(name) ? values[slots[name]!] : nil
                }
            } catch let e as NNError {
                throw e.message.contains(node.label) ? e : NNError(e.code, "ONNX: \(node.label): \(e.message)")
            }
            let outs = node.outputs.map { $0.isEmpty ? -1 : slot($0) }
            let foldable = node.inputs.allSatisfy { $0.isEmpty || isConstant.contains($0) } && node.op != "Dropout"
            if foldable {
                let result: [ONNXValue]
                do {
                    result = try kernel(ins.map { $0.map { values[$0]! } }, KernelContext())
                } catch let e as NNError {
                    throw NNError(e.code, "ONNX: \(node.label) (folded at load): \(e.message)")
                }
                for (k, s) in outs.enumerated() where s >= 0 && k < result.count {
                    values[s] = result[k]
                    isConstant.insert(node.outputs[k])
                }
                foldedNodeCount += 1
            } else {
                steps.append(Step(node: node, inputs: ins, outputs: outs, kernel: kernel))
            }
        }
        for o in model.graph.output {
            guard let s = slots[o.name] else {
                throw NNError(.malformedFile, "ONNX: graph output '\(o.name)' is produced by no node")
            }
            outputSlots.append((o.name, s))
        }
        constants = values
        if precision == .bf16 {
            var consumerOps: [Int: [String]] = [:]
            for step in steps { for case let s? in step.inputs { consumerOps[s, default: []].append(step.node.op) } }
            let outputs = Set(outputSlots.map(\.slot))
            for i in steps.indices {
                steps[i].acceptsBF16 = Self.bf16AwareOperators.contains(steps[i].node.op)
                if Self.bf16Producers.contains(steps[i].node.op), let out = steps[i].outputs.first, out >= 0,
                    !outputs.contains(out), let ops = consumerOps[out],
                    ops.allSatisfy(Self.bf16AwareOperators.contains)
                {
                    steps[i].bf16Output = true
                }
            }
        }
    }

    /// Operators whose output is a buffer the session owns (never an input's or a constant's
    /// storage), which a following convolution may overwrite with a residual sum.
    static let residualOwners: Set<String> = ["Conv", "MaxPool", "AveragePool", "Relu", "LeakyRelu"]

    /// Runs the graph on named float32 inputs (logical `N, C, …` shapes); returns every graph output.
    /// - Throws: ``NNError`` `.invalidArgument` for a missing input, `.shapeMismatch` for a rank or
    ///   fixed dimension that differs from the model's declaration or fails inside the graph (the
    ///   message names the node).
    public func run(_ feeds: [String: Tensor]) throws -> [String: Tensor] {
        var values = constants
        for (info, s) in inputSlots {
            guard let t = feeds[info.name] else {
                throw NNError(
                    .invalidArgument,
                    "ONNX: input '\(info.name)' not given (inputs: \(inputSlots.map(\.info.name).joined(separator: ", ")))"
                )
            }
            try Self.check(t.shape, against: info)
            values[s] = .float(t)
        }
        for (i, step) in steps.enumerated() {
            var ins: [ONNXValue?] = []
            ins.reserveCapacity(step.inputs.count)
            for s in step.inputs {
                guard let s else {
                    ins.append(nil)
                    continue
                }
                guard let v = values[s] else {
                    throw NNError(.malformedFile, "ONNX: \(step.node.label): an input was not computed")
                }
                if !step.acceptsBF16, case .bf16(let m) = v {
                    ins.append(.float(m.float32Tensor(into: buffer(i * 16 + 8 + min(ins.count, 7), m.layout.dims))))
                } else {
                    ins.append(v)
                }
            }
            let ctx = KernelContext(
                buffer: { [unowned self] k, shape in self.buffer(i * 16 + k, shape) },
                view: { [unowned self] k, shape, type in self.arena.view(i * 16 + k, shape: shape, type: type) },
                precision: precision, bf16Output: step.bf16Output, bf16MinimumMultiplyAdds: bf16MinimumMultiplyAdds)
            let outs: [ONNXValue]
            let started = isProfiling ? DispatchTime.now().uptimeNanoseconds : 0
            do {
                outs = try step.kernel(ins, ctx)
            } catch let e as NNError {
                throw NNError(e.code, "ONNX: \(step.node.label): \(e.message)")
            }
            if isProfiling {
                if profile.count != steps.count {
                    profile = steps.map {
                        ($0.node.label, $0.node.op + ($0.node.fused.isEmpty ? "" : "+fused"), 0, 0, .infinity)
                    }
                }
                let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                profile[i].milliseconds += ms
                profile[i].runs += 1
                profile[i].fastest = min(profile[i].fastest, ms)
            }
            for (k, s) in step.outputs.enumerated() where s >= 0 && k < outs.count { values[s] = outs[k] }
        }
        var result: [String: Tensor] = [:]
        for (name, s) in outputSlots {
            guard let v = values[s] else { throw NNError(.malformedFile, "ONNX: output '\(name)' was not computed") }
            let t = try ONNXOperators.float(v, name)
            // A fresh copy: intermediate buffers are reused by the next run.
            var copy = Tensor(uninitialized: t.shape)
            copy.withUnsafeMutableBufferPointer { dst in
                t.withUnsafeBufferPointer { src in
                    if src.count > 0 { dst.baseAddress!.update(from: src.baseAddress!, count: src.count) }
                }
            }
            result[name] = copy
        }
        return result
    }

    /// Runs a model with one input and one output.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard inputSlots.count == 1, outputSlots.count >= 1 else {
            throw NNError(
                .invalidArgument,
                "ONNX: the model has \(inputSlots.count) inputs and \(outputSlots.count) outputs; use run(_:)")
        }
        let out = try run([inputSlots[0].info.name: x])
        return out[outputSlots[0].name]!
    }

    /// Checks a shape against a declared input (rank and fixed dimensions; symbolic ones are free).
    static func check(_ shape: [Int], against info: ONNXValueInfo) throws {
        guard info.elementType == "float32" || info.elementType == "unknown" else {
            throw NNError(
                .unsupported,
                "ONNX: input '\(info.name)' has element type \(info.elementType); only float32 inputs are supported")
        }
        guard let dims = info.dimensions else { return }
        let ok =
            dims.count == shape.count
            && zip(dims, shape).allSatisfy { d, n in
                if case .fixed(let f) = d { return f == n || f <= 0 }
                return true
            }
        guard ok else {
            throw NNError.shape(
                "ONNX input '\(info.name)'", expected: "[\(dims.map(\.description).joined(separator: ", "))]",
                got: "\(shape)")
        }
    }

    private func buffer(_ id: Int, _ shape: [Int]) -> Tensor {
        if let b = buffers[id], b.shape == shape { return b }
        let b = Tensor(uninitialized: shape)
        buffers[id] = b
        return b
    }
}
