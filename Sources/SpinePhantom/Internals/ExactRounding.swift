/// Rounding to integers without a libm call, bit-for-bit equal to `Int(x.rounded())` and
/// `Int(x.rounded(.down))` for every finite `x` whose result fits an `Int`.
///
/// On x86-64 without SSE4.1 the standard library lowers `rounded()` to a call of C's `round`, which
/// costs more than the rest of a phantom sample; these use the truncating conversion instead.
/// Exact because `x − trunc(x)` is representable (the fractional bits of `x`) for every double.

/// `Int(x.rounded())`: to nearest, halfway cases away from zero.
@inline(__always) func roundedToInt(_ x: Double) -> Int {
    let t = Int(x)
    let f = x - Double(t)
    // Flag adds (setcc), not branches: which way a sample rounds is a coin toss.
    return t &+ Int(unsafeBitCast(f >= 0.5, to: UInt8.self)) &- Int(unsafeBitCast(f <= -0.5, to: UInt8.self))
}

/// `Int(x.rounded(.down))`: the largest integer not above `x`.
@inline(__always) func flooredToInt(_ x: Double) -> Int {
    let t = Int(x)
    return t &- Int(unsafeBitCast(Double(t) > x, to: UInt8.self))
}
