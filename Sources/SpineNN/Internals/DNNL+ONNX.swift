import _CDNNL

// oneDNN calls the ONNX importer needs beyond the training ops: a facet of the oneDNN wrapper
// (Internals/DNNL.swift), the only other place that touches the C API. Every primitive is cached
// like the ones there; all take forward-inference descriptors.

/// Elementwise functions of the ONNX importer (`y = f(x)`, applied to the storage as a flat vector).
package enum ONNXEltwise: Hashable, Sendable {
    case relu(negativeSlope: Float)
    case elu(alpha: Float)
    case tanh, sigmoid, exp, log, sqrt, abs
    /// `a·x + b`.
    case linear(a: Float, b: Float)
    /// `min(max(x, low), high)`.
    case clip(low: Float, high: Float)
    /// `a·x^p`.
    case pow(a: Float, p: Float)
    /// `x·sigmoid(a·x)`.
    case swish(a: Float)
    case geluErf
}

/// Binary algorithms (`src0 ∘ src1`, `src1` broadcast over dimensions of size 1).
package enum ONNXBinary: Hashable, Sendable {
    case add, sub, mul, div, max, min
}

/// Reductions over the dimensions where the output has size 1.
package enum ONNXReduction: Hashable, Sendable {
    case mean, sum, max, min
}

/// Pooling algorithms, with or without the padding in the average.
package enum ONNXPooling: Hashable, Sendable {
    case max, averageIncludingPadding, averageExcludingPadding
}

extension DNNL {
    private static func algorithm(_ e: ONNXEltwise) -> (dnnl_alg_kind_t, Float, Float) {
        switch e {
        case .relu(let s): (dnnl_eltwise_relu, s, 0)
        case .elu(let a): (dnnl_eltwise_elu, a, 0)
        case .tanh: (dnnl_eltwise_tanh, 0, 0)
        case .sigmoid: (dnnl_eltwise_logistic, 0, 0)
        case .exp: (dnnl_eltwise_exp, 0, 0)
        case .log: (dnnl_eltwise_log, 0, 0)
        case .sqrt: (dnnl_eltwise_sqrt, 0, 0)
        case .abs: (dnnl_eltwise_abs, 0, 0)
        case .linear(let a, let b): (dnnl_eltwise_linear, a, b)
        case .clip(let lo, let hi): (dnnl_eltwise_clip_v2, lo, hi)
        case .pow(let a, let p): (dnnl_eltwise_pow, a, p)
        case .swish(let a): (dnnl_eltwise_swish, a, 0)
        case .geluErf: (dnnl_eltwise_gelu_erf, 0, 0)
        }
    }

    /// `y = f(x)` elementwise on the storage (any shape; the layout is irrelevant).
    static func eltwise(_ e: ONNXEltwise, _ x: Tensor, into out: Tensor? = nil) throws -> Tensor {
        let y = out ?? Tensor(uninitialized: x.shape)
        precondition(y.count == x.count)
        if x.count == 0 { return y }
        let n = x.count
        let key = { "onnx_eltwise|\(e)|\(n)" }
        let p = try context.primitive(
            key(), fast: PrimitiveKey(op: "onnx_eltwise", dims: [[n]], tag: e), serial: isSerial(elements: n)
        ) {
            let (alg, a, b) = algorithm(e)
            var m = try md(.rowMajor([n]))
            var desc = dnnl_eltwise_desc_t()
            try check(dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, alg, &m, a, b), "eltwise \(e)")
            return try createPD(&desc, key())
        }
        try execute(p, [.input(Arg.src, x, as: .rowMajor([n])), .output(Arg.dst, y, as: .rowMajor([n]))])
        return y
    }

    /// `a ∘ b` with `b` of `a`'s rank, each dimension equal to `a`'s or 1.
    static func binary(_ k: ONNXBinary, _ a: Tensor, _ b: Tensor, into out: Tensor? = nil) throws -> Tensor {
        precondition(a.rank == b.rank)
        let y = out ?? Tensor(uninitialized: a.shape)
        if a.count == 0 { return y }
        let key = { "onnx_binary|\(k)|\(a.shape)|\(b.shape)" }
        let p = try context.primitive(
            key(), fast: PrimitiveKey(op: "onnx_binary", dims: [a.shape, b.shape], tag: k),
            serial: isSerial(elements: a.count)
        ) {
            var am = try md(layout(a))
            var bm = try md(layout(b))
            let alg: dnnl_alg_kind_t
            switch k {
            case .add: alg = dnnl_binary_add
            case .sub: alg = dnnl_binary_sub
            case .mul: alg = dnnl_binary_mul
            case .div: alg = dnnl_binary_div
            case .max: alg = dnnl_binary_max
            case .min: alg = dnnl_binary_min
            }
            var desc = dnnl_binary_desc_t()
            try check(dnnl_binary_desc_init(&desc, alg, &am, &bm, &am), "binary \(k)")
            return try createPD(&desc, key())
        }
        try execute(p, [.input(Arg.src, a), .input(Arg.src1, b), .output(Arg.dst, y)])
        return y
    }

    /// Reduction of `x` to `outputShape` (same rank; 1 where reduced).
    static func reduce(_ k: ONNXReduction, _ x: Tensor, to outputShape: [Int]) throws -> Tensor {
        let y = Tensor(uninitialized: outputShape)
        if outputShape == x.shape {
            y.storage.pointer.update(from: x.storage.pointer, count: x.count)
            return y
        }
        let key = "onnx_reduce|\(k)|\(x.shape)|\(outputShape)"
        let p = try context.primitive(key, serial: isSerial(elements: x.count)) {
            var xm = try md(layout(x))
            var ym = try md(DenseLayout(dims: outputShape, strides: Tensor.channelsLastStrides(outputShape)))
            let alg: dnnl_alg_kind_t
            switch k {
            case .mean: alg = dnnl_reduction_mean
            case .sum: alg = dnnl_reduction_sum
            case .max: alg = dnnl_reduction_max
            case .min: alg = dnnl_reduction_min
            }
            var desc = dnnl_reduction_desc_t()
            try check(dnnl_reduction_desc_init(&desc, alg, &xm, &ym, 0, 0), "reduction \(k)")
            return try createPD(&desc, key)
        }
        try execute(p, [.input(Arg.src, x), .output(Arg.dst, y)])
        return y
    }

    /// Parametric ReLU: `slope` has `x`'s rank with dimensions equal to `x`'s or 1.
    static func prelu(_ x: Tensor, slope: Tensor, into out: Tensor? = nil) throws -> Tensor {
        let y = out ?? Tensor(uninitialized: x.shape)
        if x.count == 0 { return y }
        let key = { "onnx_prelu|\(x.shape)|\(slope.shape)" }
        let p = try context.primitive(
            key(), fast: PrimitiveKey(op: "onnx_prelu", dims: [x.shape, slope.shape]),
            serial: isSerial(elements: x.count)
        ) {
            var xm = try md(layout(x))
            var wm = try md(layout(slope))
            var desc = dnnl_prelu_desc_t()
            try check(dnnl_prelu_forward_desc_init(&desc, dnnl_forward_inference, &xm, &wm), "prelu")
            return try createPD(&desc, key())
        }
        try execute(p, [.input(Arg.src, x), .input(Arg.weights, slope), .output(Arg.dst, y)])
        return y
    }

    /// Matrix product on strided views: `a` `[…, M, K]`, `b` `[…, K, N]` (batch dimensions equal
    /// or 1, ranks equal), into `y` with layout `yLayout` `[…, M, N]`.
    static func matmul(
        _ a: Tensor, _ aLayout: DenseLayout, _ b: Tensor, _ bLayout: DenseLayout, into y: Tensor, _ yLayout: DenseLayout
    ) throws {
        let key = { "onnx_matmul|\(aLayout)|\(bLayout)|\(yLayout)" }
        let macs = yLayout.dims.reduce(1, *) * aLayout.dims[aLayout.dims.count - 1]
        let p = try context.primitive(
            key(), fast: PrimitiveKey(op: "onnx_matmul", layouts: [aLayout, bLayout, yLayout]),
            serial: isSerial(multiplyAdds: macs)
        ) {
            var am = try md(aLayout)
            var bm = try md(bLayout)
            var ym = try md(yLayout)
            var desc = dnnl_matmul_desc_t()
            try check(dnnl_matmul_desc_init(&desc, &am, &bm, nil, &ym), "matmul")
            return try createPD(&desc, key())
        }
        try execute(
            p, [.input(Arg.src, a, as: aLayout), .input(Arg.weights, b, as: bLayout), .output(Arg.dst, y, as: yLayout)])
    }

    /// Pooling with explicit low and high padding (inference).
    static func pool(
        _ k: ONNXPooling, _ x: Tensor, outputShape: [Int], kernel: [Int], stride: [Int], dilation: [Int],
        paddingLow: [Int],
        paddingHigh: [Int], into out: Tensor? = nil
    ) throws -> Tensor {
        let y = out ?? Tensor(uninitialized: outputShape)
        try pool(
            k, MemoryView(x), MemoryView(y), kernel: kernel, stride: stride, dilation: dilation,
            paddingLow: paddingLow, paddingHigh: paddingHigh)
        return y
    }

    /// Pooling from view `x` into view `y` (float32 or bfloat16, any strides), explicit padding.
    static func pool(
        _ k: ONNXPooling, _ x: MemoryView, _ y: MemoryView, kernel: [Int], stride: [Int], dilation: [Int],
        paddingLow: [Int], paddingHigh: [Int]
    ) throws {
        let key = {
            "onnx_pool|\(k)|\(x.layout)|\(y.layout)|\(kernel)|\(stride)|\(dilation)|\(paddingLow)|\(paddingHigh)"
        }
        let fast = PrimitiveKey(
            op: "onnx_pool", layouts: [x.layout, y.layout], dims: [kernel, stride, dilation, paddingLow, paddingHigh],
            tag: k)
        let p = try context.primitive(key(), fast: fast, serial: isSerial(elements: x.layout.dims.reduce(1, *))) {
            var xm = try md(x.layout)
            var ym = try md(y.layout)
            let alg: dnnl_alg_kind_t
            switch k {
            case .max: alg = dnnl_pooling_max
            case .averageIncludingPadding: alg = dnnl_pooling_avg_include_padding
            case .averageExcludingPadding: alg = dnnl_pooling_avg_exclude_padding
            }
            var desc = dnnl_pooling_v2_desc_t()
            try check(
                dnnl_pooling_v2_forward_desc_init(
                    &desc, dnnl_forward_inference, alg, &xm, &ym, dims64(stride), dims64(kernel),
                    dims64(dilation.map { $0 - 1 }),
                    dims64(paddingLow), dims64(paddingHigh)),
                "pooling \(k)")
            return try createPD(&desc, key())
        }
        try execute(
            p,
            [
                KernelArgument(id: Arg.src, layout: x.layout, pointer: x.pointer, isOutput: false),
                KernelArgument(id: Arg.dst, layout: y.layout, pointer: y.pointer, isOutput: true),
            ])
    }

    /// Resampling (nearest or linear with half-pixel centres) to `outputShape`.
    static func resample(_ x: Tensor, outputShape: [Int], linear: Bool, into out: Tensor? = nil) throws -> Tensor {
        let y = out ?? Tensor(uninitialized: outputShape)
        let key = { "onnx_resample|\(linear)|\(x.shape)|\(outputShape)" }
        let p = try context.primitive(
            key(), fast: PrimitiveKey(op: "onnx_resample", dims: [x.shape, outputShape], tag: linear),
            serial: isSerial(elements: outputShape.reduce(1, *))
        ) {
            var xm = try md(layout(x))
            var ym = try md(DenseLayout(dims: outputShape, strides: Tensor.channelsLastStrides(outputShape)))
            let factors = zip(x.shape.dropFirst(2), outputShape.dropFirst(2)).map { Float($1) / Float($0) }
            var desc = dnnl_resampling_desc_t()
            try check(
                dnnl_resampling_forward_desc_init(
                    &desc, dnnl_forward_inference, linear ? dnnl_resampling_linear : dnnl_resampling_nearest, factors,
                    &xm, &ym),
                "resampling")
            return try createPD(&desc, key())
        }
        try execute(p, [.input(Arg.src, x), .output(Arg.dst, y)])
        return y
    }
}
