/// Everything known about one phantom study, written as `truth.json`.
///
/// Schema version 1. Lengths in mm, areas in mm², angles in degrees, points and directions in
/// world (patient) LPS mm like the images. Each height is the length, along `superiorAxisLPS`, of
/// the run of voxels of that instance crossed by the line through
/// `centreWorldLPS + offset · anteriorAxisLPS` (offsets in `heightOffsetsMM`: anterior, middle,
/// posterior), so it can be re-measured from the instance label map. The dural sac area is taken
/// in the plane through `canalPointLPS` normal to `canalNormalLPS` (classes 4 and 5 together).
public struct PhantomTruth: Sendable, Codable {
    public static let currentSchemaVersion = 1

    public struct VertebraTruth: Sendable, Codable {
        public var name: Vertebra
        public var instanceLabel: UInt8
        public var centreWorldLPS: [Double]
        public var superiorAxisLPS: [Double]
        public var anteriorAxisLPS: [Double]
        /// Anterior, middle and posterior offsets of the height lines along the anterior axis [mm].
        public var heightOffsetsMM: [Double]
        public var anteriorHeightMM: Double
        public var middleHeightMM: Double
        public var posteriorHeightMM: Double
        public var endplateDepthMM: Double
        public var endplateWidthMM: Double
        /// Genant grade 0–3 of the constructed fracture (0 = none).
        public var genantGrade: Int
        public var fracture: PhantomParameters.Fracture?
        /// A lumbosacral transitional vertebra (sacralised L5).
        public var transitional: Bool
    }

    public struct DiscTruth: Sendable, Codable {
        public var level: String
        public var upper: Vertebra
        public var lower: Vertebra
        public var instanceLabel: UInt8
        public var centreWorldLPS: [Double]
        public var superiorAxisLPS: [Double]
        public var anteriorAxisLPS: [Double]
        public var heightOffsetsMM: [Double]
        public var anteriorHeightMM: Double
        public var middleHeightMM: Double
        public var posteriorHeightMM: Double
        /// Lordotic wedge angle between the adjacent endplates [degrees].
        public var wedgeDeg: Double
        public var heightLossFraction: Double
        public var t2Darkening: Double
        /// Approximate Pfirrmann grade 1–5 from the constructed T2 loss and height loss
        /// (Pfirrmann CW et al., Spine 2001;26(17):1873–1878).
        public var pfirrmannGrade: Int
        public var bulgeMM: Double
        public var flavumThickeningMM: Double
        public var facetNarrowingMM: Double
        /// Dural sac cross-section at the level, normal to the canal centreline.
        public var duralSacAreaMM2: Double
        public var duralSacAPDiameterMM: Double
        public var duralSacWidthMM: Double
        /// Bony canal anteroposterior diameter at the level [mm].
        public var canalAPDiameterMM: Double
        public var canalPointLPS: [Double]
        /// Centre of the dural sac ellipse in the measurement plane.
        public var duralSacCentreLPS: [Double]
        public var canalNormalLPS: [Double]
        public var canalAnteriorLPS: [Double]
        /// Central canal stenosis from the dural sac area (Schönström 1985): "none" ≥ 100 mm²,
        /// "relative" 75–100 mm², "absolute" < 75 mm².
        public var centralStenosis: String
        /// Anterior translation of the upper vertebra over the lower [mm] and as % of the lower
        /// vertebra's superior endplate depth; Meyerding grade 0–5.
        public var slipMM: Double
        public var slipPercent: Double
        public var meyerdingGrade: Int
    }

    public struct SeriesTruth: Sendable, Codable {
        public var name: String
        public var plane: String
        public var sequence: MRSequence?
        public var sizeIJK: [Int]
        public var spacingMM: [Double]
        public var originLPS: [Double]
        /// Columns of the direction matrix (unit i, j, k axes in LPS).
        public var directionLPS: [[Double]]
        public var dicomFolder: String?
        public var niftiFile: String?
        public var discLevel: String?
        public var snr: Double?
    }

    public var schemaVersion = Self.currentSchemaVersion
    public var generator = "SpineKit SpinePhantom"
    public var seed: UInt64
    public var anomaly: EnumerationAnomaly
    public var lumbarCount: Int
    public var thoracicCount: Int
    /// L1–S1 Cobb angle between the L1 superior and S1 superior endplates [degrees].
    public var lordosisDeg: Double
    public var sacralSlopeDeg: Double
    public var bodyScale: Double
    public var vertebrae: [VertebraTruth]
    public var discs: [DiscTruth]
    public var series: [SeriesTruth]
    /// Label values of the class map and their names.
    public var classes: [String: String]
    public var labelMaps: [String: String]
    public var parameters: PhantomParameters
}
