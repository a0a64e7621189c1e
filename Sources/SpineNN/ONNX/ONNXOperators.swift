import Foundation

/// Buffers a kernel may write its outputs into (reused across runs), by output index and shape.
struct KernelContext {
    var buffer: (_ output: Int, _ shape: [Int]) -> Tensor = { _, shape in Tensor(uninitialized: shape) }
    /// A dense channels-last view in the session's activation arena (slot per kernel, reused across
    /// runs). Only bf16 kernels use it, and only while the session runs (load-time folding is fp32).
    var view: (_ slot: Int, _ shape: [Int], _ type: ScalarType) -> MemoryView = { _, _, _ in
        preconditionFailure("KernelContext.view outside a session run")
    }
    /// Element type of the convolutions.
    var precision: InferencePrecision = .fp32
    /// Whether this node may leave its output in bfloat16 (every consumer is bf16-aware).
    var bf16Output = false
    /// Convolutions with fewer multiply-adds stay float32 in a bf16 session.
    var bf16MinimumMultiplyAdds = 0
}

/// A compiled node: inputs (nil where an optional input is omitted) → outputs.
typealias ONNXKernel = (_ inputs: [ONNXValue?], _ context: KernelContext) throws -> [ONNXValue]

/// The ONNX operators SpineNN implements, as kernels over ``ONNXValue``s. Float work runs on
/// oneDNN (convolutions, pooling, normalization, elementwise, binary, reductions, matmul,
/// resampling, reorders for layout changes); integer shape arithmetic runs in Swift.
enum ONNXOperators {
    static let supported: Set<String> = [
        "Conv", "ConvTranspose", "BatchNormalization", "InstanceNormalization", "Relu", "LeakyRelu", "PRelu", "Sigmoid",
        "Softmax", "LogSoftmax", "Tanh", "Elu", "Clip", "Exp", "Log", "Abs", "Neg", "Reciprocal", "HardSigmoid",
        "HardSwish", "Erf", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Resize", "Upsample",
        "Concat",
        "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Max", "Min", "Reshape", "Flatten", "Squeeze", "Unsqueeze",
        "Transpose",
        "Gemm", "MatMul", "Pad", "Slice", "Split", "Identity", "Dropout", "Constant", "Shape", "Size", "Gather", "Cast",
        "ConstantOfShape", "Range", "Equal", "Where", "Expand", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin",
    ]

    static func isSupported(_ n: Onnx_NodeProto) -> Bool {
        (n.domain.isEmpty || n.domain == "ai.onnx") && supported.contains(n.opType)
    }

    // MARK: value helpers

    static func float(_ v: ONNXValue?, _ what: String) throws -> Tensor {
        switch v {
        case .float(let t)?: return t
        case .ints(let i)?: return try Tensor(shape: i.shape, nchw: i.values.map { Float($0) })
        case .bf16(let m)?: return m.float32Tensor()
        case nil: throw NNError(.invalidArgument, "missing input \(what)")
        }
    }

    /// `float(v, what)` inside a session run: a bfloat16 value is converted into the kernel's buffer
    /// `slot` (kept across runs) instead of a fresh tensor per run.
    static func float(_ v: ONNXValue?, _ what: String, _ ctx: KernelContext, slot: Int) throws -> Tensor {
        if case .bf16(let m)? = v { return m.float32Tensor(into: ctx.buffer(slot, m.layout.dims)) }
        return try float(v, what)
    }

    static func ints(_ v: ONNXValue?, _ what: String) throws -> IntTensor {
        switch v {
        case .ints(let i)?: return i
        case .float(let t)?: return IntTensor(shape: t.shape, values: t.nchwScalars.map { $0.isFinite ? Int64($0) : 0 })
        case .bf16(let m)?: return try ints(.float(m.float32Tensor()), what)
        case nil: throw NNError(.invalidArgument, "missing input \(what)")
        }
    }

    static func intList(_ v: ONNXValue?, _ what: String) throws -> [Int] { try ints(v, what).values.map { Int($0) } }

    /// Logical-order scalars of a float value.
    static func logical(_ t: Tensor) -> [Float] { t.nchwScalars }

    static func normalizeAxis(_ a: Int, rank: Int, _ op: String) throws -> Int {
        let x = a < 0 ? a + rank : a
        guard x >= 0, x < max(rank, 1) else {
            throw NNError(.invalidArgument, "\(op): axis \(a) out of range for rank \(rank)")
        }
        return x
    }

    // MARK: kernel factory

    /// The kernel for `node`. `constant` answers the values known at load time (initializers and
    /// folded nodes), so weights are prepared once.
    /// - Throws: ``NNError`` `.unsupported` naming the operator and node.
    static func kernel(for node: ONNXNode, opset: Int, constant: (String) -> ONNXValue?) throws -> ONNXKernel {
        let a = node.attributes
        guard node.domain.isEmpty, supported.contains(node.op) else {
            throw NNError(
                .unsupported,
                "ONNX: operator \(node.domain.isEmpty ? node.op : node.domain + "." + node.op) is not supported (\(node.label))"
            )
        }
        switch node.op {
        case "Conv", "ConvTranspose":
            return try convolution(node, constant: constant)
        case "BatchNormalization":
            let eps = a.float("epsilon", 1e-5)
            return { v, _ in
                let x = try float(v[0], "X")
                let c = x.rank >= 2 ? x.shape[1] : 0
                let p = try (1...4).map { try float(v[$0], "parameter \($0)").reshaped([c]) }
                return [
                    .float(
                        try DNNL.batchNormInference(
                            x, scale: p[0], shift: p[1], mean: p[2], variance: p[3], epsilon: eps))
                ]
            }
        case "InstanceNormalization":
            let eps = a.float("epsilon", 1e-5)
            let slopes = node.fusedSlopes
            let slopesRank = node.fusedSlopesInputRank
            return { v, ctx in
                guard let xv = v[0] else { throw NNError(.invalidArgument, "missing input") }
                let xShape = xv.shape
                guard xShape.count >= 3 else {
                    throw NNError.shape("InstanceNormalization", expected: "input [N, C, …]", got: "\(xShape)")
                }
                let c = xShape[1]
                let scale = try float(v[1], "scale").nchwScalars
                let bias = try float(v[2], "B").nchwScalars
                guard scale.count == c, bias.count == c, slopes.map({ $0.count == 1 || $0.count == c }) ?? true else {
                    throw NNError.shape(
                        "InstanceNormalization", expected: "\(c) scales, biases (and activation slopes)",
                        got: "\(scale.count), \(bias.count), \(slopes?.count ?? 0) for input \(xShape)")
                }
                if let slopesRank, slopesRank != xShape.count {
                    throw NNError.shape(
                        "PRelu (fused)", expected: "input of rank \(slopesRank) for per-channel slopes",
                        got: "\(xShape)")
                }
                var xFloat: Tensor? = nil
                defer { withExtendedLifetime(xFloat) {} }
                let x: MemoryView
                if case .bf16(let m) = xv {
                    x = m
                } else {
                    xFloat = try float(xv, "input")
                    x = MemoryView(xFloat!)
                }
                if ctx.precision == .bf16 && ctx.bf16Output {
                    let y = ctx.view(0, xShape, .bfloat16)
                    ONNXInstanceNorm.run(x, scale: scale, bias: bias, epsilon: eps, slopes: slopes, into: y)
                    return [.bf16(y)]
                }
                let y = ctx.buffer(0, xShape)
                ONNXInstanceNorm.run(x, scale: scale, bias: bias, epsilon: eps, slopes: slopes, into: MemoryView(y))
                return [.float(y)]
            }
        case "Relu": return eltwise(.relu(negativeSlope: 0))
        case "LeakyRelu": return eltwise(.relu(negativeSlope: a.float("alpha", 0.01)))
        case "Sigmoid": return eltwise(.sigmoid)
        case "Tanh": return eltwise(.tanh)
        case "Elu": return eltwise(.elu(alpha: a.float("alpha", 1)))
        case "Exp": return eltwise(.exp)
        case "Log": return eltwise(.log)
        case "Abs": return eltwise(.abs)
        case "Sqrt": return eltwise(.sqrt)
        case "Neg": return eltwise(.linear(a: -1, b: 0))
        case "Reciprocal": return eltwise(.pow(a: 1, p: -1))
        case "HardSigmoid":
            return eltwise(.clip(low: 0, high: 1), after: .linear(a: a.float("alpha", 0.2), b: a.float("beta", 0.5)))
        case "HardSwish":
            return { v, ctx in
                let x = try float(v[0], "X")
                let g = try DNNL.eltwise(.clip(low: 0, high: 1), try DNNL.eltwise(.linear(a: 1 / 6, b: 0.5), x))
                return [.float(try DNNL.binary(.mul, x, g, into: ctx.buffer(0, x.shape)))]
            }
        case "Erf":
            return { v, _ in
                let x = try float(v[0], "X")
                let y = Tensor(uninitialized: x.shape)
                for i in 0..<x.count { y.storage.pointer[i] = Foundation.erf(x.storage.pointer[i]) }
                return [.float(y)]
            }
        case "Clip":
            let lo0 = a.float("min", -Float.greatestFiniteMagnitude),
                hi0 = a.float("max", Float.greatestFiniteMagnitude)
            return { v, ctx in
                let x = try float(v[0], "input")
                let lo = v.count > 1 && v[1] != nil ? try float(v[1], "min").storage.pointer[0] : lo0
                let hi = v.count > 2 && v[2] != nil ? try float(v[2], "max").storage.pointer[0] : hi0
                return [.float(try DNNL.eltwise(.clip(low: lo, high: hi), x, into: ctx.buffer(0, x.shape)))]
            }
        case "PRelu":
            return { v, ctx in
                let x = try float(v[0], "X")
                var slope = try float(v[1], "slope")
                guard let shape = broadcastShape(x.shape, slope.shape), shape == x.shape else {
                    throw NNError.shape("PRelu", expected: "slope broadcastable to \(x.shape)", got: "\(slope.shape)")
                }
                if slope.count == 1 {
                    // One slope: leaky ReLU (oneDNN 2.6's PReLU with a broadcast scalar is slow).
                    let k = slope.storage.pointer[0]
                    return [.float(try DNNL.eltwise(.relu(negativeSlope: k), x, into: ctx.buffer(0, x.shape)))]
                }
                slope = try slope.logicallyReshaped([Int](repeating: 1, count: x.rank - slope.rank) + slope.shape)
                return [.float(try DNNL.prelu(x, slope: slope, into: ctx.buffer(0, x.shape)))]
            }
        case "Softmax", "LogSoftmax":
            let defaultAxis = opset >= 13 ? -1 : 1
            let axisAttr = a.int("axis", defaultAxis)
            let log = node.op == "LogSoftmax"
            return { v, ctx in
                let x = try float(v[0], "input")
                let axis = try normalizeAxis(axisAttr, rank: x.rank, node.op)
                var y: Tensor
                if axis != 1 && !(Tensor.storageIsLogicalOrder(x.shape) && axis == x.rank - 1) && x.count <= 1 << 22 {
                    // An axis that is not contiguous in channels-last storage: oneDNN 2.6 runs its
                    // reference kernel there (3 ms for 6400 elements); a loop over the storage instead.
                    if opset >= 13 || axis == x.rank - 1 {
                        y = stridedSoftmax(x, axis: axis, into: ctx.buffer(0, x.shape))
                    } else {
                        y = try Tensor(
                            shape: x.shape, nchw: softmax(logical(x), shape: x.shape, axis: axis, opset: opset))
                    }
                } else if opset < 13 && axis != x.rank - 1 {
                    // Opsets < 13 flatten to [prod(before axis), prod(from axis)].
                    let outer = x.shape.prefix(axis).reduce(1, *)
                    let flat = try x.logicallyReshaped([outer, x.count / max(outer, 1)])
                    y = try DNNL.softmaxForward(flat, axis: 1).logicallyReshaped(x.shape)
                } else {
                    y = try DNNL.softmaxForward(x, axis: axis)
                }
                if log { y = try DNNL.eltwise(.log, y) }
                return [.float(y)]
            }
        case "MaxPool", "AveragePool":
            return try pooling(node)
        case "GlobalAveragePool", "GlobalMaxPool":
            let kind: ONNXPooling = node.op == "GlobalMaxPool" ? .max : .averageExcludingPadding
            return { v, ctx in
                let x = try float(v[0], "X")
                guard x.rank >= 3 else { throw NNError.shape(node.op, expected: "input [N, C, …]", got: "\(x.shape)") }
                let k = Array(x.shape.dropFirst(2))
                let zero = [Int](repeating: 0, count: k.count)
                let out = Array(x.shape.prefix(2)) + [Int](repeating: 1, count: k.count)
                return [
                    .float(
                        try DNNL.pool(
                            kind, x, outputShape: out, kernel: k, stride: k, dilation: k.map { _ in 1 },
                            paddingLow: zero, paddingHigh: zero, into: ctx.buffer(0, out)))
                ]
            }
        case "Resize", "Upsample":
            return try ONNXResize.kernel(node, opset: opset)
        case "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Equal":
            return binaryKernel(node.op)
        case "Where":
            return { v, _ in
                let c = try ints(v[0], "condition")
                if case .ints(let x)? = v[1], case .ints(let y)? = v[2] {
                    guard let s = broadcastShape(broadcastShape(c.shape, x.shape) ?? [-1], y.shape), !s.contains(-1)
                    else {
                        throw NNError.shape(
                            "Where", expected: "broadcastable shapes", got: "\(c.shape), \(x.shape), \(y.shape)")
                    }
                    let cc = broadcastValues(c.values, shape: c.shape, to: s),
                        xx = broadcastValues(x.values, shape: x.shape, to: s)
                    let yy = broadcastValues(y.values, shape: y.shape, to: s)
                    return [.ints(IntTensor(shape: s, values: (0..<cc.count).map { cc[$0] != 0 ? xx[$0] : yy[$0] }))]
                }
                let x = try float(v[1], "X"), y = try float(v[2], "Y")
                guard let s = broadcastShape(broadcastShape(c.shape, x.shape) ?? [-1], y.shape), !s.contains(-1) else {
                    throw NNError.shape(
                        "Where", expected: "broadcastable shapes", got: "\(c.shape), \(x.shape), \(y.shape)")
                }
                let cc = broadcastValues(c.values, shape: c.shape, to: s)
                let xx = broadcastValues(logical(x), shape: x.shape, to: s),
                    yy = broadcastValues(logical(y), shape: y.shape, to: s)
                return [.float(try Tensor(shape: s, nchw: (0..<cc.count).map { cc[$0] != 0 ? xx[$0] : yy[$0] }))]
            }
        case "Identity", "Dropout":
            return { v, _ in
                guard let x = v[0] else { throw NNError(.invalidArgument, "missing input") }
                if node.outputs.count > 1, case .float(let t) = x {
                    return [x, .ints(IntTensor(shape: t.shape, values: [Int64](repeating: 1, count: t.count)))]
                }
                return [x]
            }
        case "Constant":
            let value: ONNXValue
            if let t = a.tensor("value") {
                value = try ONNXValue.decode(t, directory: nil)
            } else if a.has("value_float") {
                value = .float(Tensor(shape: [], repeating: a.float("value_float", 0)))
            } else if let fs = a.floats("value_floats") {
                value = .float(try Tensor(shape: [fs.count], nchw: fs))
            } else if let i = a.int("value_int") {
                value = .ints(IntTensor(scalar: Int64(i)))
            } else if let is_ = a.ints("value_ints") {
                value = .ints(IntTensor(vector: is_.map { Int64($0) }))
            } else {
                throw NNError(.unsupported, "ONNX: \(node.label): Constant without a tensor, float(s) or int(s) value")
            }
            return { _, _ in [value] }
        case "Shape":
            let start = a.int("start", 0)
            let end = a.int("end")
            return { v, _ in
                guard let x = v[0] else { throw NNError(.invalidArgument, "missing input") }
                let s = x.shape
                let r = s.count
                func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + r : i, 0), r) }
                let lo = clamp(start), hi = clamp(end ?? r)
                return [.ints(IntTensor(vector: lo < hi ? s[lo..<hi].map { Int64($0) } : []))]
            }
        case "Size":
            return { v, _ in [.ints(IntTensor(scalar: Int64(v[0]?.shape.reduce(1, *) ?? 0)))] }
        case "Cast":
            let to = ONNXDataType(rawValue: Int32(a.int("to", 1)))
            return { v, _ in
                guard let x = v[0] else { throw NNError(.invalidArgument, "missing input") }
                if to?.isFloatingPoint == true {
                    if case .ints(let i) = x {
                        return [.float(try Tensor(shape: i.shape, nchw: i.values.map { Float($0) }))]
                    }
                    if to == .float16 {
                        let t = try float(x, "input")
                        let r = t.nchwScalars.map { HalfPrecision.float(fromBits: HalfPrecision.bits(from: $0)) }
                        return [.float(try Tensor(shape: t.shape, nchw: r))]
                    }
                    return [x]
                }
                if case .float(let t) = x {
                    let vals = logical(t).map { f -> Int64 in f.isFinite ? Int64(f.rounded(.towardZero)) : 0 }
                    return [.ints(IntTensor(shape: t.shape, values: to == .bool ? vals.map { $0 != 0 ? 1 : 0 } : vals))]
                }
                if to == .bool, case .ints(let i) = x {
                    return [.ints(IntTensor(shape: i.shape, values: i.values.map { $0 != 0 ? 1 : 0 }))]
                }
                return [x]
            }
        case "ConstantOfShape":
            let fill =
                try a.tensor("value").map { try ONNXValue.decode($0, directory: nil) }
                ?? .float(Tensor(shape: [1], repeating: 0))
            return { v, _ in
                let shape = try intList(v[0], "shape")
                guard shape.allSatisfy({ $0 >= 0 }) else {
                    throw NNError(.invalidArgument, "ConstantOfShape: negative dimension \(shape)")
                }
                switch fill {
                case .bf16: preconditionFailure("bfloat16 values reach only bf16-aware kernels")
                case .float(let t): return [.float(Tensor(shape: shape, repeating: t.storage.pointer[0]))]
                case .ints(let i):
                    return [
                        .ints(
                            IntTensor(
                                shape: shape, values: [Int64](repeating: i.values.first ?? 0, count: shape.reduce(1, *))
                            ))
                    ]
                }
            }
        case "Range":
            return { v, _ in
                if case .ints(let s)? = v[0], case .ints(let l)? = v[1], case .ints(let d)? = v[2] {
                    let start = s.values[0], limit = l.values[0], delta = d.values[0]
                    guard delta != 0 else { throw NNError(.invalidArgument, "Range: delta 0") }
                    let n = max(Int((Double(limit - start) / Double(delta)).rounded(.up)), 0)
                    return [.ints(IntTensor(vector: (0..<n).map { start + Int64($0) * delta }))]
                }
                let s = try float(v[0], "start").storage.pointer[0], l = try float(v[1], "limit").storage.pointer[0]
                let d = try float(v[2], "delta").storage.pointer[0]
                guard d != 0 else { throw NNError(.invalidArgument, "Range: delta 0") }
                let n = max(Int(((l - s) / d).rounded(.up)), 0)
                return [.float(try Tensor(shape: [n], nchw: (0..<n).map { s + Float($0) * d }))]
            }
        case "Expand":
            return { v, _ in
                let target = try intList(v[1], "shape")
                guard let x = v[0], let s = broadcastShape(x.shape, target) else {
                    throw NNError.shape(
                        "Expand", expected: "shape broadcastable with the input",
                        got: "\(target) for \(v[0]?.shape ?? [])")
                }
                switch x {
                case .bf16: preconditionFailure("bfloat16 values reach only bf16-aware kernels")
                case .ints(let i):
                    return [.ints(IntTensor(shape: s, values: broadcastValues(i.values, shape: i.shape, to: s)))]
                case .float(let t):
                    return [.float(try Tensor(shape: s, nchw: broadcastValues(logical(t), shape: t.shape, to: s)))]
                }
            }
        case "Reshape", "Flatten", "Squeeze", "Unsqueeze":
            return try ONNXShapeOps.reshapeKernel(node, opset: opset)
        case "Transpose", "Concat", "Split", "Slice", "Gather", "Pad":
            return try ONNXShapeOps.kernel(node, opset: opset)
        case "Gemm", "MatMul":
            return try ONNXMatrix.kernel(node, constant: constant)
        case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin":
            let kind: ONNXReduction = ["ReduceMean": .mean, "ReduceSum": .sum, "ReduceMax": .max, "ReduceMin": .min][
                node.op]!
            let keep = a.int("keepdims", 1) != 0
            let noopEmpty = a.int("noop_with_empty_axes", 0) != 0
            let axesFromInput = node.op == "ReduceSum" ? opset >= 13 : opset >= 18
            let axesAttr = a.ints("axes")
            return { v, ctx in
                let x = try float(v[0], "data")
                var axes = axesAttr ?? []
                if axesFromInput, v.count > 1, v[1] != nil { axes = try intList(v[1], "axes") }
                if axes.isEmpty {
                    if noopEmpty { return [.float(x)] }
                    axes = Array(0..<x.rank)
                }
                let ax = Set(try axes.map { try normalizeAxis($0, rank: x.rank, node.op) })
                let kept = x.shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
                let y = try DNNL.reduce(kind, x, to: kept)
                return [
                    .float(
                        keep
                            ? y
                            : try y.logicallyReshaped(
                                x.shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)))
                ]
            }
        default:
            throw NNError(.unsupported, "ONNX: operator \(node.op) is not supported (\(node.label))")
        }
    }

    /// Softmax of `x` along one `axis` of its channels-last storage: the axis is copied outermost
    /// into a scratch array (`[axis, rest…]`), where every pass is a contiguous loop over positions
    /// that LLVM vectorizes (with `VectorMath.expNonPositive`), then copied back.
    static func stridedSoftmax(_ x: Tensor, axis: Int, into out: Tensor? = nil) -> Tensor {
        let y = out ?? Tensor(uninitialized: x.shape)
        let st = x.strides, n = x.shape[axis]
        var rest = x.shape, restStrides = st
        rest.remove(at: axis)
        restStrides.remove(at: axis)
        let positions = rest.reduce(1, *)
        let dims = [n] + rest
        let scratchStrides = Tensor.rowMajorStrides(dims)
        let axisMajor = [st[axis]] + restStrides
        var t = [Float](repeating: 0, count: x.count)
        var mx = [Float](repeating: -.infinity, count: positions)
        var sum = [Float](repeating: 0, count: positions)
        t.withUnsafeMutableBufferPointer { t in
            mx.withUnsafeMutableBufferPointer { mx in
                sum.withUnsafeMutableBufferPointer { sum in
                    let (t, mx, sum) = (t.baseAddress!, mx.baseAddress!, sum.baseAddress!)
                    StridedLoop.copy(dims: dims, from: x.storage.pointer, axisMajor, to: t, scratchStrides)
                    for a in 0..<n {
                        let row = t + a * positions
                        for i in 0..<positions { mx[i] = row[i] > mx[i] || row[i].isNaN ? row[i] : mx[i] }
                    }
                    for a in 0..<n {
                        let row = t + a * positions
                        for i in 0..<positions {
                            let e = VectorMath.expNonPositive(row[i] - mx[i])
                            row[i] = e
                            sum[i] += e
                        }
                    }
                    for i in 0..<positions { sum[i] = 1 / sum[i] }
                    for a in 0..<n {
                        let row = t + a * positions
                        for i in 0..<positions { row[i] *= sum[i] }
                    }
                    StridedLoop.copy(dims: dims, from: t, scratchStrides, to: y.storage.pointer, axisMajor)
                }
            }
        }
        return withExtendedLifetime(x) { y }
    }

    /// Softmax of logical-order `x` along `axis` (opsets < 13: over all axes from `axis` on).
    static func softmax(_ x: [Float], shape: [Int], axis: Int, opset: Int) -> [Float] {
        let outer = shape.prefix(axis).reduce(1, *)
        let n = opset < 13 ? shape.dropFirst(axis).reduce(1, *) : shape[axis]
        let inner = opset < 13 ? 1 : shape.dropFirst(axis + 1).reduce(1, *)
        var y = [Float](repeating: 0, count: x.count)
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * n * inner + i
                var m = -Float.infinity
                for k in 0..<n { m = max(m, x[base + k * inner]) }
                var sum: Float = 0
                for k in 0..<n {
                    let e = expf(x[base + k * inner] - m)
                    y[base + k * inner] = e
                    sum += e
                }
                let inv = 1 / sum
                for k in 0..<n { y[base + k * inner] *= inv }
            }
        }
        return y
    }

    static func eltwise(_ e: ONNXEltwise, after first: ONNXEltwise? = nil) -> ONNXKernel {
        { v, ctx in
            var x = try float(v[0], "X")
            if let first { x = try DNNL.eltwise(first, x) }
            return [.float(try DNNL.eltwise(e, x, into: ctx.buffer(0, x.shape)))]
        }
    }

    // MARK: binary

    static func binaryKernel(_ op: String) -> ONNXKernel {
        { v, ctx in
            guard let a = v[0], let b = v[1] else { throw NNError(.invalidArgument, "\(op): missing input") }
            if case .ints(let x) = a, case .ints(let y) = b { return [.ints(try intBinary(op, x, y))] }
            let x = try float(a, "A"), y = try float(b, "B")
            if op == "Equal" {
                guard let s = broadcastShape(x.shape, y.shape) else {
                    throw NNError.shape(op, expected: "broadcastable shapes", got: "\(x.shape) and \(y.shape)")
                }
                let p = broadcastValues(logical(x), shape: x.shape, to: s),
                    q = broadcastValues(logical(y), shape: y.shape, to: s)
                return [.ints(IntTensor(shape: s, values: zip(p, q).map { $0 == $1 ? 1 : 0 }))]
            }
            return [.float(try floatBinary(op, x, y, ctx))]
        }
    }

    static func intBinary(_ op: String, _ x: IntTensor, _ y: IntTensor) throws -> IntTensor {
        guard let s = broadcastShape(x.shape, y.shape) else {
            throw NNError.shape(op, expected: "broadcastable shapes", got: "\(x.shape) and \(y.shape)")
        }
        let p = broadcastValues(x.values, shape: x.shape, to: s), q = broadcastValues(y.values, shape: y.shape, to: s)
        let f: (Int64, Int64) -> Int64
        switch op {
        case "Add": f = { $0 &+ $1 }
        case "Sub": f = { $0 &- $1 }
        case "Mul": f = { $0 &* $1 }
        case "Div": f = { $1 == 0 ? 0 : $0 / $1 }
        case "Max": f = { Swift.max($0, $1) }
        case "Min": f = { Swift.min($0, $1) }
        case "Equal": f = { $0 == $1 ? 1 : 0 }
        case "Pow": f = { Int64(Foundation.pow(Double($0), Double($1))) }
        default: throw NNError(.unsupported, "\(op) on integers")
        }
        return IntTensor(shape: s, values: zip(p, q).map(f))
    }

    static func floatBinary(_ op: String, _ x: Tensor, _ y: Tensor, _ ctx: KernelContext) throws -> Tensor {
        guard let s = broadcastShape(x.shape, y.shape) else {
            throw NNError.shape(op, expected: "broadcastable shapes", got: "\(x.shape) and \(y.shape)")
        }
        // A scalar operand: one elementwise pass.
        if y.count == 1 && x.shape == s && x.count > 0 {
            let c = y.storage.pointer[0]
            let e: ONNXEltwise?
            switch op {
            case "Add": e = .linear(a: 1, b: c)
            case "Sub": e = .linear(a: 1, b: -c)
            case "Mul": e = .linear(a: c, b: 0)
            case "Div": e = .linear(a: 1 / c, b: 0)
            case "Pow": e = c == 0.5 ? .sqrt : .pow(a: 1, p: c)
            case "Max": e = .clip(low: c, high: .greatestFiniteMagnitude)
            case "Min": e = .clip(low: -.greatestFiniteMagnitude, high: c)
            default: e = nil
            }
            if let e { return try DNNL.eltwise(e, x, into: ctx.buffer(0, s)) }
        }
        if x.count == 1 && y.shape == s && y.count > 0 {
            let c = x.storage.pointer[0]
            let e: ONNXEltwise?
            switch op {
            case "Add": e = .linear(a: 1, b: c)
            case "Sub": e = .linear(a: -1, b: c)
            case "Mul": e = .linear(a: c, b: 0)
            case "Div": e = .pow(a: c, p: -1)
            case "Max": e = .clip(low: c, high: .greatestFiniteMagnitude)
            case "Min": e = .clip(low: -.greatestFiniteMagnitude, high: c)
            default: e = nil
            }
            if let e { return try DNNL.eltwise(e, y, into: ctx.buffer(0, s)) }
        }
        let kind: ONNXBinary? = ["Add": .add, "Sub": .sub, "Mul": .mul, "Div": .div, "Max": .max, "Min": .min][op]
        // oneDNN's binary kernels are fast for equal shapes and per-channel broadcasts; other
        // broadcasts of channels-last tensors fall to its reference kernel (ms on a few thousand
        // elements), where the logical-order loop below is faster up to a few million elements.
        func fastBroadcast(_ t: [Int]) -> Bool {
            t == s || s.count < 3 || s.reduce(1, *) > 1 << 22
                || t.enumerated().allSatisfy { $0.offset == 1 ? $0.element == s[1] : $0.element == 1 }
        }
        if let kind, s.count >= 1, !s.contains(0),
            fastBroadcast([Int](repeating: 1, count: s.count - x.rank) + x.shape),
            fastBroadcast([Int](repeating: 1, count: s.count - y.rank) + y.shape)
        {
            let xr = try x.logicallyReshaped([Int](repeating: 1, count: s.count - x.rank) + x.shape)
            let yr = try y.logicallyReshaped([Int](repeating: 1, count: s.count - y.rank) + y.shape)
            if xr.shape == s { return try DNNL.binary(kind, xr, yr, into: ctx.buffer(0, s)) }
            if yr.shape == s && [.add, .mul, .max, .min].contains(kind) {
                return try DNNL.binary(kind, yr, xr, into: ctx.buffer(0, s))
            }
            if yr.shape == s && kind == .sub {
                return try DNNL.eltwise(.linear(a: -1, b: 0), try DNNL.binary(.sub, yr, xr), into: ctx.buffer(0, s))
            }
        }
        // General broadcasting: a loop nest over the storages, stride 0 along broadcast axes.
        func broadcastStrides(_ t: Tensor) -> [Int] {
            let pad = s.count - t.rank, ts = t.strides
            return s.indices.map { $0 < pad || t.shape[$0 - pad] == 1 ? 0 : ts[$0 - pad] }
        }
        let out = ctx.buffer(0, s)
        let (o, os, xp, xs, yp, ys) = (
            out.storage.pointer, out.strides, UnsafePointer(x.storage.pointer), broadcastStrides(x),
            UnsafePointer(y.storage.pointer), broadcastStrides(y)
        )
        switch op {
        case "Add": StridedLoop.map(dims: s, out: o, os, xp, xs, yp, ys, +)
        case "Sub": StridedLoop.map(dims: s, out: o, os, xp, xs, yp, ys, -)
        case "Mul": StridedLoop.map(dims: s, out: o, os, xp, xs, yp, ys, *)
        case "Div": StridedLoop.map(dims: s, out: o, os, xp, xs, yp, ys, /)
        case "Pow": StridedLoop.map(dims: s, out: o, os, xp, xs, yp, ys) { Foundation.pow($0, $1) }
        case "Max": StridedLoop.map(dims: s, out: o, os, xp, xs, yp, ys) { Swift.max($0, $1) }
        case "Min": StridedLoop.map(dims: s, out: o, os, xp, xs, yp, ys) { Swift.min($0, $1) }
        default: throw NNError(.unsupported, "\(op) on floats")
        }
        return withExtendedLifetime((x, y)) { out }
    }

    // MARK: convolution

    static func padsAndGeometry(
        _ node: ONNXNode, input: [Int], kernel: [Int], transposed: Bool, groups: Int
    ) throws -> (ConvolutionGeometry, outputPadding: [Int]) {
        let a = node.attributes
        let r = kernel.count
        let strides = a.ints("strides") ?? [Int](repeating: 1, count: r)
        let dilations = a.ints("dilations") ?? [Int](repeating: 1, count: r)
        var pads = a.ints("pads") ?? [Int](repeating: 0, count: 2 * r)
        var outputPadding = a.ints("output_padding") ?? [Int](repeating: 0, count: r)
        guard strides.count == r, dilations.count == r, pads.count == 2 * r, outputPadding.count == r else {
            throw NNError(
                .invalidArgument,
                "\(node.label): strides \(strides), dilations \(dilations), pads \(pads) do not fit a \(r)-D kernel")
        }
        let autoPad = a.string("auto_pad", "NOTSET")
        let outputShape = a.ints("output_shape")
        if transposed, let os = outputShape {
            let o = Array(os.suffix(r))
            for i in 0..<r {
                let ek = (kernel[i] - 1) * dilations[i] + 1
                let total = strides[i] * (input[i] - 1) + outputPadding[i] + ek - o[i]
                if total >= 0 {
                    let half = total / 2
                    (pads[i], pads[i + r]) = autoPad == "SAME_UPPER" ? (half, total - half) : (total - half, half)
                } else {
                    outputPadding[i] -= total
                }
            }
        } else if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
            for i in 0..<r {
                let ek = (kernel[i] - 1) * dilations[i] + 1
                let total: Int
                if transposed {
                    total = max(strides[i] * (input[i] - 1) + outputPadding[i] + ek - input[i] * strides[i], 0)
                } else {
                    let out = (input[i] + strides[i] - 1) / strides[i]
                    total = max((out - 1) * strides[i] + ek - input[i], 0)
                }
                let half = total / 2
                (pads[i], pads[i + r]) = autoPad == "SAME_UPPER" ? (half, total - half) : (total - half, half)
            }
        } else if autoPad == "VALID" {
            pads = [Int](repeating: 0, count: 2 * r)
        }
        var g = try ConvolutionGeometry(
            spatialRank: r, stride: strides, padding: Array(pads.prefix(r)), dilation: dilations, groups: groups,
            transposed: transposed, op: node.label)
        g.paddingHigh = Array(pads.suffix(r))
        guard g.paddingHigh.allSatisfy({ $0 >= 0 }) else {
            throw NNError(.invalidArgument, "\(node.label): negative padding \(pads)")
        }
        if transposed { g.paddingHigh = zip(g.paddingHigh, outputPadding).map { $0 - $1 } }
        return (g, outputPadding)
    }

    static func convolution(_ node: ONNXNode, constant: (String) -> ONNXValue?) throws -> ONNXKernel {
        let transposed = node.op == "ConvTranspose"
        let groups = node.attributes.int("group", 1)
        let activation = node.activation
        // Weights and bias prepared once when constant (with a following BatchNormalization folded in).
        func prepare(_ w: Tensor, _ b: Tensor?) throws -> (Tensor, Tensor?) {
            guard let bn = node.foldedBatchNorm else { return (w, b) }
            let o = w.shape[0]
            var w2 = w
            w2.makeUnique()
            var b2 = b ?? Tensor(zeros: [o])
            b2.makeUnique()
            let per = w2.count / o
            for c in 0..<o {
                let f = bn.scale.storage.pointer[c] / (bn.variance.storage.pointer[c] + bn.epsilon).squareRoot()
                for j in 0..<per { w2.storage.pointer[c * per + j] *= f }
                b2.storage.pointer[c] =
                    (b2.storage.pointer[c] - bn.mean.storage.pointer[c]) * f + bn.bias.storage.pointer[c]
            }
            return (w2, b2)
        }
        var prepared: (Tensor, Tensor?)? = nil
        if case .float(let w)? = constant(node.inputs[1]) {
            var b: Tensor? = nil
            if node.inputs.count > 2, !node.inputs[2].isEmpty {
                guard case .float(let bt)? = constant(node.inputs[2]) else {
                    throw NNError(
                        .unsupported, "ONNX: \(node.label): a non-constant bias with constant weights is not supported")
                }
                b = try bt.reshaped([bt.count])
            }
            prepared = try prepare(w, b)
        } else if node.foldedBatchNorm != nil {
            throw NNError(.unsupported, "ONNX: \(node.label): cannot fold batch norm into non-constant weights")
        }
        // A transposed convolution whose kernel equals its stride (U-Net up-sampling): a 1×1
        // convolution to C·Πs channels, then a pixel shuffle (oneDNN 2.6's transposed convolution
        // is slow, its bf16 one very slow; see InferenceUNet).
        var shuffle: InferenceUNet.FoldedConvolution? = nil
        if transposed, groups == 1, let (w, b) = prepared, w.rank >= 3 {
            let a = node.attributes
            let r = w.rank - 2
            let kernel = Array(w.shape.dropFirst(2))
            let zeros = [Int](repeating: 0, count: r), ones = [Int](repeating: 1, count: r)
            if a.ints("strides") == kernel, (a.ints("pads") ?? zeros + zeros).allSatisfy({ $0 == 0 }),
                (a.ints("dilations") ?? ones) == ones, (a.ints("output_padding") ?? zeros) == zeros,
                !a.has("output_shape"), ["NOTSET", "VALID"].contains(a.string("auto_pad", "NOTSET"))
            {
                shuffle = try InferenceUNet.shuffleConvolution(
                    weight: w, bias: b ?? Tensor(zeros: [w.shape[1]]), spatialRank: r)
            } else if kernel.allSatisfy({ $0 == 3 }), a.ints("strides") == [Int](repeating: 2, count: r),
                a.ints("pads") == [Int](repeating: 1, count: 2 * r), (a.ints("dilations") ?? ones) == ones,
                a.ints("output_padding") == ones, !a.has("output_shape"), a.string("auto_pad", "NOTSET") == "NOTSET"
            {
                shuffle = try subPixelConvolution(weight: w, bias: b ?? Tensor(zeros: [w.shape[1]]), spatialRank: r)
            }
        }
        let residualInPlace = node.residualInPlace
        // The unfused convolution, made on first need (an addend that broadcasts).
        let weight = constant(node.inputs[1])
        let bias = node.inputs.count > 2 && !node.inputs[2].isEmpty ? node.inputs[2] : nil
        let biasValue = bias.flatMap(constant)
        var plainKernel: ONNXKernel? = nil
        return { v, ctx in
            guard let xv = v[0] else { throw NNError(.invalidArgument, "missing input X") }
            let residual = residualInPlace != nil && v.count > 3 ? v[3] : nil
            if residualInPlace != nil && residual == nil {
                throw NNError(.invalidArgument, "missing input (the residual addend)")
            }
            let xShape = xv.shape
            let (w, b): (Tensor, Tensor?)
            if let prepared {
                (w, b) = prepared
            } else {
                w = try float(v[1], "W")
                b = v.count > 2 && v[2] != nil ? try float(v[2], "B") : nil
            }
            guard xShape.count == w.rank, xShape.count >= 3 else {
                throw NNError.shape(
                    node.op, expected: "input of rank \(w.rank) ([N, C, …]) for weights \(w.shape)", got: "\(xShape)")
            }
            let inC = xShape[1]
            let outC: Int
            if transposed {
                guard w.shape[0] == inC, inC % groups == 0 else {
                    throw NNError.shape(
                        node.op, expected: "\(w.shape[0]) input channels for weights \(w.shape)",
                        got: "input \(xShape)")
                }
                outC = w.shape[1] * groups
            } else {
                guard w.shape[1] * groups == inC, w.shape[0] % groups == 0 else {
                    throw NNError.shape(
                        node.op,
                        expected: "\(w.shape[1] * groups) input channels for weights \(w.shape) and \(groups) groups",
                        got: "input \(xShape)")
                }
                outC = w.shape[0]
            }
            let kernel = Array(w.shape.dropFirst(2))
            let spatialIn = Array(xShape.dropFirst(2))
            let (g, _) = try padsAndGeometry(
                node, input: spatialIn, kernel: kernel, transposed: transposed, groups: groups)
            let spatial = g.outputSpatial(input: spatialIn, kernel: kernel)
            guard spatial.allSatisfy({ $0 >= 1 }) else {
                throw NNError.shape(node.op, expected: "input large enough for kernel \(kernel)", got: "\(xShape)")
            }
            let shape = [xShape[0], outC] + spatial
            // bf16: bfloat16 input and weights (reordered once from the float32 master copy), float32
            // bias and accumulation; output bfloat16 when every consumer takes it. A transposed
            // convolution that is no pixel shuffle stays float32 (oneDNN 2.6's bf16 one is slow).
            // Small convolutions (< 2²³ multiply-adds, e.g. a detector's 3 → 8 stem) stay float32: the
            // conversions would cost more than the bf16 kernel saves.
            let macs = shape.reduce(1, *) * (w.count / max(w.shape[0], 1)) * (transposed ? w.shape[0] : 1)
            let bf16 =
                ctx.precision == .bf16 && prepared != nil && (!transposed || shuffle != nil)
                && macs >= ctx.bf16MinimumMultiplyAdds
            // (Residuals are fused only into Conv nodes with constant weights: `prepared` is set, `shuffle` nil.)
            if let residual, residual.shape != shape {
                // An addend that broadcasts: the convolution, then the Add.
                if plainKernel == nil {
                    var plain = node
                    plain.inputs = Array(node.inputs.prefix(3))
                    plain.residualInPlace = nil
                    plain.activation = .none
                    plainKernel = try convolution(plain) { $0 == plain.inputs[1] ? weight : $0 == bias ? biasValue : nil }
                }
                var inner = ctx
                inner.buffer = { k, s in ctx.buffer(k + 5, s) }
                inner.bf16Output = false
                let out = try plainKernel!(Array(v.prefix(3)), inner)
                let y = try float(out.first, "convolution output", inner, slot: 3)
                let r = try float(residual, "addend", ctx, slot: 4)
                let sum = try floatBinary("Add", y, r, ctx)
                switch activation {
                case .none: return [.float(sum)]
                case .relu(let slope): return [.float(try DNNL.eltwise(.relu(negativeSlope: slope), sum, into: sum))]
                case .swish: return [.float(try DNNL.eltwise(.swish(a: 1), sum, into: sum))]
                }
            }
            if let residual {
                // Conv + Add (+ activation): the addend is the destination's content, summed by the
                // kernel (oneDNN's sum post-op) before the activation.
                let type: ScalarType = bf16 ? .bfloat16 : .float32
                let xFloat = bf16 ? nil : try float(xv, "X", ctx, slot: 2)
                defer { withExtendedLifetime(xFloat) {} }
                let x = try xFloat.map(MemoryView.init) ?? bfloat16View(xv, ctx, slot: 4)
                let wantBF16 = bf16 && ctx.bf16Output
                var target: (view: MemoryView, value: ONNXValue)? = nil
                if residualInPlace == true {
                    switch residual {
                    case .bf16(let m) where wantBF16: target = (m, residual)
                    case .float(let t) where !wantBF16: target = (MemoryView(t), residual)
                    default: break
                    }
                    if let t = target, t.view.overlaps(x) { target = nil }
                }
                let y: MemoryView, out: ONNXValue
                if let target {
                    (y, out) = target
                } else {
                    if wantBF16 {
                        y = ctx.view(0, shape, .bfloat16)
                        out = .bf16(y)
                    } else {
                        let t = ctx.buffer(0, shape)
                        (y, out) = (MemoryView(t), .float(t))
                    }
                    switch residual {
                    case .bf16(let m): try DNNL.copy(m, into: y)
                    default:
                        let r = try float(residual, "addend")
                        try withExtendedLifetime(r) { try DNNL.copy(MemoryView(r), into: y) }
                    }
                }
                try DNNL.inferenceConvolution(
                    x, weight: w, weightType: type, bias: prepared?.1, y, geometry: g, activation: activation,
                    accumulate: true)
                return [out]
            }
            if bf16 || shuffle != nil {
                let type: ScalarType = bf16 ? .bfloat16 : .float32
                // The float32 input (converted from bfloat16 when it came so) outlives the views on it.
                let xFloat = bf16 ? nil : try float(xv, "X", ctx, slot: 2)
                defer { withExtendedLifetime(xFloat) {} }
                let x = try xFloat.map(MemoryView.init) ?? bfloat16View(xv, ctx, slot: 4)
                let out: ONNXValue
                let y: MemoryView
                if bf16 && ctx.bf16Output {
                    y = ctx.view(0, shape, .bfloat16)
                    out = .bf16(y)
                } else {
                    let t = ctx.buffer(0, shape)
                    y = MemoryView(t)
                    out = .float(t)
                }
                if let s = shuffle {
                    let factors = s.shuffle!
                    let scratch = [xShape[0], s.outChannels] + spatialIn
                    let t = bf16 ? ctx.view(1, scratch, .bfloat16) : MemoryView(ctx.buffer(1, scratch))
                    try DNNL.inferenceConvolution(
                        x, weight: s.weight, weightType: type, bias: s.bias, t, geometry: s.geometry,
                        activation: .none)
                    let (from, to) = t.pixelShuffleViews(into: y, factors: factors)
                    try DNNL.copy(from, into: to)
                } else {
                    try DNNL.inferenceConvolution(
                        x, weight: w, weightType: type, bias: b, y, geometry: g, activation: activation)
                }
                return [out]
            }
            let x = try float(xv, "X", ctx, slot: 2)
            let y = try DNNL.convolutionForward(
                x, weight: w, bias: b, outputShape: shape, geometry: g, training: false, activation: activation,
                into: ctx.buffer(0, shape), constantWeights: prepared != nil)
            return [.float(y)]
        }
    }

    /// A transposed convolution with kernel 3, stride 2, padding 1 and output padding 1 (MONAI's
    /// up-sampling) as a stride-1 convolution with kernel 2 (high padding 1) to `2^r·C` channels,
    /// then a pixel shuffle: output position `2m + d` along an axis takes input `m` through tap 1
    /// for `d = 0`, inputs `m` and `m + 1` through taps 2 and 0 for `d = 1` (Shi et al. 2016,
    /// sub-pixel convolution). oneDNN 2.6's transposed convolution ran at ~14 GFLOP/s on these.
    static func subPixelConvolution(weight: Tensor, bias: Tensor, spatialRank r: Int) throws
        -> InferenceUNet.FoldedConvolution
    {
        let cin = weight.shape[0], c = weight.shape[1]
        let phases = 1 << r, taps = 1 << r, k = (0..<r).reduce(1) { p, _ in p * 3 }  // 3^r
        let w = weight.nchwScalars  // [cin][c][k…], 3 per axis
        let b = bias.nchwScalars
        var wp = [Float](repeating: 0, count: phases * c * cin * taps)
        var bp = [Float](repeating: 0, count: phases * c)
        /// Kernel index for output phase `d` and input offset `t` along one axis (nil: no tap).
        func tap(_ d: Int, _ t: Int) -> Int? { d == 0 ? (t == 0 ? 1 : nil) : (t == 0 ? 2 : 0) }
        for d in 0..<phases {
            for t in 0..<taps {
                var ki = 0
                var valid = true
                for axis in 0..<r {
                    let da = (d >> (r - 1 - axis)) & 1, ta = (t >> (r - 1 - axis)) & 1
                    guard let kk = tap(da, ta) else {
                        valid = false
                        break
                    }
                    ki = ki * 3 + kk
                }
                guard valid else { continue }
                for ch in 0..<c {
                    let o = d * c + ch
                    for i in 0..<cin { wp[(o * cin + i) * taps + t] = w[(i * c + ch) * k + ki] }
                }
            }
            for ch in 0..<c { bp[d * c + ch] = b[ch] }
        }
        let twos = [Int](repeating: 2, count: r)
        var g = try ConvolutionGeometry(
            spatialRank: r, stride: nil, padding: nil, dilation: nil, groups: 1, transposed: false, op: "ConvTranspose")
        g.paddingHigh = [Int](repeating: 1, count: r)
        return InferenceUNet.FoldedConvolution(
            weight: try Tensor(shape: [phases * c, cin] + twos, nchw: wp), bias: try Tensor(shape: [phases * c], nchw: bp),
            geometry: g, activation: .none, outChannels: phases * c, kernel: twos, shuffle: twos)
    }

    // MARK: pooling

    static func pooling(_ node: ONNXNode) throws -> ONNXKernel {
        let a = node.attributes
        guard let kernel = a.ints("kernel_shape") else {
            throw NNError(.invalidArgument, "\(node.label): no kernel_shape")
        }
        let r = kernel.count
        let strides = a.ints("strides") ?? [Int](repeating: 1, count: r)
        let dilations = a.ints("dilations") ?? [Int](repeating: 1, count: r)
        let pads0 = a.ints("pads") ?? [Int](repeating: 0, count: 2 * r)
        let ceil = a.int("ceil_mode", 0) != 0
        let autoPad = a.string("auto_pad", "NOTSET")
        let kind: ONNXPooling =
            node.op == "MaxPool"
            ? .max : (a.int("count_include_pad", 0) != 0 ? .averageIncludingPadding : .averageExcludingPadding)
        guard node.outputs.count == 1 || node.outputs[1].isEmpty else {
            throw NNError(.unsupported, "ONNX: \(node.label): MaxPool with an Indices output is not supported")
        }
        guard strides.count == r, dilations.count == r, pads0.count == 2 * r else {
            throw NNError(
                .invalidArgument,
                "\(node.label): strides \(strides), dilations \(dilations), pads \(pads0) do not fit kernel \(kernel)")
        }
        return { v, ctx in
            guard let xv = v[0] else { throw NNError(.invalidArgument, "missing input X") }
            let xShape = xv.shape
            guard xShape.count == r + 2 else {
                throw NNError.shape(node.op, expected: "input of rank \(r + 2) for kernel \(kernel)", got: "\(xShape)")
            }
            var pads = pads0
            let input = Array(xShape.dropFirst(2))
            var out = [Int](repeating: 0, count: r)
            for i in 0..<r {
                let ek = (kernel[i] - 1) * dilations[i] + 1
                if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                    out[i] = (input[i] + strides[i] - 1) / strides[i]
                    let total = max((out[i] - 1) * strides[i] + ek - input[i], 0)
                    (pads[i], pads[i + r]) =
                        autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
                    continue
                }
                if autoPad == "VALID" { (pads[i], pads[i + r]) = (0, 0) }
                let span = input[i] + pads[i] + pads[i + r] - ek
                guard span >= 0 else {
                    throw NNError.shape(node.op, expected: "input of at least kernel size \(kernel)", got: "\(xShape)")
                }
                out[i] = (ceil ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1
                if ceil && (out[i] - 1) * strides[i] >= input[i] + pads[i] { out[i] -= 1 }
            }
            var high = [Int](repeating: 0, count: r)
            for i in 0..<r {
                let ek = (kernel[i] - 1) * dilations[i] + 1
                high[i] = (out[i] - 1) * strides[i] + ek - input[i] - pads[i]
            }
            let shape = Array(xShape.prefix(2)) + out
            if case .bf16(let m) = xv {
                let y = ctx.view(0, shape, .bfloat16)
                try DNNL.pool(
                    kind, m, y, kernel: kernel, stride: strides, dilation: dilations,
                    paddingLow: Array(pads.prefix(r)), paddingHigh: high)
                return [.bf16(y)]
            }
            let x = try float(xv, "X", ctx, slot: 2)
            return [
                .float(
                    try DNNL.pool(
                        kind, x, outputShape: shape, kernel: kernel, stride: strides, dilation: dilations,
                        paddingLow: Array(pads.prefix(r)), paddingHigh: high, into: ctx.buffer(0, shape)))
            ]
        }
    }
}
