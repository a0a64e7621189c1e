/// A vertebra of the thoracolumbar spine and the sacrum, named by anatomy so that enumeration
/// anomalies (T13, L6, a sacralised L5) are representable rather than renumbered.
public enum Vertebra: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case t10 = "T10", t11 = "T11", t12 = "T12", t13 = "T13"
    case l1 = "L1", l2 = "L2", l3 = "L3", l4 = "L4", l5 = "L5", l6 = "L6"
    case sacrum = "S"

    /// Instance label in the VerSe/SPINEPS numbering (T10 = 17 … T12 = 19, T13 = 28, L1 = 20 … L5 = 24,
    /// L6 = 25, sacrum = 26).
    public var verseLabel: UInt8 {
        switch self {
        case .t10: 17
        case .t11: 18
        case .t12: 19
        case .t13: 28
        case .l1: 20
        case .l2: 21
        case .l3: 22
        case .l4: 23
        case .l5: 24
        case .l6: 25
        case .sacrum: 26
        }
    }

    /// Craniocaudal order (T10 first, sacrum last).
    public var order: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Vertebra, b: Vertebra) -> Bool { a.order < b.order }

    public var isLumbar: Bool { self >= .l1 && self <= .l6 }
    public var isThoracic: Bool { self < .l1 }
    public var description: String { rawValue }

    /// The vertebra with a VerSe instance label, if any.
    public init?(verseLabel: UInt8) {
        guard let v = Self.allCases.first(where: { $0.verseLabel == verseLabel }) else { return nil }
        self = v
    }
}

/// An intervertebral disc named by the vertebrae above and below (e.g. L4-L5, L5-S).
public struct DiscLevel: Sendable, Hashable, Codable, CustomStringConvertible {
    public var upper: Vertebra
    public var lower: Vertebra

    public init(upper: Vertebra, lower: Vertebra) {
        precondition(upper < lower, "a disc lies below its upper vertebra")
        self.upper = upper
        self.lower = lower
    }

    /// Instance label: 100 + the VerSe label of the vertebra above (L4-L5 = 123).
    public var verseLabel: UInt8 { 100 + upper.verseLabel }

    /// "L4-L5", "L5-S1" (the sacrum's first segment is S1).
    public var description: String { "\(upper)-\(lower == .sacrum ? "S1" : lower.rawValue)" }
}

/// The 11 lumbar MRI structure classes of DESIGN.md (label values 1–11; 0 is background).
public enum StructureClass: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case background = 0
    case vertebralBody = 1
    case posteriorElements = 2
    case disc = 3
    /// Thecal sac with its CSF.
    case spinalCanal = 4
    /// Cauda equina, nerve roots and (here) the conus medullaris.
    case caudaEquina = 5
    case epiduralFat = 6
    case sacrum = 7
    /// Erector spinae, multifidus and (here) psoas.
    case paraspinalMuscle = 8
    case subcutaneousFat = 9
    /// Aorta, inferior vena cava and iliac vessels.
    case vessels = 10
    /// Everything else inside the body, ligamentum flavum included.
    case otherSoftTissue = 11

    public var name: String {
        switch self {
        case .background: "background"
        case .vertebralBody: "vertebral body"
        case .posteriorElements: "posterior elements"
        case .disc: "intervertebral disc"
        case .spinalCanal: "spinal canal (thecal sac/CSF)"
        case .caudaEquina: "cauda equina/nerve roots"
        case .epiduralFat: "epidural fat"
        case .sacrum: "sacrum"
        case .paraspinalMuscle: "paraspinal muscle"
        case .subcutaneousFat: "subcutaneous fat"
        case .vessels: "blood vessels"
        case .otherSoftTissue: "other soft tissue"
        }
    }
}

/// A numbering variant of the thoracolumbar junction or the lumbosacral junction.
public enum EnumerationAnomaly: String, Sendable, Hashable, Codable, CaseIterable {
    /// Twelve thoracic and five lumbar vertebrae.
    case none
    /// Six lumbar vertebrae (an L6 above the sacrum).
    case sixLumbar
    /// L5 partly fused to the sacrum: enlarged transverse processes and a rudimentary L5-S1 disc.
    case sacralizedL5
    /// Thirteen thoracic vertebrae (a T13 between T12 and L1).
    case thirteenThoracic

    /// Lumbar vertebrae present (a sacralised L5 still counts as a vertebra).
    public var lumbarCount: Int { self == .sixLumbar ? 6 : 5 }
    public var thoracicCount: Int { self == .thirteenThoracic ? 13 : 12 }
}
