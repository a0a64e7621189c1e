import Foundation

/// Gemm and MatMul on oneDNN's matmul primitive (strided views: transposes cost nothing).
enum ONNXMatrix {
    typealias Ops = ONNXOperators

    /// `a` `[…, M, K]` × `b` `[…, K, N]` with NumPy batch broadcasting; 1-D operands promoted.
    static func matmul(_ a0: Tensor, _ b0: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws -> Tensor
    {
        var a = a0, b = b0
        let aVector = a.rank == 1, bVector = b.rank == 1
        if aVector { a = try a.reshaped([1, a.count]) }
        if bVector { b = try b.reshaped([b.count, 1]) }
        let r = max(a.rank, b.rank)
        a = try a.logicallyReshaped([Int](repeating: 1, count: r - a.rank) + a.shape)
        b = try b.logicallyReshaped([Int](repeating: 1, count: r - b.rank) + b.shape)
        var al = DNNL.layout(a), bl = DNNL.layout(b)
        if transposeA {
            al = DenseLayout(
                dims: al.dims.dropLast(2) + [al.dims[r - 1], al.dims[r - 2]],
                strides: al.strides.dropLast(2) + [al.strides[r - 1], al.strides[r - 2]])
        }
        if transposeB {
            bl = DenseLayout(
                dims: bl.dims.dropLast(2) + [bl.dims[r - 1], bl.dims[r - 2]],
                strides: bl.strides.dropLast(2) + [bl.strides[r - 1], bl.strides[r - 2]])
        }
        let (m, k) = (al.dims[r - 2], al.dims[r - 1])
        let (k2, n) = (bl.dims[r - 2], bl.dims[r - 1])
        guard k == k2, let batch = broadcastShape(Array(al.dims.prefix(r - 2)), Array(bl.dims.prefix(r - 2))) else {
            throw NNError.shape(
                "MatMul", expected: "[…, M, K] × […, K, N] with broadcastable batch dimensions",
                got: "\(al.dims) × \(bl.dims)")
        }
        var outShape = batch + [m, n]
        let flat = Tensor(uninitialized: outShape)
        if flat.count > 0 {
            if k == 0 {
                flat.storage.pointer.update(repeating: 0, count: flat.count)
            } else {
                try DNNL.matmul(a, al, b, bl, into: flat, .rowMajor(outShape))
            }
        }
        // `flat` holds row-major data; give it channels-last storage for its shape.
        var y: Tensor
        if Tensor.storageIsLogicalOrder(outShape) || flat.count <= 1 {
            y = flat
        } else {
            y = Tensor(uninitialized: outShape)
            try DNNL.copy(
                from: .rowMajor(outShape), UnsafeRawPointer(flat.storage.pointer), to: DNNL.layout(y),
                UnsafeMutableRawPointer(y.storage.pointer))
        }
        if aVector { outShape.remove(at: outShape.count - 2) }
        if bVector { outShape.removeLast() }
        if aVector || bVector { y = try y.logicallyReshaped(outShape) }
        return y
    }

    static func kernel(_ node: ONNXNode, constant: (String) -> ONNXValue?) throws -> ONNXKernel {
        if node.op == "MatMul" {
            return { v, _ in [.float(try matmul(try Ops.float(v[0], "A"), try Ops.float(v[1], "B")))] }
        }
        let a = node.attributes
        let alpha = a.float("alpha", 1), beta = a.float("beta", 1)
        let ta = a.int("transA", 0) != 0, tb = a.int("transB", 0) != 0
        return { v, ctx in
            let x = try Ops.float(v[0], "A"), w = try Ops.float(v[1], "B")
            guard x.rank == 2, w.rank == 2 else {
                throw NNError.shape("Gemm", expected: "2-D A and B", got: "\(x.shape), \(w.shape)")
            }
            var y = try matmul(x, w, transposeA: ta, transposeB: tb)
            if alpha != 1 { y = try DNNL.eltwise(.linear(a: alpha, b: 0), y) }
            if v.count > 2, let c = v[2], beta != 0 {
                var ct = try Ops.float(c, "C")
                if beta != 1 { ct = try DNNL.eltwise(.linear(a: beta, b: 0), ct) }
                y = try Ops.floatBinary("Add", y, ct, KernelContext())
            }
            return [.float(y)]
        }
    }
}
