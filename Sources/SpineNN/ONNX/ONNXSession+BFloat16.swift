import Foundation

// bf16 sessions (`ONNXSession(model, precision: .bf16)`), the same scheme as `InferenceUNet`'s:
// convolution weights stay float32 master copies that oneDNN reorders once into bfloat16 in the
// layout its AVX-512 BF16 kernels want; convolution inputs are bfloat16; bias and accumulation are
// float32. A convolution or instance normalization whose every consumer is bf16-aware
// (convolution, pooling, concatenation, instance normalization) writes bfloat16 into the
// session's activation arena, so U-Net-shaped graphs run bfloat16 from the first convolution to
// the head; other operators get float32 (converted by the session), and graph
// outputs are always float32.

extension ONNXSession {
    /// Operators whose kernels take `.bf16` inputs (and keep bfloat16 outputs where they can).
    static let bf16AwareOperators: Set<String> = [
        "Conv", "ConvTranspose", "MaxPool", "AveragePool", "Concat", "InstanceNormalization",
    ]

    /// Operators whose output may stay bfloat16 when every consumer is bf16-aware.
    static let bf16Producers: Set<String> = ["Conv", "ConvTranspose", "InstanceNormalization"]
}

extension MemoryView {
    /// A float32 copy of this dense channels-last bfloat16 view (exact: bfloat16 ⊂ float32).
    func float32Tensor(into out: Tensor? = nil) -> Tensor {
        precondition(
            layout.scalarType == .bfloat16 && layout.strides == Tensor.channelsLastStrides(layout.dims),
            "float32Tensor: a dense bfloat16 view, got \(layout)")
        let t = out ?? Tensor(uninitialized: layout.dims)
        precondition(t.shape == layout.dims)
        let src = pointer.assumingMemoryBound(to: UInt16.self)
        let dst = t.storage.pointer
        for i in 0..<t.count { dst[i] = Float(bitPattern: UInt32(src[i]) << 16) }
        return t
    }
}

extension ONNXOperators {
    /// `x` as a dense bfloat16 view: itself when already one, else converted into arena `slot`.
    static func bfloat16View(_ x: ONNXValue, _ ctx: KernelContext, slot: Int) throws -> MemoryView {
        if case .bf16(let m) = x { return m }
        let t = try float(x, "input")
        let v = ctx.view(slot, t.shape, .bfloat16)
        // oneDNN 2.6's reorder is slow on few channels (milliseconds on a one-channel image).
        if t.rank < 2 || t.shape[1] < 8 || t.count < 1 << 15 {
            v.storeBFloat16(t)
        } else {
            try DNNL.copy(MemoryView(t), into: v)
        }
        return v
    }
}
