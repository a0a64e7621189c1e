/// Counts of (true category, predicted category) pairs.
///
/// Rows are the truth, columns the prediction, both in the order of `categories`.
public struct ConfusionMatrix: Sendable, Hashable, Codable {
    /// Category values in row/column order.
    public var categories: [Int]
    /// `counts[t][p]`: cases whose truth is `categories[t]` and prediction `categories[p]`.
    public var counts: [[Int]]

    /// Tallies paired truth and prediction values.
    ///
    /// - Parameters:
    ///   - categories: the ordered categories; default: the sorted union of the values seen.
    ///     Values not in an explicit list are a programmer error.
    public init(truth: [Int], prediction: [Int], categories: [Int]? = nil) {
        precondition(truth.count == prediction.count, "truth and prediction differ in length")
        let cats = categories ?? Set(truth).union(prediction).sorted()
        let index = Dictionary(uniqueKeysWithValues: cats.enumerated().map { ($1, $0) })
        var m = [[Int]](repeating: [Int](repeating: 0, count: cats.count), count: cats.count)
        for (t, p) in zip(truth, prediction) {
            guard let a = index[t], let b = index[p] else {
                preconditionFailure("value \(t) or \(p) not among the categories")
            }
            m[a][b] += 1
        }
        self.categories = cats
        self.counts = m
    }

    public var total: Int { counts.joined().reduce(0, +) }

    /// Fraction of cases on the diagonal; nil when there are none.
    public var accuracy: Double? {
        let n = total
        return n == 0 ? nil : Double(categories.indices.map { counts[$0][$0] }.reduce(0, +)) / Double(n)
    }

    /// Per category: correct / true cases of that category (sensitivity); nil for a category absent from the truth.
    public var recall: [Double?] {
        categories.indices.map { c in
            let n = counts[c].reduce(0, +)
            return n == 0 ? nil : Double(counts[c][c]) / Double(n)
        }
    }

    /// Per category: correct / predicted cases of that category; nil for a category never predicted.
    public var precision: [Double?] {
        categories.indices.map { c in
            let n = categories.indices.map { counts[$0][c] }.reduce(0, +)
            return n == 0 ? nil : Double(counts[c][c]) / Double(n)
        }
    }

    /// The matrix as text: a header row of predicted categories, one row per true category.
    public var table: String {
        let width = max(
            6, (counts.joined().map { String($0).count } + categories.map { String($0).count + 2 }).max() ?? 6)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var lines = [pad("t\\p") + categories.map { pad(String($0)) }.joined()]
        for (r, c) in categories.enumerated() {
            lines.append(pad(String(c)) + counts[r].map { pad(String($0)) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
