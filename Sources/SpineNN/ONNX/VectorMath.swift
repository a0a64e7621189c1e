/// Elementary functions written so that LLVM vectorizes the loops that call them.
enum VectorMath {
    /// e^x for x ≤ 0 (a softmax's shifted logits): Cody–Waite reduction by ln 2, Cephes' degree-6
    /// polynomial on [−ln2/2, ln2/2], the power of two built in the exponent bits; relative error
    /// ~1e-7 (tested against `expf`). Below −87.3 gives e^−87.3 (≈ 1e-38), positive x gives 1, NaN
    /// stays NaN. No calls, no branches and no checked conversions, so a loop over an array becomes vector code.
    @inline(__always)
    static func expNonPositive(_ x: Float) -> Float {
        let c: Float = x > -87.33654 ? (x < 0 ? x : 0) : -87.33654  // NaN → −87.3 (restored below)
        // Round to nearest by adding 1.5·2²³: the integer lands in the low mantissa bits of `t`.
        let t = c * 1.442695041 + 12_582_912
        let n = t - 12_582_912
        var r = c - n * 0.693359375
        r += n * 2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let e = p * Float(bitPattern: (t.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        return x.isNaN ? x : e
    }
}
