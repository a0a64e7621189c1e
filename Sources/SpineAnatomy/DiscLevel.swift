import Foundation

/// An intervertebral disc level, named by the vertebrae above and below ("L4-L5", "L5-S1").
public struct DiscLevel: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The vertebra cranial to the disc.
    public var upper: Vertebra
    /// The vertebra caudal to the disc.
    public var lower: Vertebra

    /// A level between two vertebrae; `upper` must be cranial to `lower`.
    public init(upper: Vertebra, lower: Vertebra) {
        precondition(upper < lower, "disc level \(upper)-\(lower): upper must be cranial to lower")
        self.upper = upper
        self.lower = lower
    }

    /// The level below `upper` in the standard sequence ("L4" → L4-L5); nil for S1 and the variants.
    public init?(below upper: Vertebra) {
        guard let lower = upper.nextCaudal else { return nil }
        self.init(upper: upper, lower: lower)
    }

    /// "L4-L5".
    public var name: String { "\(upper.name)-\(lower.name)" }
    public var description: String { name }

    /// VerSe / SPINEPS disc instance label: 100 + the label of the vertebra above (L4-L5 → 123).
    public var verseLabel: Int { 100 + upper.verseLabel }

    /// The standard level whose VerSe / SPINEPS instance label is `verseLabel` (100 + vertebra above).
    /// The vertebra below is the next in the standard sequence, or S1 below L6, L1 below T13.
    public init?(verseLabel: Int) {
        guard verseLabel > 100, let upper = Vertebra(verseLabel: verseLabel - 100) else { return nil }
        switch upper {
        case .t13: self.init(upper: .t13, lower: .l1)
        case .l6: self.init(upper: .l6, lower: .s1)
        default:
            guard let d = DiscLevel(below: upper) else { return nil }
            self = d
        }
    }

    /// Parses "L4-L5", "L4/L5", "L4/5", "L45", "L5-S1", "L5S1", "T12-L1", "T12/L1".
    public init?(name: String) {
        let s = name.uppercased().replacingOccurrences(of: " ", with: "")
        let parts = s.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "–" }).map(String.init)
        if parts.count == 2, let up = Vertebra(name: parts[0]) {
            if let low = Vertebra(name: parts[1]), up < low {
                self.init(upper: up, lower: low)
                return
            }
            // "L4/5": the lower named by its number in the same region.
            if let n = Int(parts[1]), let low = Vertebra(name: String(parts[0].prefix(1)) + String(n)), up < low {
                self.init(upper: up, lower: low)
                return
            }
            if parts[1] == "S1" || parts[1] == "S" {
                self.init(upper: up, lower: .s1)
                return
            }
            return nil
        }
        // Compact forms "L45", "L5S1", "T12L1".
        if parts.count == 1 {
            let chars = Array(s)
            for cut in 2..<max(chars.count, 2) {
                let a = String(chars[..<cut]), b = String(chars[cut...])
                if let up = Vertebra(name: a), let low = Vertebra(name: b), up < low {
                    self.init(upper: up, lower: low)
                    return
                }
            }
            if chars.count == 3, let up = Vertebra(name: String(chars[0...1])),
                let low = Vertebra(name: String(chars[0]) + String(chars[2])), up < low
            {
                self.init(upper: up, lower: low)
                return
            }
        }
        return nil
    }

    public static func < (a: DiscLevel, b: DiscLevel) -> Bool { a.upper < b.upper }

    /// The standard lumbar levels T12-L1 … L5-S1.
    public static let lumbar: [DiscLevel] = [.t12, .l1, .l2, .l3, .l4, .l5].compactMap { DiscLevel(below: $0) }
}
