/// A coded concept as DICOM writes it in a code sequence item (PS3.3 Table 8.8-1): scheme, value, meaning.
///
/// `SCT` is SNOMED CT, `DCM` the DICOM Controlled Terminology (PS3.16).
public struct DICOMCode: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Coding Scheme Designator (0008,0102), e.g. "SCT".
    public var scheme: String
    /// Code Value (0008,0100), e.g. "3572006".
    public var value: String
    /// Code Meaning (0008,0104), e.g. "Vertebral body".
    public var meaning: String

    public init(_ scheme: String, _ value: String, _ meaning: String) {
        self.scheme = scheme
        self.value = value
        self.meaning = meaning
    }

    /// "(3572006, SCT, "Vertebral body")", the notation of PS3.16.
    public var description: String { "(\(value), \(scheme), \"\(meaning)\")" }

    /// The code as one item of a code sequence.
    public var item: DataSet {
        var ds = DataSet()
        ds.set(.codeValue, .SH, value)
        ds.set(.codingSchemeDesignator, .SH, scheme)
        ds.set(.codeMeaning, .LO, meaning)
        return ds
    }

    /// Reads a code sequence item; nil when value or scheme is missing.
    public init?(item: DataSet) {
        guard let value = item.string(.codeValue), let scheme = item.string(.codingSchemeDesignator) else { return nil }
        self.init(scheme, value, item.string(.codeMeaning) ?? "")
    }
}

extension DICOMCode {
    /// CID 7150 segmentation property categories.
    public static let anatomicalStructure = DICOMCode("SCT", "91723000", "Anatomical Structure")
    public static let tissue = DICOMCode("SCT", "85756007", "Tissue")
    /// CID 7203 image derivation: the frame is a segmentation of the source.
    public static let segmentationDerivation = DICOMCode("DCM", "113076", "Segmentation")
    /// CID 7202 purpose of reference of a source image.
    public static let sourceImageForProcessing = DICOMCode(
        "DCM", "121322", "Source image for image processing operation")
    /// CID 7162 algorithm family.
    public static let artificialIntelligence = DICOMCode("DCM", "123110", "Artificial Intelligence")
}
