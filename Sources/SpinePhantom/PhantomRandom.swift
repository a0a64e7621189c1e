/// A small, fast, platform-independent random number generator (SplitMix64, Steele et al. 2014).
///
/// Every phantom is a pure function of its seed: the same seed gives the same anatomy, the same
/// images and the same bytes on every platform and Swift version, because nothing here uses the
/// standard library's unspecified `random(in:)` algorithms.
public struct PhantomRandom: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for an independent stream derived from this seed and a stream number
    /// (e.g. one per slice, so threads can draw noise in any order and still agree).
    public init(seed: UInt64, stream: UInt64) {
        var s = PhantomRandom(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        _ = s.next()
        state = s.next()
    }

    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lo, hi).
    @inlinable public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }

    /// Normal deviate (Box–Muller).
    public mutating func normal(mean: Double = 0, sd: Double = 1) -> Double {
        let u1 = max(unit(), 0x1.0p-60), u2 = unit()
        return mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Normal deviate clamped to [lo, hi].
    public mutating func normal(mean: Double, sd: Double, clampedTo lo: Double, _ hi: Double) -> Double {
        min(max(normal(mean: mean, sd: sd), lo), hi)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// A uniformly chosen element (the collection must not be empty).
    public mutating func pick<C: RandomAccessCollection>(_ c: C) -> C.Element where C.Index == Int {
        c[c.startIndex + Int(next() % UInt64(c.count))]
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
