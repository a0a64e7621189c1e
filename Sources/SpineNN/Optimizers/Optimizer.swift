import Foundation

/// Updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// The parameters it updates, in a fixed order (state and checkpoints use it).
    var parameters: [Parameter] { get }
    /// Step size for the next ``step()``; schedules set it before each step.
    var learningRate: Float { get set }
    /// Steps taken so far.
    var stepCount: Int { get }
    /// Applies one update; parameters without a gradient are left as they are.
    func step() throws
    /// Per-parameter state tensors by name (`"<index>.<slot>"`), for checkpoints.
    func stateTensors() -> [String: Tensor]
    /// Restores state written by ``stateTensors()`` and the step count.
    func loadState(_ tensors: [String: Tensor], stepCount: Int) throws
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGradients() {
        for p in parameters { p.grad = nil }
    }
}

private func checkedGradient(_ p: Parameter, index: Int) throws -> Tensor? {
    guard let g = p.grad else { return nil }
    guard g.isFinite else {
        throw NNError(
            .nonFinite, "optimizer: gradient of parameter \(index) (shape \(p.shape)) contains NaN or infinite values")
    }
    return g
}

/// Stochastic gradient descent with (Nesterov) momentum and L2 weight decay, as PyTorch's `SGD`
/// (nnU-Net trains with lr 0.01, momentum 0.99, Nesterov, weight decay 3e-5).
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    public private(set) var stepCount = 0
    private var velocity: [Tensor?]

    public init(
        parameters: [Parameter], learningRate: Float, momentum: Float = 0.99, nesterov: Bool = true,
        weightDecay: Float = 0
    ) {
        self.parameters = parameters.filter(\.isTrainable)
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.velocity = Array(repeating: nil, count: self.parameters.count)
    }

    public func step() throws {
        for (i, p) in parameters.enumerated() {
            guard let g = try checkedGradient(p, index: i) else { continue }
            var buf = velocity[i] ?? Tensor(zeros: p.shape)
            let (lr, mu, wd, nest) = (learningRate, momentum, weightDecay, nesterov)
            p.update { w in
                w.withUnsafeMutableBufferPointer { w in
                    buf.withUnsafeMutableBufferPointer { b in
                        g.withUnsafeBufferPointer { g in
                            for j in 0..<w.count {
                                let d = g[j] + wd * w[j]
                                b[j] = mu * b[j] + d
                                w[j] -= lr * (nest ? d + mu * b[j] : b[j])
                            }
                        }
                    }
                }
            }
            velocity[i] = buf
        }
        stepCount += 1
    }

    public func stateTensors() -> [String: Tensor] {
        var s: [String: Tensor] = [:]
        for (i, v) in velocity.enumerated() { if let v { s["\(i).momentum"] = v } }
        return s
    }

    public func loadState(_ tensors: [String: Tensor], stepCount: Int) throws {
        for (i, p) in parameters.enumerated() {
            if let t = tensors["\(i).momentum"] {
                guard t.shape == p.shape else {
                    throw NNError.shape("SGD.loadState", expected: "\(p.shape) for parameter \(i)", got: "\(t.shape)")
                }
                velocity[i] = t
            } else {
                velocity[i] = nil
            }
        }
        self.stepCount = stepCount
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
/// Regularization", ICLR 2019), as PyTorch's `AdamW`.
public final class AdamW: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    public private(set) var stepCount = 0
    private var first: [Tensor?]
    private var second: [Tensor?]

    public init(
        parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0.01
    ) {
        self.parameters = parameters.filter(\.isTrainable)
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        first = Array(repeating: nil, count: self.parameters.count)
        second = Array(repeating: nil, count: self.parameters.count)
    }

    public func step() throws {
        stepCount += 1
        let t = Float(stepCount)
        let c1 = 1 - Foundation.pow(beta1, t)
        let c2 = 1 - Foundation.pow(beta2, t)
        let (lr, b1, b2, eps, wd) = (learningRate, beta1, beta2, epsilon, weightDecay)
        let decay = 1 - lr * wd
        let stepSize = lr / c1
        let rc2 = 1 / c2.squareRoot()
        for (i, p) in parameters.enumerated() {
            guard let g = try checkedGradient(p, index: i) else { continue }
            // Take the moments out of the arrays so that updating them in place copies nothing.
            var m = first[i] ?? Tensor(zeros: p.shape)
            var v = second[i] ?? Tensor(zeros: p.shape)
            first[i] = nil
            second[i] = nil
            p.update { w in
                w.withUnsafeMutableBufferPointer { w in
                    m.withUnsafeMutableBufferPointer { m in
                        v.withUnsafeMutableBufferPointer { v in
                            g.withUnsafeBufferPointer { g in
                                adamWUpdate(
                                    w.baseAddress!, m.baseAddress!, v.baseAddress!, g.baseAddress!, count: w.count,
                                    decay: decay, beta1: b1, beta2: b2, stepSize: stepSize, rc2: rc2, epsilon: eps)
                            }
                        }
                    }
                }
            }
            first[i] = m
            second[i] = v
        }
    }

    public func stateTensors() -> [String: Tensor] {
        var s: [String: Tensor] = [:]
        for i in 0..<parameters.count {
            if let m = first[i] { s["\(i).exp_avg"] = m }
            if let v = second[i] { s["\(i).exp_avg_sq"] = v }
        }
        return s
    }

    public func loadState(_ tensors: [String: Tensor], stepCount: Int) throws {
        for (i, p) in parameters.enumerated() {
            for (slot, key) in [(0, "\(i).exp_avg"), (1, "\(i).exp_avg_sq")] {
                let t = tensors[key]
                if let t, t.shape != p.shape {
                    throw NNError.shape("AdamW.loadState", expected: "\(p.shape) for \(key)", got: "\(t.shape)")
                }
                if slot == 0 { first[i] = t } else { second[i] = t }
            }
        }
        self.stepCount = stepCount
    }
}

/// Scales all gradients so that their joint L2 norm is at most `maxNorm`; returns the norm before.
///
/// - Throws: ``NNError`` `.nonFinite` when the norm is NaN or infinite.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) throws -> Float {
    var total = 0.0
    for p in parameters { if let g = p.grad { total += g.squaredNorm() } }
    let norm = total.squareRoot()
    guard norm.isFinite else { throw NNError(.nonFinite, "clipGradientNorm: gradient norm is \(norm)") }
    if norm > Double(maxNorm) {
        let s = Float(Double(maxNorm) / (norm + 1e-6))
        for p in parameters { if let g = p.grad { p.grad = g * s } }
    }
    return Float(norm)
}

/// One AdamW update of `count` elements, 16 lanes at a time:
/// `w ← w(1 − lr·wd) − stepSize · m / (√v · rc2 + ε)` after the moment updates, where
/// `stepSize = lr / (1 − β₁ᵗ)` and `rc2 = 1 / √(1 − β₂ᵗ)` (PyTorch's arithmetic).
private func adamWUpdate(
    _ w: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
    _ g: UnsafePointer<Float>, count: Int, decay: Float, beta1 b1: Float, beta2 b2: Float, stepSize: Float,
    rc2: Float, epsilon: Float
) {
    typealias V = SIMD16<Float>
    let lanes = V.scalarCount
    var j = 0
    let wr = UnsafeMutableRawPointer(w), mr = UnsafeMutableRawPointer(m), vr = UnsafeMutableRawPointer(v)
    let gr = UnsafeRawPointer(g)
    while j + lanes <= count {
        let o = j * 4
        let gv = gr.loadUnaligned(fromByteOffset: o, as: V.self)
        let mv = b1 * mr.loadUnaligned(fromByteOffset: o, as: V.self) + (1 - b1) * gv
        let vv = b2 * vr.loadUnaligned(fromByteOffset: o, as: V.self) + (1 - b2) * gv * gv
        let wv = wr.loadUnaligned(fromByteOffset: o, as: V.self) * decay
            - stepSize * mv / (vv.squareRoot() * rc2 + epsilon)
        mr.storeBytes(of: mv, toByteOffset: o, as: V.self)
        vr.storeBytes(of: vv, toByteOffset: o, as: V.self)
        wr.storeBytes(of: wv, toByteOffset: o, as: V.self)
        j += lanes
    }
    while j < count {
        m[j] = b1 * m[j] + (1 - b1) * g[j]
        v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j]
        w[j] = w[j] * decay - stepSize * m[j] / (v[j].squareRoot() * rc2 + epsilon)
        j += 1
    }
}
