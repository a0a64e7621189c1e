/// Everything known about one phantom study, written as `truth.json`.
///
/// Schema version 4 (version 3 plus disc herniations, `DiscTruth.herniation`, see `HerniationTruth`, and the
/// dural sac's area, AP diameter and width measured on the sampled anatomy rather than taken from its ellipse;
/// `vertebrae` and `discs` list the whole column from C2 and C2-C3 — the atlas and the coccyx are in the label maps
/// only; files of versions 1–3 decode, the new fields absent). Schema version 3 (version 2 plus the ribs: `VertebraTruth.ribs`, see `RibTruth`, and
/// `ribBearingVertebrae`; Modic changes: `DiscTruth.modic`, see `ModicTruth`); version 2 was version 1 plus `DiscTruth.foramina`, see `ForamenTruth`; `scoliosis` and
/// `VertebraTruth.coronalTiltDeg`. Lengths in mm, areas in mm², angles in degrees, points and
/// directions in world (patient) LPS mm like the images. Each height is the length, along
/// `superiorAxisLPS` (tilted with a scoliotic vertebra's coronal tilt), of the run of voxels of that instance crossed by the line through
/// `centreWorldLPS + offset · anteriorAxisLPS` (offsets in `heightOffsetsMM`: anterior, middle,
/// posterior), so it can be re-measured from the instance label map. The dural sac area is taken
/// in the plane through `canalPointLPS` normal to `canalNormalLPS` (classes 4 and 5 together).
/// Vertebrae are written by radiological name ("L4", "S1" for the sacrum), disc levels as "L4-L5".
public struct PhantomTruth: Sendable, Codable {
    public static let currentSchemaVersion = 4

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
        /// Coronal tilt of the body (schema 2): the angle [degrees] by which its superior axis
        /// (`superiorAxisLPS`) leans toward the patient's left (positive) or right (negative) out of the
        /// body's sagittal plane; 0 in a spine without scoliosis.
        public var coronalTiltDeg: Double
        /// The proximal ribs articulating with this vertebra, left then right (schema 3): present for every
        /// thoracic vertebra of the model (T10–T12, and T13 with thirteen thoracic vertebrae), nil for lumbar ones.
        public var ribs: [RibTruth]? = nil
    }

    /// One proximal rib (schema 3): head, neck, tubercle and the first part of the shaft, as built.
    ///
    /// Its voxels carry the class posterior elements and the instance label of its vertebra, and it is a separate
    /// bone: nothing of the column's bone or discs lies within `jointGapMM` of it (the costovertebral and
    /// costotransverse joint spaces), so among the posterior-element voxels of that instance it is a connected
    /// component of its own. Its shape is a sphere (the head, `headRadiusMM`) and tubes of `neckRadiusMM` and
    /// `shaftRadiusMM` along head centre → tubercle → angle → shaft end.
    public struct RibTruth: Sendable, Codable {
        public var side: PhantomParameters.Side
        public var headCentreLPS: [Double]
        /// Distance of the head centre from the vertebra's midsagittal plane [mm].
        public var headLateralOffsetMM: Double
        public var tubercleLPS: [Double]
        public var angleLPS: [Double]
        public var shaftEndLPS: [Double]
        /// Length along head centre → tubercle → angle → shaft end [mm].
        public var lengthMM: Double
        public var headRadiusMM: Double
        public var neckRadiusMM: Double
        public var shaftRadiusMM: Double
        /// Smallest clearance from every other bone and disc [mm].
        public var jointGapMM: Double
    }

    /// A coronal curve (schema 2), measured by Cobb's method (Cobb JR, Instr Course Lect 1948;5:261–275) on the
    /// constructed coronal tilts: the angle between the most tilted vertebrae at its ends.
    public struct CoronalCurveTruth: Sendable, Codable {
        /// End vertebrae: the most tilted pair within the curve's range, cranial first.
        public var upperEnd: Vertebra
        public var lowerEnd: Vertebra
        /// Cobb angle [degrees]: `coronalTiltDeg` of the upper end less that of the lower end, absolute.
        public var cobbDeg: Double
        public var convexSide: PhantomParameters.Side
        /// The requested angle (`PhantomParameters.ScoliosisCurve.cobbDeg`).
        public var targetCobbDeg: Double
    }

    /// Scoliosis (schema 2): the largest coronal Cobb angle over all vertebra pairs and its end vertebrae, and the
    /// constructed curves. Nil for a spine without scoliosis.
    public struct ScoliosisTruth: Sendable, Codable {
        public var cobbDeg: Double
        public var upperEnd: Vertebra
        public var lowerEnd: Vertebra
        public var curves: [CoronalCurveTruth]
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
        /// Dural sac cross-section at the level, on the plane through `canalPointLPS` normal to `canalNormalLPS`
        /// (schema 4: measured, not assumed): the area of what the class map labels spinal canal or cauda equina
        /// there (the CSF, conus and roots inside the sac), integrated on lines along `canalAnteriorLPS` 0.05 mm
        /// apart with each run end found to 10⁻⁴ mm, so bulges, flavum thickening and herniations are reflected
        /// as built; the AP diameter is the sac's length on the line through `canalPointLPS` along
        /// `canalAnteriorLPS`, the width its length on the transverse line through `duralSacCentreLPS`. Without a
        /// herniation the sac is an ellipse and these equal π·AP·width/4, AP and width within 0.5 % (tested).
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
        /// The left and right intervertebral foramen (schema 2).
        public var foramina: [ForamenTruth]
        /// Modic endplate change beside this disc (schema 3); nil when none.
        public var modic: ModicTruth? = nil
        /// Disc herniation at this level (schema 4); nil when none.
        public var herniation: HerniationTruth? = nil
    }

    /// A disc herniation (schema 4), named as in Fardon DF et al., "Lumbar disc nomenclature: version 2.0", Spine J
    /// 2014;14(11):2525–2545: disc material displaced beyond the disc margin over less than 25 % of its
    /// circumference. A protrusion's base is wider than any cut through the material beyond it; an extrusion's
    /// dome is wider than its base and may migrate. Its voxels carry the disc class and the disc's instance label
    /// (annulus signal; an extrusion's dome nucleus signal). Inside the canal it takes the place of epidural fat and
    /// of the dural sac: the sac's cross-section is indented (the measured `duralSacAreaMM2` drops by
    /// `duralSacIndentationMM2` at the level), and a foraminal herniation lies in the foramen on `side`, whose
    /// measured height and area (`ForamenTruth`) it reduces.
    public struct HerniationTruth: Sendable, Codable {
        public var type: PhantomParameters.Herniation.Kind
        public var zone: PhantomParameters.Herniation.Zone
        /// The patient's side (nil for a central herniation).
        public var side: PhantomParameters.Side?
        /// Reach beyond the disc margin [mm].
        public var sizeMM: Double
        /// Craniocaudal displacement of the dome from the disc [mm], positive cranial, negative caudal.
        public var migrationMM: Double
        /// Width of the material where it leaves the disc and its widest width beyond [mm], in the axial plane.
        public var baseWidthMM: Double
        public var domeWidthMM: Double
        /// Lateral offset of its centre from the canal's midline [mm], positive to the patient's left.
        public var lateralOffsetMM: Double
        /// The sac's ellipse area at the level less its measured area [mm²]: what the herniation takes from the sac
        /// on the measurement plane (0 when it does not reach the sac there; includes any other narrowing only
        /// in that the ellipse already does).
        public var duralSacIndentationMM2: Double
    }

    /// A Modic change (schema 3; Modic MT et al., Radiology 1988;166(1):193–199): a band of marrow `depthMM` deep
    /// under the 0.9 mm endplate cortex of each vertebra in `vertebrae` (the disc's upper and/or lower vertebra,
    /// never the sacrum), over the whole endplate, measured along the vertebra's superior axis. Type 1: T1 dark,
    /// T2 and STIR bright (oedema); type 2: T1 and T2 bright, STIR dark (fat). The class and instance labels are
    /// those of the vertebral body.
    public struct ModicTruth: Sendable, Codable {
        public var type: Int
        public var endplates: PhantomParameters.ModicChange.Endplates
        public var depthMM: Double
        public var vertebrae: [Vertebra]
    }

    /// One intervertebral foramen on the parasagittal plane through the upper vertebra's pedicle (schema 2).
    ///
    /// Definitions are SpineKit's (`SpineAnalysis.ForaminalMeasurement`): the plane contains
    /// `planePointLPS` and is spanned by `planeSuperiorLPS` and `planeAnteriorLPS` (the disc's frame; its normal
    /// `planeNormalLPS` points to the patient's left). On it, bone is what the class map calls vertebral body,
    /// posterior elements or sacrum (classes 1, 2, 7), disc is class 3, everything else is open. The foramen
    /// is the 4-connected open region just behind the disc at its mid-plane. Foraminal height [mm] (Hasegawa T
    /// et al., J Bone Joint Surg Am 1995;77(1):32–38): its longest run along `planeSuperiorLPS` with bone
    /// directly above and below (the upper pedicle's inferior margin to the lower pedicle's superior margin)
    /// that holds over 0.5 mm of depth; `peakHeightMM`: the longest such run in any single column, which a
    /// sliver of open space between slanted bone surfaces can make longer than any image resolves (a label map
    /// measurement lies between the two, within a voxel); area [mm²]: its cross-section on the plane;
    /// width [mm]: its longest run along `planeAnteriorLPS`.
    /// Measured by sampling the anatomical model (not the label map) every `sampleStepMM` on the plane.
    /// The plane goes through the middle of the upper pedicle (`planeOffsetMM`, lateral offset from the disc
    /// centre, positive to the left); where bone does not close the foramen there, it is the first plane 1.5,
    /// 3 or 4.5 mm either side within the pedicle that closes it. Height, area, width and grade are nil when
    /// no plane closes it.
    /// `grade` is SpineKit's Lee proxy 0–3 (Lee S et al., AJR 2010;194(4):1095–1098, graded from room, not
    /// fat): the larger of height < 15 / 12 / 8 mm → 1 / 2 / 3 and area < 80 / 55 / 30 mm² → 1 / 2 / 3.
    /// The constructed narrowing (`PhantomParameters.DiscVariation.foraminalNarrowing`, 0–1, as `narrowing`):
    /// a posterolateral disc protrusion `protrusionMM` deep, the articular pillar grown `facetGrowthMM` forward
    /// (facet hypertrophy), a floor raised `floorRiseMM` from the disc's lower surface and a roof lowered
    /// `ceilingDropMM` from the upper pedicle (osteophytes). Disc height loss and slip narrow the foramen too;
    /// they are part of the measured height and area. Lumbar levels only (upper vertebra L1 or below).
    public struct ForamenTruth: Sendable, Codable {
        public var side: PhantomParameters.Side
        public var heightMM: Double?
        public var peakHeightMM: Double?
        public var areaMM2: Double?
        public var widthMM: Double?
        public var grade: Int?
        public var narrowing: Double
        public var protrusionMM: Double
        public var facetGrowthMM: Double
        public var floorRiseMM: Double
        public var ceilingDropMM: Double
        public var planeOffsetMM: Double
        public var planePointLPS: [Double]
        public var planeNormalLPS: [Double]
        public var planeSuperiorLPS: [Double]
        public var planeAnteriorLPS: [Double]
        public var sampleStepMM: Double
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
        /// Respiratory motion ghosting rendered into the series (`MotionGhosting`); absent when none.
        public var motionGhosting: MotionGhosting?
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
    /// Coronal curve (schema 2); nil without scoliosis.
    public var scoliosis: ScoliosisTruth?
    /// The vertebrae that bear ribs, craniocaudally (schema 3; T10, T11, T12 and T13 when present).
    public var ribBearingVertebrae: [Vertebra]?

    public init(
        seed: UInt64, anomaly: EnumerationAnomaly, lumbarCount: Int, thoracicCount: Int, lordosisDeg: Double,
        sacralSlopeDeg: Double, bodyScale: Double, vertebrae: [VertebraTruth], discs: [DiscTruth],
        series: [SeriesTruth], classes: [String: String], labelMaps: [String: String], parameters: PhantomParameters
    ) {
        self.seed = seed
        self.anomaly = anomaly
        self.lumbarCount = lumbarCount
        self.thoracicCount = thoracicCount
        self.lordosisDeg = lordosisDeg
        self.sacralSlopeDeg = sacralSlopeDeg
        self.bodyScale = bodyScale
        self.vertebrae = vertebrae
        self.discs = discs
        self.series = series
        self.classes = classes
        self.labelMaps = labelMaps
        self.parameters = parameters
        scoliosis = Self.scoliosis(vertebrae: vertebrae, curves: parameters.scoliosis)
        ribBearingVertebrae = vertebrae.filter { !($0.ribs ?? []).isEmpty }.map(\.name)
    }

    /// Cobb angles from the vertebrae's coronal tilts: per requested curve the most tilted pair within its range,
    /// and overall the most tilted pair of the spine.
    static func scoliosis(vertebrae v: [VertebraTruth], curves: [PhantomParameters.ScoliosisCurve]) -> ScoliosisTruth? {
        guard !curves.isEmpty else { return nil }
        func largest(_ range: Range<Int>) -> (Int, Int, Double) {
            var best = (range.lowerBound, range.lowerBound, 0.0)
            for i in range {
                for j in range where j > i {
                    let a = abs(v[i].coronalTiltDeg - v[j].coronalTiltDeg)
                    if a > best.2 { best = (i, j, a) }
                }
            }
            return best
        }
        var out: [CoronalCurveTruth] = []
        for c in curves {
            guard let u = v.firstIndex(where: { $0.name == c.upper }),
                let l = v.firstIndex(where: { $0.name == c.lower })
            else { continue }
            let b = largest(u..<(l + 1))
            out.append(
                CoronalCurveTruth(
                    upperEnd: v[b.0].name, lowerEnd: v[b.1].name, cobbDeg: (b.2 * 1000).rounded() / 1000,
                    convexSide: c.convexSide, targetCobbDeg: c.cobbDeg))
        }
        let all = largest(0..<v.count)
        return ScoliosisTruth(
            cobbDeg: (all.2 * 1000).rounded() / 1000, upperEnd: v[all.0].name, lowerEnd: v[all.1].name, curves: out)
    }
}
