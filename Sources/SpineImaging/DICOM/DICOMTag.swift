/// A DICOM attribute tag (group, element), e.g. `(0020,0032)` ImagePositionPatient.
public struct DICOMTag: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let group: UInt16
    public let element: UInt16

    public init(_ group: UInt16, _ element: UInt16) {
        self.group = group
        self.element = element
    }

    public init(_ value: UInt32) { self.init(UInt16(value >> 16), UInt16(value & 0xFFFF)) }

    public var value: UInt32 { UInt32(group) << 16 | UInt32(element) }
    public var isPrivate: Bool { group & 1 == 1 }
    public var isGroupLength: Bool { element == 0 }

    public static func < (a: DICOMTag, b: DICOMTag) -> Bool { a.value < b.value }

    public var description: String {
        "(" + String(group, radix: 16, uppercase: true).leftPadded(4) + ","
            + String(element, radix: 16, uppercase: true).leftPadded(4) + ")"
    }

    /// The keyword from the data dictionary (e.g. "PatientName"), if the tag is a standard one.
    public var keyword: String? { DICOMDictionary.entry(for: self)?.keyword }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

// Tags SpineKit reads, by keyword. Values from PS3.6.
extension DICOMTag {
    public static let fileMetaInformationGroupLength = DICOMTag(0x0002, 0x0000)
    public static let mediaStorageSOPClassUID = DICOMTag(0x0002, 0x0002)
    public static let mediaStorageSOPInstanceUID = DICOMTag(0x0002, 0x0003)
    public static let transferSyntaxUID = DICOMTag(0x0002, 0x0010)
    public static let implementationClassUID = DICOMTag(0x0002, 0x0012)
    public static let implementationVersionName = DICOMTag(0x0002, 0x0013)
    public static let specificCharacterSet = DICOMTag(0x0008, 0x0005)
    public static let imageType = DICOMTag(0x0008, 0x0008)
    public static let sopClassUID = DICOMTag(0x0008, 0x0016)
    public static let sopInstanceUID = DICOMTag(0x0008, 0x0018)
    public static let studyDate = DICOMTag(0x0008, 0x0020)
    public static let modality = DICOMTag(0x0008, 0x0060)
    public static let manufacturer = DICOMTag(0x0008, 0x0070)
    public static let seriesDescription = DICOMTag(0x0008, 0x103E)
    public static let patientName = DICOMTag(0x0010, 0x0010)
    public static let patientID = DICOMTag(0x0010, 0x0020)
    public static let bodyPartExamined = DICOMTag(0x0018, 0x0015)
    public static let sliceThickness = DICOMTag(0x0018, 0x0050)
    public static let repetitionTime = DICOMTag(0x0018, 0x0080)
    public static let echoTime = DICOMTag(0x0018, 0x0081)
    public static let spacingBetweenSlices = DICOMTag(0x0018, 0x0088)
    public static let echoNumbers = DICOMTag(0x0018, 0x0086)
    public static let gantryDetectorTilt = DICOMTag(0x0018, 0x1120)
    public static let imagerPixelSpacing = DICOMTag(0x0018, 0x1164)
    public static let viewPosition = DICOMTag(0x0018, 0x5101)
    public static let studyInstanceUID = DICOMTag(0x0020, 0x000D)
    public static let seriesInstanceUID = DICOMTag(0x0020, 0x000E)
    public static let seriesNumber = DICOMTag(0x0020, 0x0011)
    public static let acquisitionNumber = DICOMTag(0x0020, 0x0012)
    public static let instanceNumber = DICOMTag(0x0020, 0x0013)
    public static let patientOrientation = DICOMTag(0x0020, 0x0020)
    public static let imagePositionPatient = DICOMTag(0x0020, 0x0032)
    public static let imageOrientationPatient = DICOMTag(0x0020, 0x0037)
    public static let frameOfReferenceUID = DICOMTag(0x0020, 0x0052)
    public static let temporalPositionIdentifier = DICOMTag(0x0020, 0x0100)
    public static let planePositionSequence = DICOMTag(0x0020, 0x9113)
    public static let planeOrientationSequence = DICOMTag(0x0020, 0x9116)
    public static let samplesPerPixel = DICOMTag(0x0028, 0x0002)
    public static let photometricInterpretation = DICOMTag(0x0028, 0x0004)
    public static let planarConfiguration = DICOMTag(0x0028, 0x0006)
    public static let numberOfFrames = DICOMTag(0x0028, 0x0008)
    public static let rows = DICOMTag(0x0028, 0x0010)
    public static let columns = DICOMTag(0x0028, 0x0011)
    public static let pixelSpacing = DICOMTag(0x0028, 0x0030)
    public static let bitsAllocated = DICOMTag(0x0028, 0x0100)
    public static let bitsStored = DICOMTag(0x0028, 0x0101)
    public static let highBit = DICOMTag(0x0028, 0x0102)
    public static let pixelRepresentation = DICOMTag(0x0028, 0x0103)
    public static let windowCenter = DICOMTag(0x0028, 0x1050)
    public static let windowWidth = DICOMTag(0x0028, 0x1051)
    public static let rescaleIntercept = DICOMTag(0x0028, 0x1052)
    public static let rescaleSlope = DICOMTag(0x0028, 0x1053)
    public static let pixelMeasuresSequence = DICOMTag(0x0028, 0x9110)
    public static let pixelValueTransformationSequence = DICOMTag(0x0028, 0x9145)
    public static let sharedFunctionalGroupsSequence = DICOMTag(0x5200, 0x9229)
    public static let perFrameFunctionalGroupsSequence = DICOMTag(0x5200, 0x9230)
    public static let floatPixelData = DICOMTag(0x7FE0, 0x0008)
    public static let doubleFloatPixelData = DICOMTag(0x7FE0, 0x0009)
    public static let pixelData = DICOMTag(0x7FE0, 0x0010)
    public static let item = DICOMTag(0xFFFE, 0xE000)
    public static let itemDelimitation = DICOMTag(0xFFFE, 0xE00D)
    public static let sequenceDelimitation = DICOMTag(0xFFFE, 0xE0DD)
}
