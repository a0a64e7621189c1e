/// Central canal stenosis from the dural sac cross-sectional area and AP diameter.
///
/// Quantitative thresholds after Schönström et al. (Spine 1985;10:806–811) and Hamanishi et al.
/// (J Spinal Disord 1994;7:388–393): dural sac area < 100 mm² relative, < 75 mm² absolute stenosis;
/// AP diameter < 12 mm relative, < 10 mm absolute after Verbiest (J Bone Joint Surg Br 1954;36:230–237).
/// The four classes mirror the qualitative scales of Lee et al. (Skeletal Radiol 2011;40:1033–1039) and
/// Schizas et al. (Spine 2010;35:1919–1924), which grade morphology, not area: the mapping is a proxy.
public enum CentralCanalGrade: String, Sendable, Codable, CaseIterable, Comparable {
    case normal, mild, moderate, severe

    public struct Thresholds: Sendable, Hashable, Codable {
        /// Below this area: relative stenosis (moderate) [mm²].
        public var relativeAreaMM2: Double = 100
        /// Below this area: absolute stenosis (severe) [mm²].
        public var absoluteAreaMM2: Double = 75
        /// Below this AP diameter, with a normal area: mild [mm].
        public var relativeAPDiameterMM: Double = 12
        /// Below this AP diameter: at least moderate [mm].
        public var absoluteAPDiameterMM: Double = 10
        public init() {}
    }

    public init(areaMM2: Double, apDiameterMM: Double?, thresholds t: Thresholds = Thresholds()) {
        if areaMM2 < t.absoluteAreaMM2 {
            self = .severe
        } else if areaMM2 < t.relativeAreaMM2 || (apDiameterMM.map { $0 < t.absoluteAPDiameterMM } ?? false) {
            self = .moderate
        } else if let ap = apDiameterMM, ap < t.relativeAPDiameterMM {
            self = .mild
        } else {
            self = .normal
        }
    }

    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// Meyerding grade of spondylolisthesis from the slip percentage (Meyerding, Surg Gynecol Obstet
/// 1932;54:371–377): I 0–25 %, II 25–50 %, III 50–75 %, IV 75–100 %, V > 100 % (spondyloptosis).
/// `none` below `minimumPercent` (a SpineKit convention, default 5 %, to absorb measurement noise).
public enum MeyerdingGrade: String, Sendable, Codable, CaseIterable {
    case none, I, II, III, IV, V

    public init(slipPercent: Double, minimumPercent: Double = 5) {
        let p = abs(slipPercent)
        switch p {
        case ..<minimumPercent: self = .none
        case ..<25: self = .I
        case ..<50: self = .II
        case ..<75: self = .III
        case ...100: self = .IV
        default: self = .V
        }
    }
}

/// Genant semiquantitative vertebral fracture grade from the height reduction (Genant et al.,
/// J Bone Miner Res 1993;8:1137–1148): 0 normal (< 20 %), 1 mild (20–25 %), 2 moderate (25–40 %),
/// 3 severe (> 40 %) reduction of the anterior, middle or posterior height.
public enum GenantGrade: Int, Sendable, Codable, CaseIterable {
    case normal = 0, mild = 1, moderate = 2, severe = 3

    public init(heightReduction r: Double) {
        switch r {
        case ..<0.20: self = .normal
        case ..<0.25: self = .mild
        case ...0.40: self = .moderate
        default: self = .severe
        }
    }

    /// Anterior, middle and posterior heights of one vertebral body [mm].
    public struct Heights: Sendable, Hashable, Codable {
        public var anteriorMM: Double
        public var middleMM: Double
        public var posteriorMM: Double
        public init(anteriorMM: Double, middleMM: Double, posteriorMM: Double) {
            self.anteriorMM = anteriorMM
            self.middleMM = middleMM
            self.posteriorMM = posteriorMM
        }
    }

    /// Height reduction of a body against the heights it would have unfractured.
    ///
    /// Genant's grades compare each height with the body's expected height, which a reader judges from
    /// its neighbours: a healthy body is not a box (concave endplates make the middle height 10–25 %
    /// lower than the margins, and L5 and L4 are taller in front), so comparing a body's heights with
    /// each other calls healthy bodies fractured. With neighbours, the reduction is the largest of
    /// 1 − h/h̄ over the anterior, middle and posterior heights, h̄ the mean of the same height in the
    /// neighbours (the nearest measured body above and below): a wedge, biconcave or crush deformity
    /// each lowers one of them. Without neighbours it falls back to the body's own shape:
    /// 1 − anterior/posterior (anterior wedging only) and 1 − middle/(0.8 × the larger margin height),
    /// which allows the normal concavity.
    ///
    /// Two adjacent fractured bodies lower each other's reference, so the reduction can be under-read
    /// there.
    public static func heightReduction(_ h: Heights, neighbours: [Heights]) -> Double {
        guard !neighbours.isEmpty else {
            let wedge = h.posteriorMM > 0 ? 1 - h.anteriorMM / h.posteriorMM : 0
            let margin = max(h.anteriorMM, h.posteriorMM)
            let biconcave = margin > 0 ? 1 - h.middleMM / (0.8 * margin) : 0
            return max(0, wedge, biconcave)
        }
        let n = Double(neighbours.count)
        let ref = Heights(
            anteriorMM: neighbours.map(\.anteriorMM).reduce(0, +) / n,
            middleMM: neighbours.map(\.middleMM).reduce(0, +) / n,
            posteriorMM: neighbours.map(\.posteriorMM).reduce(0, +) / n)
        let reductions = [
            ref.anteriorMM > 0 ? 1 - h.anteriorMM / ref.anteriorMM : 0,
            ref.middleMM > 0 ? 1 - h.middleMM / ref.middleMM : 0,
            ref.posteriorMM > 0 ? 1 - h.posteriorMM / ref.posteriorMM : 0,
        ]
        return max(0, reductions.max()!)
    }

    /// Reduction within one body: 1 − smallest / largest of the anterior, middle and posterior heights
    /// (wedge, biconcave and crush shapes); with `referenceHeightMM` (e.g. the mean posterior height of
    /// the neighbours), 1 − smallest / reference, whichever is larger. Over-reads healthy bodies, whose
    /// middle height is lower than their margins; `heightReduction(_:neighbours:)` does not.
    public static func heightReduction(
        anteriorMM: Double, middleMM: Double, posteriorMM: Double, referenceHeightMM: Double? = nil
    ) -> Double {
        let hs = [anteriorMM, middleMM, posteriorMM]
        let lo = hs.min()!, hi = hs.max()!
        var r = hi > 0 ? 1 - lo / hi : 0
        if let ref = referenceHeightMM, ref > 0 { r = max(r, 1 - lo / ref) }
        return max(0, r)
    }
}

/// Disc height class from the disc height index relative to a reference index (by default the mean
/// of the other measured discs of the same spine, a within-patient reference): normal ≥ 75 %,
/// mildly decreased 50–75 %, moderately decreased 25–50 %, severely decreased (collapsed) < 25 %.
/// The categories follow the height criterion of Pfirrmann et al. (Spine 2001;26:1873–1878:
/// normal / slightly / moderately decreased / collapsed); the cut-offs are a SpineKit convention.
public enum DiscHeightClass: String, Sendable, Codable, CaseIterable {
    case normal, mildlyDecreased, moderatelyDecreased, severelyDecreased

    public init(discHeightIndex: Double, referenceIndex: Double) {
        let ratio = referenceIndex > 0 ? discHeightIndex / referenceIndex : 1
        switch ratio {
        case 0.75...: self = .normal
        case 0.5..<0.75: self = .mildlyDecreased
        case 0.25..<0.5: self = .moderatelyDecreased
        default: self = .severelyDecreased
        }
    }
}

/// Foraminal stenosis grade 0–3, a measured proxy for the grading of Lee et al. ("A practical MRI grading
/// system for lumbar foraminal stenosis", AJR 2010;194(4):1095–1098).
///
/// Lee grades perineural fat: 0 normal; 1 mild, fat obliterated in two opposing directions (vertical or
/// transverse); 2 moderate, fat obliterated in all four directions without morphologic change of the root;
/// 3 severe, nerve root collapse or morphologic change. A label map shows no root morphology, so the proxy
/// grades the room the root has, with thresholds that are data (`Thresholds`):
/// - height (vertical room): Hasegawa et al. (J Bone Joint Surg Am 1995;77(1):32–38) found nerve root
///   compression at foraminal heights of 15 mm or less; below 15 mm is grade ≥ 1, below 12 mm grade ≥ 2,
///   below 8 mm grade 3 (the 12 and 8 mm bands are a SpineKit convention, as used in common reading aids);
/// - area (room in both directions): below 80 mm² grade ≥ 1, below 55 mm² grade ≥ 2, below 30 mm² grade 3
///   (a SpineKit convention, uncalibrated against readers);
/// - perineural fat, when the label map labels epidural fat inside foramina: a fat share of the foraminal
///   area below 20 % is grade ≥ 1, below 5 % grade ≥ 2 (Lee's fat obliteration; SpineKit's cut-offs).
/// The grade is the largest of the three.
public enum ForaminalGrade: Int, Sendable, Codable, CaseIterable, Comparable {
    case normal = 0, mild = 1, moderate = 2, severe = 3

    public struct Thresholds: Sendable, Hashable, Codable {
        /// Below these foraminal heights: grade 1, 2, 3 [mm].
        public var mildHeightMM: Double = 15
        public var moderateHeightMM: Double = 12
        public var severeHeightMM: Double = 8
        /// Below these foraminal areas: grade 1, 2, 3 [mm²].
        public var mildAreaMM2: Double = 80
        public var moderateAreaMM2: Double = 55
        public var severeAreaMM2: Double = 30
        /// Below these shares of epidural fat in the foramen (0…1): grade 1, 2.
        public var mildFatFraction: Double = 0.2
        public var moderateFatFraction: Double = 0.05
        public init() {}
    }

    /// - Parameter fatFraction: the share of the foramen labelled fat, or nil when fat is not labelled in
    ///   foramina (then only height and area count).
    public init(heightMM: Double, areaMM2: Double, fatFraction: Double?, thresholds t: Thresholds = Thresholds()) {
        func band(_ v: Double, _ mild: Double, _ moderate: Double, _ severe: Double) -> Int {
            v < severe ? 3 : v < moderate ? 2 : v < mild ? 1 : 0
        }
        var g = max(
            band(heightMM, t.mildHeightMM, t.moderateHeightMM, t.severeHeightMM),
            band(areaMM2, t.mildAreaMM2, t.moderateAreaMM2, t.severeAreaMM2))
        if let f = fatFraction {
            g = max(g, f < t.moderateFatFraction ? 2 : f < t.mildFatFraction ? 1 : 0)
        }
        self = ForaminalGrade(rawValue: g)!
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
