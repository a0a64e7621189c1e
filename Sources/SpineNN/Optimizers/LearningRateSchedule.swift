import Foundation

/// A learning rate as a function of the step (0-based).
public protocol LearningRateSchedule: Sendable {
    func learningRate(at step: Int) -> Float
}

/// Linear warm-up from `base / warmupSteps` to `base` over the first steps (none if 0).
private func warmup(_ base: Float, _ step: Int, _ warmupSteps: Int) -> Float? {
    guard warmupSteps > 0, step < warmupSteps else { return nil }
    return base * Float(step + 1) / Float(warmupSteps)
}

/// nnU-Net's polynomial decay `base · (1 − t/T)^exponent` (exponent 0.9), with optional warm-up.
public struct PolynomialSchedule: LearningRateSchedule {
    public var base: Float
    public var totalSteps: Int
    public var exponent: Float
    public var warmupSteps: Int

    public init(base: Float, totalSteps: Int, exponent: Float = 0.9, warmupSteps: Int = 0) {
        self.base = base
        self.totalSteps = max(totalSteps, 1)
        self.exponent = exponent
        self.warmupSteps = warmupSteps
    }

    public func learningRate(at step: Int) -> Float {
        if let w = warmup(base, step, warmupSteps) { return w }
        let t = Float(min(step, totalSteps)) / Float(totalSteps)
        return base * Foundation.pow(1 - t, exponent)
    }
}

/// Cosine annealing from `base` to `minimum` over `totalSteps` (after the warm-up).
public struct CosineSchedule: LearningRateSchedule {
    public var base: Float
    public var minimum: Float
    public var totalSteps: Int
    public var warmupSteps: Int

    public init(base: Float, totalSteps: Int, minimum: Float = 0, warmupSteps: Int = 0) {
        self.base = base
        self.minimum = minimum
        self.totalSteps = max(totalSteps, 1)
        self.warmupSteps = warmupSteps
    }

    public func learningRate(at step: Int) -> Float {
        if let w = warmup(base, step, warmupSteps) { return w }
        let span = max(totalSteps - warmupSteps, 1)
        let t = Float(min(max(step - warmupSteps, 0), span)) / Float(span)
        return minimum + (base - minimum) * 0.5 * (1 + Foundation.cos(.pi * t))
    }
}
