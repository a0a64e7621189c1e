/// The known answer of a set of synthetic radiographs (`xray-truth.json`), versioned.
///
/// Schema 2 added `findings` (osteophytes and instrumentation) and their Osteophytes and Surgical implant boxes.
/// Schema 3 boxes all seven classes: Foraminal stenosis on lateral views (a level whose left or right foraminal
/// truth is Lee grade 2 or worse, `RadiographTruthBuilder.foraminalStenosisGrade`) and Other lesions (focal sclerotic
/// or lytic bone lesions, `findings.boneLesions`); and adds `apCorners`, four endplate corners per body on AP views.
///
/// Pixel coordinates are `[x, y]` = `[column, row]`, 0-based, with integer values at pixel centres
/// (row 0 at the top of the image). Boxes are `[xMin, yMin, xMax, yMax]` in the same frame, as in the
/// VinDr-SpineXR annotations (Nguyen HT et al., "VinDr-SpineXR", MICCAI 2021).
public struct RadiographTruth: Sendable, Codable {
    public static let currentSchemaVersion = 3

    /// The seven lesion classes of VinDr-SpineXR, spelled as in its annotation files.
    public enum LesionClass: String, Sendable, Codable, CaseIterable {
        case osteophytes = "Osteophytes"
        case surgicalImplant = "Surgical implant"
        /// Spelled "Spondylolysthesis" in the VinDr-SpineXR CSV files.
        case spondylolisthesis = "Spondylolysthesis"
        case foraminalStenosis = "Foraminal stenosis"
        case discSpaceNarrowing = "Disc space narrowing"
        case vertebralCollapse = "Vertebral collapse"
        case otherLesions = "Other lesions"
    }

    /// The projected corners of a vertebral body's midsagittal outline (lateral views) [pixels].
    public struct Corners: Sendable, Codable {
        public var anteriorSuperior: [Double]
        public var posteriorSuperior: [Double]
        public var posteriorInferior: [Double]
        public var anteriorInferior: [Double]

        public var all: [[Double]] { [anteriorSuperior, posteriorSuperior, posteriorInferior, anteriorInferior] }
    }

    /// The projected endplate corners of a vertebral body on an AP view (schema 3) [pixels], as VertXNet marks
    /// them: the lateral ends of the superior and inferior endplate rims, on the patient's right (the viewer's
    /// left) and left, through the body's coronal shift and tilt.
    public struct CoronalCorners: Sendable, Codable {
        public var rightSuperior: [Double]
        public var leftSuperior: [Double]
        public var leftInferior: [Double]
        public var rightInferior: [Double]

        /// Clockwise on the image from the top left.
        public var all: [[Double]] { [rightSuperior, leftSuperior, leftInferior, rightInferior] }
    }

    public struct BodyTruth: Sendable, Codable {
        public var name: Vertebra
        /// Value of this body in the label image (VerSe numbering).
        public var label: UInt8
        /// Projected body centre [pixels].
        public var centre: [Double]
        /// Corner landmarks (lateral views only; nil on AP views).
        public var corners: Corners?
        /// Endplate corner landmarks (AP views only, schema 3; nil on lateral views).
        public var apCorners: CoronalCorners?
    }

    public struct Box: Sendable, Codable {
        /// `[xMin, yMin, xMax, yMax]` [pixels].
        public var box: [Double]
        /// The vertebra ("L1") or disc level ("L4-L5") the finding belongs to.
        public var level: String
    }

    public struct LesionBoxes: Sendable, Codable {
        public var lesionClass: LesionClass
        public var boxes: [Box]
    }

    public struct ImageTruth: Sendable, Codable {
        public var view: RadiographView
        public var dicomFile: String?
        /// 8-bit PNG of projected vertebral bodies (VerSe labels, 0 = none).
        public var labelFile: String?
        public var rows: Int
        public var columns: Int
        /// Detector pixel pitch [mm] (row spacing, column spacing), as DICOM ImagerPixelSpacing.
        public var imagerPixelSpacingMM: [Double]
        /// Pixel spacing corrected for magnification at the isocentre [mm], as DICOM PixelSpacing.
        public var pixelSpacingMM: [Double]
        public var sourceImageDistanceMM: Double
        /// Source to isocentre (the central-ray point in the patient's midline) [mm].
        public var sourceIsocentreDistanceMM: Double
        /// SID / source–isocentre distance.
        public var magnification: Double
        public var sourceLPS: [Double]
        /// World LPS of the centre of pixel (0, 0) and the unit directions of increasing column and row.
        public var detectorOriginLPS: [Double]
        public var rowDirectionLPS: [Double]
        public var columnDirectionLPS: [Double]
        public var photometricInterpretation: String
        /// Open (uncollimated) field `[xMin, yMin, xMax, yMax]` [pixels]; outside it pixels are 0 (MONOCHROME2 sense).
        public var collimationBox: [Double]
        /// "L" or "R" and where its lead marker lies [pixels].
        public var sideMarker: String
        public var sideMarkerBox: [Double]
        /// Unattenuated quanta per mm² at the detector (set by automatic exposure control), and the scatter kernel weight.
        public var exposureQuantaPerMM2: Double
        public var scatterWeight: Double
        /// Vertebral bodies wholly inside the open field, craniocaudally.
        public var vertebrae: [BodyTruth]
        /// "normal" or "abnormal" (any lesion box).
        public var label: String
        /// Boxes for each of the seven VinDr-SpineXR classes, in the classes' order (empty where none):
        /// osteophytes, surgical implant, spondylolisthesis (lateral views), foraminal stenosis (lateral views: the
        /// foramina of a level graded 2–3 on either side), disc space narrowing, vertebral collapse and other lesions
        /// (each focal bone lesion of `findings.boneLesions`, the whole sphere).
        public var lesions: [LesionBoxes]
    }

    public var schemaVersion = Self.currentSchemaVersion
    public var generator = "SpineKit SpinePhantom radiograph"
    public var seed: UInt64
    public var effectiveEnergyKeV = XRayAttenuation.effectiveEnergyKeV
    public var images: [ImageTruth]
    public var parameters: PhantomParameters
    /// Osteophytes, instrumentation and focal bone lesions drawn in the radiographs only (not in `SpineModel` nor
    /// its MRI).
    public var findings: RadiographFindings
}
