import Foundation

/// A vertebra named by anatomy, including the enumeration variants T13 and L6.
///
/// Cases are declared cranial to caudal, but `T13` and `L6` only exist in spines with an
/// enumeration anomaly: `standardSequence` (C1…L5, S1) leaves them out, and `anatomicalRank`
/// places them between their neighbours (T12 < T13 < L1, L5 < L6 < S1).
/// `s1` stands for the sacrum as a whole (VerSe/SPINEPS instance 26); its cranial endplate is S1's.
/// Raw values ("l5") are identifiers; JSON and text use `name` ("L5", see `Vertebra+Codable.swift`).
public enum Vertebra: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case c1, c2, c3, c4, c5, c6, c7
    case t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13
    case l1, l2, l3, l4, l5, l6
    case s1
    case coccyx

    /// The spinal region a vertebra belongs to.
    public enum Region: String, Sendable, Codable, CaseIterable {
        case cervical, thoracic, lumbar, sacral, coccygeal
    }

    public var region: Region {
        switch self {
        case .c1, .c2, .c3, .c4, .c5, .c6, .c7: .cervical
        case .t1, .t2, .t3, .t4, .t5, .t6, .t7, .t8, .t9, .t10, .t11, .t12, .t13: .thoracic
        case .l1, .l2, .l3, .l4, .l5, .l6: .lumbar
        case .s1: .sacral
        case .coccyx: .coccygeal
        }
    }

    /// Position from cranial (C1 = 0) to caudal, with T13 and L6 in their anatomical places.
    public var anatomicalRank: Int { Vertebra.allCases.firstIndex(of: self)! }

    /// True for the variants that exist only with an enumeration anomaly (T13, L6).
    public var isEnumerationVariant: Bool { self == .t13 || self == .l6 }

    /// The usual column C1…C7, T1…T12, L1…L5, S1 (no T13, L6 or coccyx), cranial to caudal.
    public static let standardSequence: [Vertebra] = allCases.filter { !$0.isEnumerationVariant && $0 != .coccyx }

    /// The next vertebra caudally in the standard sequence (nil for S1 and for the variants).
    public var nextCaudal: Vertebra? {
        guard let i = Self.standardSequence.firstIndex(of: self), i + 1 < Self.standardSequence.count else {
            return nil
        }
        return Self.standardSequence[i + 1]
    }

    /// The next vertebra cranially in the standard sequence (nil for C1 and for the variants).
    public var nextCranial: Vertebra? {
        guard let i = Self.standardSequence.firstIndex(of: self), i > 0 else { return nil }
        return Self.standardSequence[i - 1]
    }

    /// The vertebra directly caudal in some column this one can belong to: the standard sequence, or a column with
    /// an enumeration variant (T12 → T13 → L1, L5 → L6 → S1). T12, L5 and the variants have two.
    public var caudalNeighbours: [Vertebra] {
        switch self {
        case .t12: [.l1, .t13]
        case .t13: [.l1]
        case .l5: [.s1, .l6]
        case .l6: [.s1]
        default: nextCaudal.map { [$0] } ?? []
        }
    }

    /// Whether `other` directly follows or precedes this vertebra in some column (see `caudalNeighbours`):
    /// L5 and L6, L6 and S1, T12 and T13, T13 and L1 are adjacent as well as the standard neighbours.
    public func isAdjacent(to other: Vertebra) -> Bool {
        caudalNeighbours.contains(other) || other.caudalNeighbours.contains(self)
    }

    /// The standard-sequence vertebra `offset` steps caudal (negative: cranial), or nil past either end.
    public func offsetInStandardSequence(by offset: Int) -> Vertebra? {
        guard let i = Self.standardSequence.firstIndex(of: self) else { return nil }
        let j = i + offset
        return Self.standardSequence.indices.contains(j) ? Self.standardSequence[j] : nil
    }

    /// VerSe / SPINEPS instance label: 1–7 C1–C7, 8–19 T1–T12, 28 T13, 20–24 L1–L5, 25 L6,
    /// 26 sacrum, 27 coccyx (Sekuboyina et al., VerSe, Med Image Anal 2021).
    public var verseLabel: Int {
        switch self {
        case .t13: 28
        case .coccyx: 27
        default:
            switch region {
            case .cervical: anatomicalRank + 1  // c1 rank 0 → 1
            case .thoracic: anatomicalRank + 1  // t1 rank 7 → 8 … t12 rank 18 → 19
            case .lumbar: anatomicalRank  // l1 rank 20 → 20 … l6 rank 25 → 25
            case .sacral: 26
            case .coccygeal: 27
            }
        }
    }

    /// The vertebra with a VerSe / SPINEPS instance label, or nil.
    public init?(verseLabel: Int) {
        guard let v = Vertebra.allCases.first(where: { $0.verseLabel == verseLabel }) else { return nil }
        self = v
    }

    /// Short name as radiologists write it: "C1", "T13", "L5", "S1", "Co".
    public var name: String { self == .coccyx ? "Co" : rawValue.uppercased() }

    public var description: String { name }

    /// Parses "L5", "l5", "S1", "sacrum", "T13", "vertebrae_L5" (TotalSegmentator), "Co"/"coccyx".
    public init?(name: String) {
        var s = name.lowercased().trimmingCharacters(in: .whitespaces)
        for prefix in ["vertebrae_", "vertebra_", "vertebra ", "vertebrae "] where s.hasPrefix(prefix) {
            s.removeFirst(prefix.count)
        }
        switch s {
        case "sacrum", "s", "s1": self = .s1
        case "co", "coccyx", "cocygis", "coccygis": self = .coccyx
        default:
            guard let v = Vertebra(rawValue: s) else { return nil }
            self = v
        }
    }

    public static func < (a: Vertebra, b: Vertebra) -> Bool { a.anatomicalRank < b.anatomicalRank }
}
