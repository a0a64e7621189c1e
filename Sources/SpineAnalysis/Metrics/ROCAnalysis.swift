/// Area under the ROC curve with a bootstrap confidence interval.
public struct ROCResult: Sendable, Hashable, Codable {
    /// Area under the ROC curve (0…1).
    public var auroc: Double
    /// Lower and upper bounds of the percentile bootstrap interval.
    public var lower: Double
    public var upper: Double
    /// Interval level (0.95).
    public var level: Double
    public var positives: Int
    public var negatives: Int
    public var resamples: Int
    public var seed: UInt64
}

/// ROC analysis of scores against binary truth.
public enum ROCAnalysis {
    /// Area under the ROC curve: the probability that a random positive scores higher than a random
    /// negative, ties counting one half (the Mann–Whitney U statistic / (n₊ n₋); Hanley & McNeil,
    /// Radiology 143 (1982)). Equals the trapezoidal area under the empirical ROC curve.
    /// nil when either class is absent.
    ///
    /// - Complexity: O(n log n).
    public static func auroc(scores: [Double], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count)
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        return auroc(sortedOrder: order, scores: scores, labels: labels)
    }

    /// AUROC and a stratified percentile bootstrap interval: positives and negatives are resampled
    /// with replacement separately, so every resample has both (pROC's default, Robin et al., BMC
    /// Bioinformatics 12 (2011)); the bounds are the (1 ± level)/2 quantiles of the resampled AUROCs
    /// (linear interpolation). Deterministic for a given `seed` (SplitMix64).
    ///
    /// - Returns: nil when either class is absent.
    public static func aurocWithBootstrap(
        scores: [Double], labels: [Bool], resamples: Int = 2000, level: Double = 0.95, seed: UInt64 = 42
    ) -> ROCResult? {
        precondition(scores.count == labels.count && resamples > 0 && level > 0 && level < 1)
        guard let auc = auroc(scores: scores, labels: labels) else { return nil }
        let pos = scores.indices.filter { labels[$0] }.map { scores[$0] }.sorted()
        let neg = scores.indices.filter { !labels[$0] }.map { scores[$0] }.sorted()
        var rng = SplitMix64(seed: seed)
        var aucs: [Double] = []
        aucs.reserveCapacity(resamples)
        var p = [Double](repeating: 0, count: pos.count), q = [Double](repeating: 0, count: neg.count)
        for _ in 0..<resamples {
            for n in p.indices { p[n] = pos[Int(rng.next() % UInt64(pos.count))] }
            for n in q.indices { q[n] = neg[Int(rng.next() % UInt64(neg.count))] }
            aucs.append(aurocOfSamples(positives: p, negatives: q))
        }
        aucs.sort()
        return ROCResult(
            auroc: auc, lower: Percentile.linearSorted(aucs, 100 * (1 - level) / 2),
            upper: Percentile.linearSorted(aucs, 100 * (1 + level) / 2), level: level, positives: pos.count,
            negatives: neg.count, resamples: resamples, seed: seed)
    }

    /// U / (n₊ n₋) by a merge of the two sorted samples, ties one half. O((n₊ + n₋) log).
    static func aurocOfSamples(positives: [Double], negatives: [Double]) -> Double {
        let a = positives.sorted(), b = negatives.sorted()
        var u = 0.0
        var lo = 0, hi = 0  // b[..<lo] < x, b[..<hi] <= x
        for x in a {
            while lo < b.count && b[lo] < x { lo += 1 }
            if hi < lo { hi = lo }
            while hi < b.count && b[hi] <= x { hi += 1 }
            u += Double(lo) + 0.5 * Double(hi - lo)
        }
        return u / Double(a.count * b.count)
    }

    static func auroc(sortedOrder order: [Int], scores: [Double], labels: [Bool]) -> Double? {
        let np = labels.filter { $0 }.count, nn = labels.count - np
        guard np > 0, nn > 0 else { return nil }
        // Mid-ranks of tied groups, sum over positives.
        var rankSum = 0.0
        var s = 0
        while s < order.count {
            var e = s
            while e + 1 < order.count && scores[order[e + 1]] == scores[order[s]] { e += 1 }
            let mid = Double(s + e + 2) / 2  // ranks are 1-based
            for t in s...e where labels[order[t]] { rankSum += mid }
            s = e + 1
        }
        let u = rankSum - Double(np) * Double(np + 1) / 2
        return u / (Double(np) * Double(nn))
    }
}
