import Foundation

extension Tensor {
    /// Elementwise sum; shapes must be equal.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "Tensor +: shapes \(a.shape) and \(b.shape) differ")
        let y = Tensor(uninitialized: a.shape)
        let n = a.count
        let p = a.storage.pointer, q = b.storage.pointer, r = y.storage.pointer
        for i in 0..<n { r[i] = p[i] + q[i] }
        return y
    }

    /// Elementwise difference; shapes must be equal.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "Tensor -: shapes \(a.shape) and \(b.shape) differ")
        let y = Tensor(uninitialized: a.shape)
        let p = a.storage.pointer, q = b.storage.pointer, r = y.storage.pointer
        for i in 0..<a.count { r[i] = p[i] - q[i] }
        return y
    }

    /// Every element multiplied by `s`.
    public static func * (a: Tensor, s: Float) -> Tensor {
        let y = Tensor(uninitialized: a.shape)
        let p = a.storage.pointer, r = y.storage.pointer
        for i in 0..<a.count { r[i] = p[i] * s }
        return y
    }

    /// In-place `self += other` (same shape).
    public static func += (a: inout Tensor, b: Tensor) {
        precondition(a.shape == b.shape, "Tensor +=: shapes \(a.shape) and \(b.shape) differ")
        a.makeUnique()
        let p = a.storage.pointer, q = b.storage.pointer
        for i in 0..<a.count { p[i] += q[i] }
    }

    /// Sum of all elements, accumulated in double precision.
    public func sum() -> Double {
        var s = 0.0
        let p = storage.pointer
        for i in 0..<count { s += Double(p[i]) }
        return s
    }

    /// Sum of squares of all elements, accumulated in double precision.
    public func squaredNorm() -> Double {
        var s = 0.0
        let p = storage.pointer
        for i in 0..<count { s += Double(p[i]) * Double(p[i]) }
        return s
    }

    /// Whether every element is finite.
    public var isFinite: Bool {
        let p = storage.pointer
        for i in 0..<count where !p[i].isFinite { return false }
        return true
    }

    /// Largest absolute difference to another tensor of the same shape.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape)
        var m: Float = 0
        let p = storage.pointer, q = other.storage.pointer
        for i in 0..<count { m = Swift.max(m, abs(p[i] - q[i])) }
        return m
    }

    /// Samples from N(0, std²) with a seeded generator (Box–Muller).
    public static func randomNormal<G: RandomNumberGenerator>(_ shape: [Int], std: Float = 1, using g: inout G)
        -> Tensor
    {
        let t = Tensor(uninitialized: shape)
        let p = t.storage.pointer
        var i = 0
        let n = t.count
        while i < n {
            let u1 = Float.random(in: Float.ulpOfOne..<1, using: &g)
            let u2 = Float.random(in: 0..<1, using: &g)
            let r = (-2 * Foundation.log(u1)).squareRoot() * std
            p[i] = r * Foundation.cos(2 * .pi * u2)
            if i + 1 < n { p[i + 1] = r * Foundation.sin(2 * .pi * u2) }
            i += 2
        }
        return t
    }

    /// Samples from U[low, high) with a seeded generator.
    public static func randomUniform<G: RandomNumberGenerator>(_ shape: [Int], in range: Range<Float>, using g: inout G)
        -> Tensor
    {
        let t = Tensor(uninitialized: shape)
        let p = t.storage.pointer
        for i in 0..<t.count { p[i] = Float.random(in: range, using: &g) }
        return t
    }
}

/// A small, fast, seedable generator (SplitMix64), so that tests and training runs repeat exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
