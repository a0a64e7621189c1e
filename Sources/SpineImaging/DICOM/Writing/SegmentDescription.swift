/// One segment of a DICOM Segmentation: which label value it takes from a label map and what it is
/// (PS3.3 C.8.20.4 Segment Description Macro).
public struct SegmentDescription: Sendable, Hashable {
    /// How the segment was made, Segment Algorithm Type (0062,0008).
    public enum AlgorithmType: String, Sendable, Hashable {
        case automatic = "AUTOMATIC", semiautomatic = "SEMIAUTOMATIC", manual = "MANUAL"
    }

    /// The label map value whose voxels form this segment (1…255).
    public var labelValue: UInt8
    /// Segment Label (0062,0005): a short human-readable name.
    public var label: String
    /// Segmented Property Category (CID 7150), e.g. `.anatomicalStructure`.
    public var category: DICOMCode
    /// Segmented Property Type (CID 7151 and others), e.g. SNOMED CT "Vertebral body".
    public var type: DICOMCode
    public var algorithmType: AlgorithmType
    /// Segment Algorithm Name (0062,0009); required unless the type is manual.
    public var algorithmName: String?
    /// Algorithm version, written in the Segmentation Algorithm Identification Sequence.
    public var algorithmVersion: String?
    /// Optional free text, Segment Description (0062,0006).
    public var details: String?
    /// Display colour as sRGB 0…255 (written as Recommended Display CIELab Value (0062,000D)).
    public var displayRGB: SIMD3<UInt8>?

    public init(
        labelValue: UInt8, label: String, category: DICOMCode, type: DICOMCode,
        algorithmType: AlgorithmType = .automatic, algorithmName: String? = nil, algorithmVersion: String? = nil,
        details: String? = nil, displayRGB: SIMD3<UInt8>? = nil
    ) {
        self.labelValue = labelValue
        self.label = label
        self.category = category
        self.type = type
        self.algorithmType = algorithmType
        self.algorithmName = algorithmName
        self.algorithmVersion = algorithmVersion
        self.details = details
        self.displayRGB = displayRGB
    }
}
