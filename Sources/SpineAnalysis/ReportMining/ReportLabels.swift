/// Severity of a finding as a report states it.
///
/// `present` is a finding stated without a grade ("foraminal stenosis at L4-5"); `absent` (written "none")
/// is a negated one ("no stenosis", "the foramina are patent"). Ordered none < present < mild < moderate <
/// severe, so merging two statements about one level keeps the worse.
public enum ReportSeverity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case absent = "none", present, mild, moderate, severe

    public static func < (a: ReportSeverity, b: ReportSeverity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The side of a finding.
public enum ReportSide: String, Sendable, Hashable, Codable {
    case left, right, bilateral
}

/// A lateral finding (foraminal or subarticular stenosis) per side.
public struct SidedSeverity: Sendable, Hashable, Codable {
    public var left: ReportSeverity?
    public var right: ReportSeverity?
    /// Stated without a side ("mild foraminal narrowing").
    public var unspecifiedSide: ReportSeverity?
    public init(left: ReportSeverity? = nil, right: ReportSeverity? = nil, unspecifiedSide: ReportSeverity? = nil) {
        (self.left, self.right, self.unspecifiedSide) = (left, right, unspecifiedSide)
    }

    /// The worse of the two statements, side by side.
    func merged(with o: SidedSeverity) -> SidedSeverity {
        SidedSeverity(
            left: worse(left, o.left), right: worse(right, o.right),
            unspecifiedSide: worse(unspecifiedSide, o.unspecifiedSide))
    }
}

/// Spondylolisthesis at a level.
public struct ListhesisLabel: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Direction not stated ("spondylolisthesis", "listhesis").
        case spondylolisthesis, anterolisthesis, retrolisthesis
    }
    public var present: Bool
    public var kind: Kind?
    /// Meyerding grade 1–5 when stated (Meyerding, Surg Gynecol Obstet 54 (1932)).
    public var grade: Int?
    /// Slip when stated in millimetres.
    public var distanceMM: Double?
}

/// A disc contour abnormality at a level (nomenclature of Fardon et al., Spine J 14 (2014): bulge,
/// protrusion, extrusion; "herniation" when the report does not say which).
public struct DiscLabel: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case bulge, protrusion, extrusion, herniation
        public static func < (a: Kind, b: Kind) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    }
    public var kind: Kind
    public var present: Bool
    public var side: ReportSide?
}

/// Everything a report says about one disc level.
public struct LevelLabels: Sendable, Hashable, Codable {
    /// "L4-L5"; nil for statements tied to no level ("No spondylolisthesis." before any level is named).
    public var level: String?
    public var centralCanal: ReportSeverity?
    public var foraminal: SidedSeverity?
    public var subarticular: SidedSeverity?
    public var listhesis: ListhesisLabel?
    /// One entry per kind, ordered bulge, protrusion, extrusion, herniation.
    public var disc: [DiscLabel] = []

    public init(level: String?) { self.level = level }

    public var isEmpty: Bool {
        centralCanal == nil && foraminal == nil && subarticular == nil && listhesis == nil && disc.isEmpty
    }

    enum CodingKeys: String, CodingKey { case level, centralCanal, foraminal, subarticular, listhesis, disc }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        level = try c.decodeIfPresent(String.self, forKey: .level)
        centralCanal = try c.decodeIfPresent(ReportSeverity.self, forKey: .centralCanal)
        foraminal = try c.decodeIfPresent(SidedSeverity.self, forKey: .foraminal)
        subarticular = try c.decodeIfPresent(SidedSeverity.self, forKey: .subarticular)
        listhesis = try c.decodeIfPresent(ListhesisLabel.self, forKey: .listhesis)
        disc = try c.decodeIfPresent([DiscLabel].self, forKey: .disc) ?? []
    }

    /// Keys the report says nothing about are left out (`disc` too when empty).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(level, forKey: .level)
        try c.encodeIfPresent(centralCanal, forKey: .centralCanal)
        try c.encodeIfPresent(foraminal, forKey: .foraminal)
        try c.encodeIfPresent(subarticular, forKey: .subarticular)
        try c.encodeIfPresent(listhesis, forKey: .listhesis)
        if !disc.isEmpty { try c.encode(disc, forKey: .disc) }
    }
}

/// Per-level labels mined from one report.
public struct ReportLabels: Sendable, Hashable, Codable {
    /// Levels in anatomical order (cranial first).
    public var levels: [LevelLabels]
    /// Statements tied to no level, when there are any.
    public var unassigned: LevelLabels?

    /// The labels of a level ("L4-5", "L4-L5", "L4/5" all name L4-L5).
    public subscript(level name: String) -> LevelLabels? {
        guard let d = DiscLevel(name: name) else { return nil }
        return levels.first { $0.level == d.name }
    }
}

func worse(_ a: ReportSeverity?, _ b: ReportSeverity?) -> ReportSeverity? {
    switch (a, b) {
    case let (x?, y?): max(x, y)
    case let (x?, nil): x
    case let (nil, y): y
    }
}
