/// Arithmetic of the convolutions in a training step (forward, backward-data, backward-weights).
public enum TrainingPrecision: String, Codable, Sendable, CaseIterable {
    /// float32 throughout.
    case fp32
    /// Mixed precision on CPUs with AVX-512 BF16: each convolution reads bfloat16 copies of its
    /// input, weights and output gradient and accumulates and writes float32 (oneDNN's
    /// `avx512_core_bf16` kernels, about twice float32's speed). Weights stay float32 master
    /// copies, so gradients, the optimizer state and its update are float32, as are
    /// normalization, activations between layers and losses. Convolutions with fewer than
    /// ``bf16MinimumChannels`` input or output channels (a one-channel image in, the class
    /// logits out) stay float32: they are cheap and bfloat16 kernels gain nothing there.
    case bf16

    /// Channel count (per group) below which a convolution stays float32 under ``bf16``.
    public static let bf16MinimumChannels = 8

    /// Whether a convolution with these channels per group runs in bfloat16 under this precision.
    func usesBFloat16(inputChannels: Int, outputChannels: Int) -> Bool {
        self == .bf16 && inputChannels >= Self.bf16MinimumChannels && outputChannels >= Self.bf16MinimumChannels
    }
}
