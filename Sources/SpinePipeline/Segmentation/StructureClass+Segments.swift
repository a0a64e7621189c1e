import SpineAnalysis
import SpineImaging

extension StructureClass {
    /// The SNOMED CT codes a DICOM Segmentation gives this class: (property category, property type).
    ///
    /// Categories from CID 7150; types from CID 7151/7166 where they list one (sacrum, blood vessel, soft
    /// tissue, fat), otherwise the codes other segmentation tools write: vertebral body, intervertebral disc,
    /// deep muscle of back and subcutaneous fatty tissue as TotalSegmentator's SNOMED table
    /// (`resources/totalsegmentator_snomed_mapping.csv`), arch of vertebra and spinal canal from the SNOMED
    /// codes pydicom ships, cauda equina as the TG263→SNOMED CT map of HL7 mCODE. Epidural fat is coded as
    /// fat (tissue); the label says where.
    public var segmentCodes: (category: DICOMCode, type: DICOMCode) {
        switch self {
        case .vertebralBody: (.anatomicalStructure, DICOMCode("SCT", "3572006", "Vertebral body"))
        case .posteriorElements: (.anatomicalStructure, DICOMCode("SCT", "40265002", "Arch of vertebra"))
        case .intervertebralDisc: (.anatomicalStructure, DICOMCode("SCT", "360499006", "Intervertebral disc"))
        case .spinalCanal: (.anatomicalStructure, DICOMCode("SCT", "61853006", "Spinal canal"))
        case .caudaEquina: (.anatomicalStructure, DICOMCode("SCT", "7173007", "Cauda equina"))
        case .epiduralFat: (.tissue, DICOMCode("SCT", "55603005", "Fat"))
        case .sacrum: (.anatomicalStructure, DICOMCode("SCT", "54735007", "Sacrum"))
        case .paraspinalMuscle: (.anatomicalStructure, DICOMCode("SCT", "244849004", "Deep muscle of back"))
        case .subcutaneousFat: (.tissue, DICOMCode("SCT", "67769002", "Subcutaneous fatty tissue"))
        case .bloodVessels: (.tissue, DICOMCode("SCT", "59820001", "Blood vessel"))
        case .otherSoftTissue: (.tissue, DICOMCode("SCT", "87784001", "Soft tissue"))
        }
    }

    /// Label for people: "Spinal canal (thecal sac, CSF)".
    public var displayName: String {
        switch self {
        case .vertebralBody: "Vertebral body"
        case .posteriorElements: "Posterior elements"
        case .intervertebralDisc: "Intervertebral disc"
        case .spinalCanal: "Spinal canal (thecal sac, CSF)"
        case .caudaEquina: "Cauda equina and nerve roots"
        case .epiduralFat: "Epidural fat"
        case .sacrum: "Sacrum"
        case .paraspinalMuscle: "Paraspinal muscle"
        case .subcutaneousFat: "Subcutaneous fat"
        case .bloodVessels: "Blood vessels"
        case .otherSoftTissue: "Other soft tissue"
        }
    }

    /// Display colour (sRGB), shared by the SEG's recommended colours and the report overlays.
    public var displayRGB: SIMD3<UInt8> {
        switch self {
        case .vertebralBody: SIMD3(241, 214, 145)
        case .posteriorElements: SIMD3(232, 146, 62)
        case .intervertebralDisc: SIMD3(70, 150, 255)
        case .spinalCanal: SIMD3(0, 220, 230)
        case .caudaEquina: SIMD3(255, 245, 0)
        case .epiduralFat: SIMD3(255, 150, 200)
        case .sacrum: SIMD3(200, 170, 90)
        case .paraspinalMuscle: SIMD3(205, 60, 60)
        case .subcutaneousFat: SIMD3(170, 120, 255)
        case .bloodVessels: SIMD3(230, 0, 110)
        case .otherSoftTissue: SIMD3(110, 200, 110)
        }
    }

    /// The segment description of this class for a SpineKit semantic label map (label value = raw value).
    public func segmentDescription(algorithmName: String = "SpineKit", algorithmVersion: String? = nil)
        -> SegmentDescription
    {
        let codes = segmentCodes
        return SegmentDescription(
            labelValue: UInt8(rawValue), label: displayName, category: codes.category, type: codes.type,
            algorithmType: .automatic, algorithmName: algorithmName, algorithmVersion: algorithmVersion,
            displayRGB: displayRGB)
    }

    /// All 11 classes as SEG segments, numbered 1–11 like the label values.
    public static func segmentDescriptions(algorithmName: String = "SpineKit", algorithmVersion: String? = nil)
        -> [SegmentDescription]
    {
        allCases.map { $0.segmentDescription(algorithmName: algorithmName, algorithmVersion: algorithmVersion) }
    }
}
