import Foundation

/// Shape and layout operators: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat, Split,
/// Slice, Gather, Pad — on float tensors (oneDNN reorders of strided views) and on integer tensors.
enum ONNXShapeOps {
    typealias Ops = ONNXOperators

    static func reshape(_ x: ONNXValue, _ shape: [Int]) throws -> ONNXValue {
        switch x {
        case .bf16: preconditionFailure("bfloat16 values reach only bf16-aware kernels")
        case .float(let t): return .float(try t.logicallyReshaped(shape))
        case .ints(let i):
            guard shape.reduce(1, *) == i.values.count else {
                throw NNError.shape("reshape", expected: "\(i.values.count) elements", got: "\(shape)")
            }
            return .ints(IntTensor(shape: shape, values: i.values))
        }
    }

    static func reshapeKernel(_ node: ONNXNode, opset: Int) throws -> ONNXKernel {
        let a = node.attributes
        switch node.op {
        case "Reshape":
            let allowZero = a.int("allowzero", 0) != 0
            return { v, _ in
                guard let x = v[0] else { throw NNError(.invalidArgument, "missing data") }
                var target = try Ops.intList(v[1], "shape")
                let s = x.shape
                for i in target.indices where target[i] == 0 && !allowZero {
                    guard i < s.count else {
                        throw NNError.shape("Reshape", expected: "a dimension \(i) to copy", got: "\(s)")
                    }
                    target[i] = s[i]
                }
                if let k = target.firstIndex(of: -1) {
                    let known = target.enumerated().filter { $0.offset != k }.reduce(1) { $0 * $1.element }
                    guard known > 0, s.reduce(1, *) % known == 0 else {
                        throw NNError.shape("Reshape", expected: "a shape compatible with \(s)", got: "\(target)")
                    }
                    target[k] = s.reduce(1, *) / known
                }
                return [try reshape(x, target)]
            }
        case "Flatten":
            let axisAttr = a.int("axis", 1)
            return { v, _ in
                guard let x = v[0] else { throw NNError(.invalidArgument, "missing input") }
                let s = x.shape
                let axis = axisAttr < 0 ? axisAttr + s.count : axisAttr
                guard axis >= 0, axis <= s.count else {
                    throw NNError(.invalidArgument, "Flatten: axis \(axisAttr) for rank \(s.count)")
                }
                return [try reshape(x, [s.prefix(axis).reduce(1, *), s.dropFirst(axis).reduce(1, *)])]
            }
        case "Squeeze":
            let attrAxes = a.ints("axes")
            return { v, _ in
                guard let x = v[0] else { throw NNError(.invalidArgument, "missing input") }
                let s = x.shape
                var axes = attrAxes
                if opset >= 13, v.count > 1, v[1] != nil { axes = try Ops.intList(v[1], "axes") }
                let drop: Set<Int>
                if let axes {
                    drop = Set(try axes.map { try Ops.normalizeAxis($0, rank: s.count, "Squeeze") })
                    guard drop.allSatisfy({ s[$0] == 1 }) else {
                        throw NNError.shape("Squeeze", expected: "size 1 on axes \(axes)", got: "\(s)")
                    }
                } else {
                    drop = Set(s.indices.filter { s[$0] == 1 })
                }
                return [try reshape(x, s.enumerated().filter { !drop.contains($0.offset) }.map(\.element))]
            }
        default:  // Unsqueeze
            let attrAxes = a.ints("axes")
            return { v, _ in
                guard let x = v[0] else { throw NNError(.invalidArgument, "missing input") }
                var axes = attrAxes ?? []
                if opset >= 13 { axes = try Ops.intList(v.count > 1 ? v[1] : nil, "axes") }
                let r = x.shape.count + axes.count
                let ins = Set(try axes.map { try Ops.normalizeAxis($0, rank: r, "Unsqueeze") })
                var s: [Int] = []
                var it = x.shape.makeIterator()
                for i in 0..<r { s.append(ins.contains(i) ? 1 : it.next() ?? 1) }
                return [try reshape(x, s)]
            }
        }
    }

    static func kernel(_ node: ONNXNode, opset: Int) throws -> ONNXKernel {
        let a = node.attributes
        switch node.op {
        case "Transpose":
            let permAttr = a.ints("perm")
            return { v, _ in
                guard let x = v[0] else { throw NNError(.invalidArgument, "missing input") }
                let r = x.shape.count
                let perm = permAttr ?? Array((0..<r).reversed())
                guard perm.sorted() == Array(0..<r) else {
                    throw NNError(.invalidArgument, "Transpose: perm \(perm) for rank \(r)")
                }
                switch x {
                case .bf16: preconditionFailure("bfloat16 values reach only bf16-aware kernels")
                case .float(let t): return [.float(try t.transposed(perm))]
                case .ints(let i):
                    // Gather along axes on the transposed view: maps per output axis of the input's axis.
                    let st = Tensor.rowMajorStrides(i.shape)
                    let outShape = perm.map { i.shape[$0] }
                    var out: [Int64] = []
                    out.reserveCapacity(i.values.count)
                    var idx = [Int](repeating: 0, count: r)
                    for _ in 0..<i.values.count {
                        var o = 0
                        for k in 0..<r { o += idx[k] * st[perm[k]] }
                        out.append(i.values[o])
                        var k = r - 1
                        while k >= 0 {
                            idx[k] += 1
                            if idx[k] < outShape[k] { break }
                            idx[k] = 0
                            k -= 1
                        }
                    }
                    return [.ints(IntTensor(shape: outShape, values: out))]
                }
            }
        case "Concat":
            let axisAttr = a.int("axis", 0)
            return { v, ctx in
                let xs = v.compactMap { $0 }
                guard let first = xs.first else { throw NNError(.invalidArgument, "Concat: no inputs") }
                let r = first.shape.count
                let axis = try Ops.normalizeAxis(axisAttr, rank: r, "Concat")
                for x in xs {
                    var p = x.shape, q = first.shape
                    guard p.count == q.count else {
                        throw NNError.shape("Concat", expected: "rank \(r) like \(q)", got: "\(p)")
                    }
                    p[axis] = 0
                    q[axis] = 0
                    guard p == q else {
                        throw NNError.shape(
                            "Concat", expected: "all dimensions but \(axis) equal to \(first.shape)", got: "\(x.shape)")
                    }
                }
                if xs.allSatisfy({ if case .ints = $0 { true } else { false } }) {
                    let its = xs.map { if case .ints(let i) = $0 { i } else { IntTensor(vector: []) } }
                    let outer = first.shape.prefix(axis).reduce(1, *)
                    var out: [Int64] = []
                    for o in 0..<outer {
                        for i in its {
                            let inner = i.shape.dropFirst(axis).reduce(1, *)
                            out += i.values[(o * inner)..<((o + 1) * inner)]
                        }
                    }
                    var s = first.shape
                    s[axis] = its.reduce(0) { $0 + $1.shape[axis] }
                    return [.ints(IntTensor(shape: s, values: out))]
                }
                if ctx.precision == .bf16, xs.allSatisfy({ if case .bf16 = $0 { true } else { false } }) {
                    var s = first.shape
                    s[axis] = xs.reduce(0) { $0 + $1.shape[axis] }
                    let y = ctx.view(0, s, .bfloat16)
                    var start = 0
                    for case .bf16(let m) in xs {
                        try DNNL.copy(
                            m,
                            into: y.reinterpreted(
                                dims: m.layout.dims, strides: y.layout.strides, offset: start * y.layout.strides[axis]))
                        start += m.layout.dims[axis]
                    }
                    return [.bf16(y)]
                }
                // Slots 2–7 of the kernel's buffers hold converted bfloat16 inputs (0 is the output).
                let ts = try xs.enumerated().map { k, x in
                    k < 6 ? try Ops.float(x, "input", ctx, slot: 2 + k) : try Ops.float(x, "input")
                }
                var s = first.shape
                s[axis] = ts.reduce(0) { $0 + $1.shape[axis] }
                return [.float(try Tensor.concatenate(ts, axis: axis, into: ctx.buffer(0, s)))]
            }
        case "Split":
            let axisAttr = a.int("axis", 0)
            let splitAttr = a.ints("split")
            let outputs = node.outputs.count
            return { v, _ in
                guard let x = v[0] else { throw NNError(.invalidArgument, "missing input") }
                let axis = try Ops.normalizeAxis(axisAttr, rank: x.shape.count, "Split")
                let d = x.shape[axis]
                var parts = splitAttr
                if opset >= 13, v.count > 1, v[1] != nil { parts = try Ops.intList(v[1], "split") }
                if parts == nil {
                    let each = (d + outputs - 1) / outputs
                    parts = (0..<outputs).map { min(each, max(d - $0 * each, 0)) }
                }
                guard let parts, parts.count == outputs, parts.reduce(0, +) == d else {
                    throw NNError.shape("Split", expected: "\(outputs) parts summing to \(d)", got: "\(parts ?? [])")
                }
                var start = 0
                var out: [ONNXValue] = []
                for p in parts {
                    switch x {
                    case .bf16: preconditionFailure("bfloat16 values reach only bf16-aware kernels")
                    case .float(let t): out.append(.float(try t.slice(axis: axis, start: start, length: p)))
                    case .ints(let i):
                        var maps = i.shape.map { Array(0..<$0) }
                        maps[axis] = Array(start..<(start + p))
                        var s = i.shape
                        s[axis] = p
                        out.append(
                            .ints(
                                IntTensor(
                                    shape: s, values: gatherAlongAxes(i.values, shape: i.shape, maps: maps, fill: 0))))
                    }
                    start += p
                }
                return out
            }
        case "Slice":
            return { v, _ in
                guard let x = v[0] else { throw NNError(.invalidArgument, "missing data") }
                let s = x.shape
                let r = s.count
                let starts = try Ops.intList(v[1], "starts"), ends = try Ops.intList(v[2], "ends")
                let axes = v.count > 3 && v[3] != nil ? try Ops.intList(v[3], "axes") : Array(0..<starts.count)
                let steps =
                    v.count > 4 && v[4] != nil
                    ? try Ops.intList(v[4], "steps") : [Int](repeating: 1, count: starts.count)
                guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count,
                    !steps.contains(0)
                else {
                    throw NNError(
                        .invalidArgument, "Slice: starts \(starts), ends \(ends), axes \(axes), steps \(steps)")
                }
                var maps = s.map { Array(0..<$0) }
                var first = [Int](repeating: 0, count: r)
                var step = [Int](repeating: 1, count: r)
                var outShape = s
                for (k, ax0) in axes.enumerated() {
                    let ax = try Ops.normalizeAxis(ax0, rank: r, "Slice")
                    let d = s[ax]
                    var b = starts[k] < 0 ? starts[k] + d : starts[k]
                    var e = ends[k] < 0 ? ends[k] + d : ends[k]
                    if steps[k] > 0 {
                        b = min(max(b, 0), d)
                        e = min(max(e, 0), d)
                    } else {
                        b = min(max(b, -1), d - 1)
                        e = min(max(e, -1), d - 1)
                    }
                    let idx = Array(stride(from: b, to: e, by: steps[k]))
                    maps[ax] = idx
                    outShape[ax] = idx.count
                    first[ax] = idx.first ?? 0
                    step[ax] = steps[k]
                }
                switch x {
                case .bf16: preconditionFailure("bfloat16 values reach only bf16-aware kernels")
                case .float(let t):
                    if outShape.contains(0) { return [.float(Tensor(zeros: outShape))] }
                    if step.allSatisfy({ $0 > 0 }) {
                        let st = t.strides
                        let offset = zip(first, st).reduce(0) { $0 + $1.0 * $1.1 }
                        return [.float(try t.copyOfView(dims: outShape, strides: zip(st, step).map(*), offset: offset))]
                    }
                    return [
                        .float(
                            try Tensor(
                                shape: outShape, nchw: gatherAlongAxes(t.nchwScalars, shape: s, maps: maps, fill: 0)))
                    ]
                case .ints(let i):
                    return [
                        .ints(
                            IntTensor(shape: outShape, values: gatherAlongAxes(i.values, shape: s, maps: maps, fill: 0))
                        )
                    ]
                }
            }
        case "Gather":
            let axisAttr = a.int("axis", 0)
            return { v, _ in
                guard let x = v[0] else { throw NNError(.invalidArgument, "missing data") }
                let idx = try Ops.ints(v[1], "indices")
                let s = x.shape
                let axis = try Ops.normalizeAxis(axisAttr, rank: s.count, "Gather")
                let d = s[axis]
                let flat = try idx.values.map { i -> Int in
                    let j = Int(i < 0 ? i + Int64(d) : i)
                    guard j >= 0, j < d else {
                        throw NNError(.invalidArgument, "Gather: index \(i) out of range for dimension \(d)")
                    }
                    return j
                }
                var maps = s.map { Array(0..<$0) }
                maps[axis] = flat
                let outShape = Array(s.prefix(axis)) + idx.shape + Array(s.dropFirst(axis + 1))
                switch x {
                case .bf16: preconditionFailure("bfloat16 values reach only bf16-aware kernels")
                case .ints(let i):
                    return [
                        .ints(
                            IntTensor(shape: outShape, values: gatherAlongAxes(i.values, shape: s, maps: maps, fill: 0))
                        )
                    ]
                case .float(let t):
                    return [
                        .float(
                            try Tensor(
                                shape: outShape, nchw: gatherAlongAxes(t.nchwScalars, shape: s, maps: maps, fill: 0)))
                    ]
                }
            }
        default:  // Pad
            let mode = a.string("mode", "constant")
            let padsAttr = a.ints("pads")
            let valueAttr = a.float("value", 0)
            guard ["constant", "reflect", "edge"].contains(mode) else {
                throw NNError(.unsupported, "ONNX: \(node.label): Pad mode '\(mode)' is not supported")
            }
            return { v, ctx in
                let x = try Ops.float(v[0], "data")
                let r = x.rank
                var pads = padsAttr ?? []
                var value = valueAttr
                if opset >= 11 {
                    pads = try Ops.intList(v.count > 1 ? v[1] : nil, "pads")
                    if v.count > 2, let c = v[2] { value = try Ops.float(c, "constant_value").storage.pointer[0] }
                }
                var full = [Int](repeating: 0, count: 2 * r)
                if opset >= 18, v.count > 3, v[3] != nil {
                    let axes = try Ops.intList(v[3], "axes").map { try Ops.normalizeAxis($0, rank: r, "Pad") }
                    for (k, ax) in axes.enumerated() { (full[ax], full[ax + r]) = (pads[k], pads[k + axes.count]) }
                } else {
                    guard pads.count == 2 * r else {
                        throw NNError.shape("Pad", expected: "\(2 * r) pads", got: "\(pads)")
                    }
                    full = pads
                }
                let outShape = (0..<r).map { x.shape[$0] + full[$0] + full[$0 + r] }
                guard outShape.allSatisfy({ $0 >= 0 }) else {
                    throw NNError.shape("Pad", expected: "pads within \(x.shape)", got: "\(full)")
                }
                if mode == "constant" && full.allSatisfy({ $0 >= 0 }) && x.count > 0 {
                    let y = ctx.buffer(0, outShape)
                    y.storage.pointer.update(repeating: value, count: y.count)
                    let ys = y.strides
                    let offset = (0..<r).reduce(0) { $0 + full[$1] * ys[$1] }
                    try DNNL.copy(
                        from: DNNL.layout(x), UnsafeRawPointer(x.storage.pointer),
                        to: DenseLayout(dims: x.shape, strides: ys), UnsafeMutableRawPointer(y.storage.pointer + offset)
                    )
                    return [.float(y)]
                }
                let maps = (0..<r).map { ax -> [Int] in
                    let d = x.shape[ax]
                    return (0..<outShape[ax]).map { o -> Int in
                        var i = o - full[ax]
                        if i >= 0 && i < d { return i }
                        switch mode {
                        case "edge": return min(max(i, 0), d - 1)
                        case "reflect":
                            if d == 1 { return 0 }
                            let period = 2 * (d - 1)
                            i = ((i % period) + period) % period
                            return i < d ? i : period - i
                        default: return -1
                        }
                    }
                }
                return [
                    .float(
                        try Tensor(
                            shape: outShape,
                            nchw: gatherAlongAxes(x.nchwScalars, shape: x.shape, maps: maps, fill: value)))
                ]
            }
        }
    }
}
