/// Cohen's kappa for agreement between two raters on ordered categories.
///
/// κ = 1 − Σ wᵢⱼ Oᵢⱼ / Σ wᵢⱼ Eᵢⱼ, with O the observed confusion matrix, E the matrix expected by
/// chance from its marginals, and disagreement weights w by category index: 0/1 (unweighted),
/// |i − j| (linear) or (i − j)² (quadratic). Cohen, Psychol Bull 70 (1968) for the weighted form;
/// matches scikit-learn's `cohen_kappa_score(weights=...)`.
public enum CohenKappa {
    public enum Weighting: String, Sendable, Codable {
        case unweighted, linear, quadratic
    }

    /// κ of two paired ratings; nil when there are no cases or chance disagreement is zero
    /// (e.g. both raters always give the same single category).
    ///
    /// - Parameter categories: the ordered categories (weights use their positions); default: the sorted union.
    public static func kappa(
        truth: [Int], prediction: [Int], categories: [Int]? = nil, weighting: Weighting = .quadratic
    ) -> Double? {
        kappa(ConfusionMatrix(truth: truth, prediction: prediction, categories: categories), weighting: weighting)
    }

    /// κ of a confusion matrix.
    public static func kappa(_ m: ConfusionMatrix, weighting: Weighting = .quadratic) -> Double? {
        let k = m.categories.count
        let n = Double(m.total)
        guard n > 0 else { return nil }
        let rows = m.counts.map { Double($0.reduce(0, +)) }
        let cols = (0..<k).map { c in Double(m.counts.map { $0[c] }.reduce(0, +)) }
        var observed = 0.0, expected = 0.0
        for i in 0..<k {
            for j in 0..<k {
                let w: Double
                switch weighting {
                case .unweighted: w = i == j ? 0 : 1
                case .linear: w = Double(abs(i - j))
                case .quadratic: w = Double((i - j) * (i - j))
                }
                observed += w * Double(m.counts[i][j])
                expected += w * rows[i] * cols[j] / n
            }
        }
        guard expected > 0 else { return nil }
        return 1 - observed / expected
    }
}
