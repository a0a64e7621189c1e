/// Order statistics used by the metrics (and by the command line's timing summaries).
public enum Percentile {
    /// The median (the mean of the two middle values for an even count); nil for an empty sample.
    public static func median(_ values: [Double]) -> Double? { values.isEmpty ? nil : linear(values, 50) }

    /// The `q`-th percentile (0…100) with linear interpolation between order statistics
    /// (NumPy's default `method="linear"`: rank `q/100 · (n − 1)`). NaN for an empty sample.
    static func linear(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        return linearSorted(values.sorted(), q)
    }

    /// As `linear`, for values already sorted ascending.
    static func linearSorted(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = q / 100 * Double(sorted.count - 1)
        let lo = Int(rank.rounded(.down)), hi = Int(rank.rounded(.up))
        let t = rank - Double(lo)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * t
    }
}
