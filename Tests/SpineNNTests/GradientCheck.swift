import Testing

@testable import SpineNN

/// Finite-difference check of every input's gradient for a function of variables.
///
/// The objective is `L = Σ f(x)ᵢ rᵢ` with a fixed random `r`, so every output element matters.
/// Analytic gradients come from `backward(seed: r)`; numeric ones from central differences
/// (float32 forward, double accumulation) on up to `samples` elements per input.
func checkGradients(
    _ inputs: [Tensor], eps: Float = 1e-3, relative: Double = 1e-2, absolute: Double = 5e-3, samples: Int = 24,
    seed: UInt64 = 7, sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Variable]) throws -> Variable
) throws {
    var g = SeededGenerator(seed: seed)
    let vars = inputs.map { Variable($0, requiresGrad: true) }
    let y = try f(vars)
    let r = Tensor.randomUniform(y.shape, in: -1..<1, using: &g)
    try y.backward(seed: r)
    func objective(_ xs: [Tensor]) throws -> Double {
        try GradientMode.withoutGradients {
            let out = try f(xs.map { Variable($0) }).value
            var s = 0.0
            out.withUnsafeBufferPointer { o in
                r.withUnsafeBufferPointer { w in for i in 0..<o.count { s += Double(o[i]) * Double(w[i]) } }
            }
            return s
        }
    }
    for (k, v) in vars.enumerated() {
        let analytic = try #require(v.grad, "input \(k) got no gradient", sourceLocation: sourceLocation)
        #expect(analytic.shape == inputs[k].shape, sourceLocation: sourceLocation)
        let n = inputs[k].count
        let picks = n <= samples ? Array(0..<n) : (0..<samples).map { _ in Int.random(in: 0..<n, using: &g) }
        for i in picks {
            var plus = inputs
            var minus = inputs
            plus[k].withUnsafeMutableBufferPointer { $0[i] += eps }
            minus[k].withUnsafeMutableBufferPointer { $0[i] -= eps }
            let numeric = (try objective(plus) - objective(minus)) / (2 * Double(eps))
            let a = Double(analytic.channelsLastScalars[i])
            let ok = abs(numeric - a) <= absolute + relative * max(abs(numeric), abs(a))
            #expect(ok, "input \(k) element \(i): analytic \(a), numeric \(numeric)", sourceLocation: sourceLocation)
            if !ok { return }
        }
    }
}

func randn(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
    var g = SeededGenerator(seed: seed)
    return Tensor.randomNormal(shape, std: std, using: &g)
}
