import Foundation

/// Resize (opsets 11–20) and Upsample: nearest and (bi/tri)linear, every coordinate transform.
/// oneDNN's resampling runs the cases it computes identically (linear with half-pixel centres,
/// nearest with integer factors); the rest are computed in Swift, axis by axis.
enum ONNXResize {
    typealias Ops = ONNXOperators

    static func kernel(_ node: ONNXNode, opset: Int) throws -> ONNXKernel {
        let a = node.attributes
        var mode = a.string("mode", "nearest")
        if mode == "bilinear" || mode == "trilinear" { mode = "linear" }
        guard mode == "nearest" || mode == "linear" else {
            throw NNError(.unsupported, "ONNX: \(node.label): Resize mode '\(mode)' is not supported (nearest, linear)")
        }
        let transform = node.op == "Upsample" ? "asymmetric" : a.string("coordinate_transformation_mode", "half_pixel")
        let nearestMode = node.op == "Upsample" ? "floor" : a.string("nearest_mode", "round_prefer_floor")
        let known = [
            "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn",
            "half_pixel_symmetric",
        ]
        guard known.contains(transform) else {
            throw NNError(
                .unsupported, "ONNX: \(node.label): coordinate_transformation_mode '\(transform)' is not supported")
        }
        guard a.int("antialias", 0) == 0, a.ints("axes") == nil else {
            throw NNError(.unsupported, "ONNX: \(node.label): Resize with antialias or axes is not supported")
        }
        return { v, ctx in
            let x = try Ops.float(v[0], "X")
            let r = x.rank
            var scales: [Float]? = nil
            var sizes: [Int]? = nil
            if node.op == "Upsample" {
                scales = try Ops.float(v.count > 1 ? v[1] : nil, "scales").nchwScalars
            } else {
                if v.count > 2, let s = v[2], s.shape.reduce(1, *) > 0 {
                    scales = try Ops.float(s, "scales").nchwScalars
                }
                if v.count > 3, let s = v[3], s.shape.reduce(1, *) > 0 { sizes = try Ops.intList(s, "sizes") }
            }
            let outShape: [Int]
            if let sizes {
                guard sizes.count == r else { throw NNError.shape("Resize", expected: "\(r) sizes", got: "\(sizes)") }
                outShape = sizes
                scales = zip(sizes, x.shape).map { Float($0) / Float($1) }
            } else if let s = scales {
                guard s.count == r else { throw NNError.shape("Resize", expected: "\(r) scales", got: "\(s)") }
                outShape = zip(x.shape, s).map { Int((Float($0) * $1).rounded(.down)) }
            } else {
                throw NNError(.invalidArgument, "Resize: neither scales nor sizes given")
            }
            let sc = scales!
            guard r >= 3, outShape[0] == x.shape[0], outShape[1] == x.shape[1] else {
                return [
                    .float(try generic(x, outShape, sc, mode: mode, transform: transform, nearestMode: nearestMode))
                ]
            }
            let spatial = 2..<r
            let integerFactors = spatial.allSatisfy {
                outShape[$0] % x.shape[$0] == 0 && sc[$0] == Float(outShape[$0] / x.shape[$0])
            }
            let exactScales = spatial.allSatisfy { sc[$0] == Float(outShape[$0]) / Float(x.shape[$0]) }
            let useDNNL: Bool
            if mode == "linear" {
                useDNNL =
                    exactScales
                    && (transform == "half_pixel"
                        || (transform == "pytorch_half_pixel" && spatial.allSatisfy { outShape[$0] > 1 }))
            } else {
                useDNNL =
                    integerFactors
                    && ((transform == "asymmetric" && nearestMode == "floor")
                        || ["half_pixel", "pytorch_half_pixel"].contains(transform)
                        || spatial.allSatisfy { outShape[$0] == x.shape[$0] })
            }
            if useDNNL {
                return [
                    .float(
                        try DNNL.resample(
                            x, outputShape: outShape, linear: mode == "linear", into: ctx.buffer(0, outShape)))
                ]
            }
            return [.float(try generic(x, outShape, sc, mode: mode, transform: transform, nearestMode: nearestMode))]
        }
    }

    /// Source coordinate of output index `o` along an axis of input size `n`, output size `m`.
    static func sourceCoordinate(_ o: Int, n: Int, m: Int, scale: Float, transform: String) -> Float {
        let fo = Float(o)
        switch transform {
        case "align_corners": return m == 1 ? 0 : fo * Float(n - 1) / Float(m - 1)
        case "asymmetric": return fo / scale
        case "pytorch_half_pixel": return m > 1 ? (fo + 0.5) / scale - 0.5 : 0
        case "tf_half_pixel_for_nn": return (fo + 0.5) / scale
        case "half_pixel_symmetric":
            let adj = Float(m) / (scale * Float(n))
            let center = Float(n) / 2
            let offset = center * (1 - adj)
            return offset + (fo + 0.5) / scale - 0.5
        default: return (fo + 0.5) / scale - 0.5
        }
    }

    /// Axis-by-axis resize on logical-order data.
    static func generic(
        _ x: Tensor, _ outShape: [Int], _ scales: [Float], mode: String, transform: String, nearestMode: String
    ) throws -> Tensor {
        var data = x.nchwScalars
        var shape = x.shape
        for ax in 0..<shape.count
        where outShape[ax] != shape[ax] || (transform != "asymmetric" && transform != "half_pixel" && mode == "nearest")
        {
            let n = shape[ax], m = outShape[ax]
            let coords = (0..<m).map { sourceCoordinate($0, n: n, m: m, scale: scales[ax], transform: transform) }
            if mode == "nearest" {
                let idx = coords.map { c -> Int in
                    var i: Float
                    switch nearestMode {
                    case "floor": i = c.rounded(.down)
                    case "ceil": i = c.rounded(.up)
                    case "round_prefer_ceil": i = (c + 0.5).rounded(.down)
                    default: i = c - c.rounded(.down) == 0.5 ? c.rounded(.down) : c.rounded()
                    }
                    return min(max(Int(i), 0), n - 1)
                }
                var maps = shape.map { Array(0..<$0) }
                maps[ax] = idx
                data = gatherAlongAxes(data, shape: shape, maps: maps, fill: 0)
            } else {
                let lo = coords.map { min(max(Int(min(max($0, 0), Float(n - 1)).rounded(.down)), 0), n - 1) }
                let hi = lo.map { min($0 + 1, n - 1) }
                let w = zip(coords, lo).map { min(max($0, 0), Float(n - 1)) - Float($1) }
                var maps = shape.map { Array(0..<$0) }
                maps[ax] = lo
                let a = gatherAlongAxes(data, shape: shape, maps: maps, fill: 0)
                maps[ax] = hi
                let b = gatherAlongAxes(data, shape: shape, maps: maps, fill: 0)
                let inner = shape.dropFirst(ax + 1).reduce(1, *)
                data = (0..<a.count).map { i in
                    let t = w[(i / inner) % m]
                    return a[i] + (b[i] - a[i]) * t
                }
            }
            shape[ax] = m
        }
        return try Tensor(shape: outShape, nchw: data)
    }
}
