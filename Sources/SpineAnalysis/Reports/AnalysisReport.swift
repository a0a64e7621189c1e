import Foundation
import SpineImaging

/// The result of measuring a label map: named vertebrae and discs with their measurements and grades,
/// alignment, and findings. Written as `report.json` (schema version `AnalysisReport.schemaVersion`).
///
/// Units are in the field names (`MM`, `MM2`, `MM3`, `Deg`); points are `[x, y, z]` in patient LPS mm.
public struct AnalysisReport: Sendable, Codable {
    /// Version of this JSON schema; bumped on any change of its fields.
    ///
    /// - 1: vertebrae, discs (heights, disc height index, canal, slip), alignment (lordosis), findings.
    /// - 2: adds `discs[].foraminal` (left/right foraminal height, area, width, fat share, Lee-proxy grade),
    ///   `vertebrae[].coronalTiltDeg` and `alignment.coronalCobb` (coronal Cobb angle with its end vertebrae).
    /// - 3: adds `grading`, the thresholds the central canal and foramina were graded with.
    public static let schemaVersion = 3

    public var schemaVersion: Int = AnalysisReport.schemaVersion
    public var generator: String = "SpineKit SpineAnalysis"
    /// The class map used, "name@version".
    public var classMap: String
    public var input: InputSummary
    public var vertebrae: [VertebraReport] = []
    public var discs: [DiscReport] = []
    public var alignment: AlignmentReport = AlignmentReport()
    public var findings: [Finding] = []
    /// The thresholds the grades were read with (nil in reports older than schema 3).
    public var grading: GradingThresholds?

    /// The grading thresholds of one analysis, recorded so that a report can be read without the options that made it.
    public struct GradingThresholds: Sendable, Codable, Hashable {
        public var centralCanal: CentralCanalGrade.Thresholds
        public var foraminal: ForaminalGrade.Thresholds

        public init(
            centralCanal: CentralCanalGrade.Thresholds = .init(), foraminal: ForaminalGrade.Thresholds = .init()
        ) {
            self.centralCanal = centralCanal
            self.foraminal = foraminal
        }
    }

    public struct InputSummary: Sendable, Codable {
        public var sizeVoxels: [Int]
        public var spacingMM: [Double]
        public var axisCodes: String
        public var labelValues: [Int]
    }

    public struct VertebraReport: Sendable, Codable {
        /// "L5".
        public var label: String
        /// VerSe / SPINEPS instance number.
        public var verseLabel: Int
        public var confidence: Double
        public var cue: String
        public var centroidLPS: SIMD3<Double>
        public var volumeMM3: Double
        public var anteriorHeightMM: Double?
        public var middleHeightMM: Double?
        public var posteriorHeightMM: Double?
        public var depthMM: Double?
        public var wedgeAngleDeg: Double?
        /// Genant height reduction (0…1) and grade 0–3.
        public var heightReduction: Double?
        public var genantGrade: Int?
        /// Tilt of the body's endplates on the coronal plane [degrees], positive when its left side is lower
        /// (LPS: the endplate line rotated from +x toward −z); nil when the map's lateral extent cannot show it.
        public var coronalTiltDeg: Double?
        /// Transverse processes measured near their tips (lumbar vertebrae above the sacrum, where the field of view
        /// reaches them; see `TransverseProcess`).
        public var transverseProcesses: [TransverseProcessMeasurement]?
    }

    public struct CanalReport: Sendable, Codable {
        /// Dural sac cross-sectional area [mm²].
        public var areaMM2: Double
        public var apDiameterMM: Double
        /// normal / mild / moderate / severe.
        public var grade: String
        /// Where the figures come from: "sagittal" (the label map, on the plane perpendicular to the disc axis)
        /// or "axial" (an axial stack through the level, `series`); nil when the producer does not say.
        public var source: String? = nil
        /// The axial stack measured, when `source` is "axial" (series number and description, or a name).
        public var series: String? = nil
        /// The sagittal estimate [mm²] that an axial measurement replaced.
        public var sagittalAreaMM2: Double? = nil
        /// Angle between the axial stack's normal and the canal's direction [degrees]; the area and AP diameter
        /// measured on the stack's plane are multiplied by its cosine.
        public var obliquityDeg: Double? = nil

        public init(areaMM2: Double, apDiameterMM: Double, grade: String) {
            self.areaMM2 = areaMM2
            self.apDiameterMM = apDiameterMM
            self.grade = grade
        }
    }

    /// One foramen: see `ForaminalMeasurement` and `ForaminalGrade`.
    public struct ForamenReport: Sendable, Codable {
        public var heightMM: Double
        public var areaMM2: Double
        public var widthMM: Double
        /// Share of the foraminal area labelled epidural fat; nil when fat is not labelled in foramina.
        public var fatFraction: Double?
        /// Lee-proxy grade 0–3.
        public var grade: Int
        /// Lateral offset of the measurement plane from the disc centre [mm], positive to the left.
        public var planeOffsetMM: Double

        public init(
            heightMM: Double, areaMM2: Double, widthMM: Double, fatFraction: Double?, grade: Int, planeOffsetMM: Double
        ) {
            self.heightMM = heightMM
            self.areaMM2 = areaMM2
            self.widthMM = widthMM
            self.fatFraction = fatFraction
            self.grade = grade
            self.planeOffsetMM = planeOffsetMM
        }
    }

    /// The two foramina at a disc level; a side is nil when it could not be measured (a finding says why).
    public struct ForaminalReport: Sendable, Codable {
        public var left: ForamenReport?
        public var right: ForamenReport?

        public init(left: ForamenReport? = nil, right: ForamenReport? = nil) {
            self.left = left
            self.right = right
        }
    }

    /// The largest coronal angle between two vertebral bodies (Cobb 1948), with its end vertebrae.
    public struct CoronalCobbReport: Sendable, Codable {
        public var angleDeg: Double
        /// The cranial and caudal end vertebrae ("T12", "L3").
        public var upperEndVertebra: String
        public var lowerEndVertebra: String
        /// Vertebrae whose coronal tilt could be measured.
        public var measuredVertebrae: Int
    }

    public struct SlipReport: Sendable, Codable {
        public var distanceMM: Double
        public var percent: Double
        /// none, I … V.
        public var meyerdingGrade: String
    }

    public struct DiscReport: Sendable, Codable {
        /// "L4-L5".
        public var level: String
        public var verseLabel: Int
        public var confidence: Double
        public var cue: String
        public var centroidLPS: SIMD3<Double>
        public var volumeMM3: Double
        public var anteriorHeightMM: Double?
        public var middleHeightMM: Double?
        public var posteriorHeightMM: Double?
        public var depthMM: Double?
        /// Farfan disc height index (anterior + posterior height) / depth.
        public var discHeightIndex: Double?
        public var discHeightClass: String?
        public var heightToUpperBodyRatio: Double?
        public var wedgeAngleDeg: Double?
        public var axisSource: String?
        public var canal: CanalReport?
        public var foraminal: ForaminalReport?
        public var slip: SlipReport?
    }

    public struct AlignmentReport: Sendable, Codable {
        /// L1–S1 Cobb angle between the cranial endplates of L1 and S1 [degrees]; nil without both.
        public var lordosisL1S1Deg: Double?
        /// L1–L5 Cobb angle (cranial endplate of L1 to caudal endplate of L5) [degrees].
        public var lordosisL1L5Deg: Double?
        /// Per disc level: angle between the adjacent endplates [degrees].
        public var segmentalAnglesDeg: [String: Double] = [:]
        /// Coronal Cobb angle; nil when fewer than three bodies show their coronal tilt.
        public var coronalCobb: CoronalCobbReport?
    }
}

extension AnalysisReport {
    /// One row per measurement: `structure,level,measurement,value,unit`.
    public func csv() -> String {
        var rows = ["structure,level,measurement,value,unit"]
        func add(_ s: String, _ l: String, _ m: String, _ v: Double?, _ u: String) {
            if let v { rows.append("\(s),\(l),\(m),\(String(format: "%.4f", v)),\(u)") }
        }
        for v in vertebrae {
            add("vertebra", v.label, "anterior_height", v.anteriorHeightMM, "mm")
            add("vertebra", v.label, "middle_height", v.middleHeightMM, "mm")
            add("vertebra", v.label, "posterior_height", v.posteriorHeightMM, "mm")
            add("vertebra", v.label, "depth", v.depthMM, "mm")
            add("vertebra", v.label, "wedge_angle", v.wedgeAngleDeg, "deg")
            add("vertebra", v.label, "height_reduction", v.heightReduction, "ratio")
            add("vertebra", v.label, "genant_grade", v.genantGrade.map(Double.init), "grade")
            add("vertebra", v.label, "volume", v.volumeMM3, "mm3")
            add("vertebra", v.label, "coronal_tilt", v.coronalTiltDeg, "deg")
        }
        for d in discs {
            add("disc", d.level, "anterior_height", d.anteriorHeightMM, "mm")
            add("disc", d.level, "middle_height", d.middleHeightMM, "mm")
            add("disc", d.level, "posterior_height", d.posteriorHeightMM, "mm")
            add("disc", d.level, "depth", d.depthMM, "mm")
            add("disc", d.level, "disc_height_index", d.discHeightIndex, "ratio")
            add("disc", d.level, "wedge_angle", d.wedgeAngleDeg, "deg")
            add("disc", d.level, "dural_sac_area", d.canal?.areaMM2, "mm2")
            add("disc", d.level, "dural_sac_ap_diameter", d.canal?.apDiameterMM, "mm")
            for (side, f) in [("left", d.foraminal?.left), ("right", d.foraminal?.right)] {
                add("disc", d.level, "foraminal_height_\(side)", f?.heightMM, "mm")
                add("disc", d.level, "foraminal_area_\(side)", f?.areaMM2, "mm2")
                add("disc", d.level, "foraminal_width_\(side)", f?.widthMM, "mm")
                add("disc", d.level, "foraminal_fat_fraction_\(side)", f?.fatFraction, "ratio")
                add("disc", d.level, "foraminal_grade_\(side)", f.map { Double($0.grade) }, "grade")
            }
            add("disc", d.level, "slip_distance", d.slip?.distanceMM, "mm")
            add("disc", d.level, "slip_percent", d.slip?.percent, "percent")
        }
        add("spine", "L1-S1", "lordosis", alignment.lordosisL1S1Deg, "deg")
        add("spine", "L1-L5", "lordosis", alignment.lordosisL1L5Deg, "deg")
        if let c = alignment.coronalCobb {
            add("spine", "\(c.upperEndVertebra)-\(c.lowerEndVertebra)", "coronal_cobb", c.angleDeg, "deg")
        }
        return rows.joined(separator: "\n") + "\n"
    }

    /// Pretty, key-sorted JSON.
    public func json() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try enc.encode(self)
    }
}
