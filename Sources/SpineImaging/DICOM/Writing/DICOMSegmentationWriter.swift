import Foundation

/// Writes a label map as a DICOM Segmentation object (Segmentation Storage, PS3.3 A.51): binary
/// segments, bit-packed 1-bit frames, enhanced multi-frame functional groups, each frame derived
/// from the source image it lies on.
///
/// The SEG belongs to the source study: it takes the source's Study Instance UID and Frame of
/// Reference, and copies the Patient and General Study module attributes (never logged or put in
/// an error). Only frames that contain their segment are written; frames are ordered by segment,
/// then by slice along the slice normal.
public enum DICOMSegmentationWriter {
    /// Segmentation Storage SOP Class.
    public static let sopClassUID = "1.2.840.10008.5.1.4.1.1.66.4"

    public struct Options: Sendable {
        public var seriesDescription = "SpineKit segmentation"
        public var seriesNumber = 901
        public var instanceNumber = 1
        /// Content Label (0070,0080): a code string (upper case, digits, space, underscore; ≤ 16 characters).
        public var contentLabel = "SPINEKIT_SEG"
        public var contentDescription = "Lumbar spine structures"
        /// Content Creator's Name (0070,0084): the person who made or checked the content ("Family^Given");
        /// empty by default (type 2), as the segments name the algorithm that made them.
        public var contentCreatorName = ""
        public var manufacturer = "SpineKit"
        public var manufacturerModelName = "SpineKit"
        public var deviceSerialNumber = "0"
        public var softwareVersions = "0.1"
        public var seriesInstanceUID = DICOMWriter.makeUID()
        public var sopInstanceUID = DICOMWriter.makeUID()
        /// Content and instance creation date/time.
        public var date = Date()
        /// Largest allowed difference between the label map's and the source's grid: origin and
        /// spacing [mm], direction cosines [unitless].
        public var positionToleranceMM = 0.01
        public var directionTolerance = 1e-3
        public init() {}
    }

    /// Writes the SEG file atomically.
    /// - Parameters:
    ///   - labels: label map on the source's grid (`source.geometry`: same size, spacing, origin, direction).
    ///   - source: the series the labels were made from; its files must still be readable (the header of
    ///     the first object is read for the patient and study attributes).
    ///   - segments: one per segment, in segment-number order (1, 2, …); each takes the voxels equal to its label value.
    public static func write(
        labels: Volume<UInt8>, source: DICOMSeries, segments: [SegmentDescription], to path: String,
        options: Options = Options()
    ) throws {
        let ds = try encode(labels: labels, source: source, segments: segments, options: options)
        do {
            try DICOMWriter.write(ds, to: path)
        } catch let e as ImagingError {
            throw e.inFile(path)
        }
    }

    /// Builds the SEG data set (without file meta information; `DICOMWriter.encode` adds it).
    public static func encode(
        labels: Volume<UInt8>, source: DICOMSeries, segments: [SegmentDescription], options: Options = Options()
    ) throws -> DataSet {
        try check(labels.geometry, against: source, options: options)
        try check(segments)
        let slices = source.slices
        for (k, slice) in slices.enumerated()
        where slice.instance.sopInstanceUID == nil || slice.instance.sopClassUID == nil {
            throw ImagingError(
                .invalidArgument, "source slice \(k + 1) has no SOP Class/Instance UID (0008,0016/0018) to reference",
                file: slice.instance.source.description)
        }
        guard let first = source.instances.first else {
            throw ImagingError(.invalidArgument, "source series has no images")
        }
        let header: DataSet
        do {
            header = try DICOMFile.parse(first.source.bytes(), headerOnly: true).dataSet
        } catch let e as ImagingError {
            throw e.inFile(first.source.description)
        }

        var ds = DataSet()
        ds.set(.specificCharacterSet, .CS, "ISO_IR 192")
        ds.set(.sopClassUID, .UI, sopClassUID)
        ds.set(.sopInstanceUID, .UI, options.sopInstanceUID)
        let (date, time) = dicomDateTime(options.date)
        ds.set(.instanceCreationDate, .DA, date)
        ds.set(.instanceCreationTime, .TM, time)
        ds.set(.contentDate, .DA, date)
        ds.set(.contentTime, .TM, time)

        copyPatientAndStudy(from: header, studyInstanceUID: first.studyInstanceUID, into: &ds)

        // General and Segmentation Series; Frame of Reference; equipment.
        ds.set(.modality, .CS, "SEG")
        ds.set(.seriesInstanceUID, .UI, options.seriesInstanceUID)
        ds.set(.seriesNumber, .IS, String(options.seriesNumber))
        ds.set(.seriesDescription, .LO, options.seriesDescription)
        ds.set(.frameOfReferenceUID, .UI, first.frameOfReferenceUID ?? DICOMWriter.makeUID())
        ds.set(.positionReferenceIndicator, .LO, [String]())
        ds.set(.manufacturer, .LO, options.manufacturer)
        ds.set(.manufacturerModelName, .LO, options.manufacturerModelName)
        ds.set(.deviceSerialNumber, .LO, options.deviceSerialNumber)
        ds.set(.softwareVersions, .LO, options.softwareVersions)

        // Segmentation Image module.
        ds.set(.imageType, .CS, ["DERIVED", "PRIMARY"])
        ds.set(.instanceNumber, .IS, String(options.instanceNumber))
        ds.set(.contentLabel, .CS, options.contentLabel)
        ds.set(.contentDescription, .LO, options.contentDescription)
        ds.set(.contentCreatorName, .PN, options.contentCreatorName.isEmpty ? [] : [options.contentCreatorName])
        ds.set(.segmentationType, .CS, "BINARY")
        ds.set(.segmentsOverlap, .CS, Set(segments.map(\.labelValue)).count == segments.count ? "NO" : "YES")
        ds.set(.segmentSequence, items: segments.enumerated().map { segmentItem($1, number: $0 + 1) })
        ds.set(.samplesPerPixel, .US, numbers: [1])
        ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
        let g = labels.geometry
        ds.set(.rows, .US, numbers: [Double(g.size.y)])
        ds.set(.columns, .US, numbers: [Double(g.size.x)])
        ds.set(.bitsAllocated, .US, numbers: [1])
        ds.set(.bitsStored, .US, numbers: [1])
        ds.set(.highBit, .US, numbers: [0])
        ds.set(.pixelRepresentation, .US, numbers: [0])
        ds.set(.lossyImageCompression, .CS, "00")

        // Common Instance Reference: every source image, by series.
        var referenced = DataSet()
        referenced.set(.seriesInstanceUID, .UI, source.seriesInstanceUID ?? first.seriesInstanceUID ?? "")
        referenced.set(
            .referencedInstanceSequence,
            items: source.instances.map { inst in
                var item = DataSet()
                item.set(.referencedSOPClassUID, .UI, inst.sopClassUID ?? "")
                item.set(.referencedSOPInstanceUID, .UI, inst.sopInstanceUID ?? "")
                return item
            })
        ds.set(.referencedSeriesSequence, items: [referenced])

        // Dimensions: segment number, then position along the slice normal.
        let dimensionUID = DICOMWriter.makeUID()
        var organization = DataSet()
        organization.set(.dimensionOrganizationUID, .UI, dimensionUID)
        ds.set(.dimensionOrganizationSequence, items: [organization])
        ds.set(.dimensionOrganizationType, .CS, "3D")
        func dimension(_ pointer: DICOMTag, _ group: DICOMTag, _ label: String) -> DataSet {
            var item = DataSet()
            item.set(.dimensionOrganizationUID, .UI, dimensionUID)
            item.set(.dimensionIndexPointer, .AT, bytes: attributeTag(pointer))
            item.set(.functionalGroupPointer, .AT, bytes: attributeTag(group))
            item.set(.dimensionDescriptionLabel, .LO, label)
            return item
        }
        ds.set(
            .dimensionIndexSequence,
            items: [
                dimension(.referencedSegmentNumber, .segmentIdentificationSequence, "Segment Number"),
                dimension(.imagePositionPatient, .planePositionSequence, "Image Position Patient"),
            ])

        // Shared functional groups: orientation and pixel measures.
        var shared = DataSet()
        let r = g.direction.column(0), c = g.direction.column(1)
        var orientation = DataSet()
        orientation.set(.imageOrientationPatient, decimals: [r.x, r.y, r.z, c.x, c.y, c.z])
        shared.set(.planeOrientationSequence, items: [orientation])
        var measures = DataSet()
        measures.set(.pixelSpacing, decimals: [g.spacing.y, g.spacing.x])
        measures.set(.sliceThickness, decimals: [slices[0].geometry.sliceThickness ?? g.spacing.z])
        measures.set(.spacingBetweenSlices, decimals: [g.spacing.z])
        shared.set(.pixelMeasuresSequence, items: [measures])
        ds.set(.sharedFunctionalGroupsSequence, items: [shared])

        // Frames: one per (segment, slice) that holds the segment.
        let plane = g.size.x * g.size.y
        var perFrame: [DataSet] = []
        var bits = BitPacker()
        for (n, segment) in segments.enumerated() {
            for k in 0..<g.size.z {
                let base = k * plane
                var present = false
                for p in 0..<plane where labels.voxels[base + p] == segment.labelValue {
                    present = true
                    break
                }
                guard present else { continue }
                for p in 0..<plane { bits.append(labels.voxels[base + p] == segment.labelValue) }
                perFrame.append(frameItem(segment: n + 1, sliceIndex: k, slice: slices[k], geometry: g))
            }
        }
        guard !perFrame.isEmpty else {
            throw ImagingError(
                .invalidArgument,
                "the label map holds none of the \(segments.count) segments' label values: nothing to write")
        }
        ds.set(.numberOfFrames, .IS, String(perFrame.count))
        ds.set(.perFrameFunctionalGroupsSequence, items: perFrame)
        ds.set(.pixelData, .OB, bytes: bits.bytes)
        return ds
    }

    // MARK: Parts

    static func segmentItem(_ s: SegmentDescription, number: Int) -> DataSet {
        var item = DataSet()
        item.set(.segmentedPropertyCategoryCodeSequence, items: [s.category.item])
        item.set(.segmentNumber, .US, numbers: [Double(number)])
        item.set(.segmentLabel, .LO, s.label)
        if let d = s.details { item.set(.segmentDescription, .ST, d) }
        item.set(.segmentAlgorithmType, .CS, s.algorithmType.rawValue)
        if s.algorithmType != .manual {
            let name = s.algorithmName ?? "SpineKit"
            item.set(.segmentAlgorithmName, .LO, name)
            var algorithm = DataSet()
            algorithm.set(.algorithmFamilyCodeSequence, items: [DICOMCode.artificialIntelligence.item])
            algorithm.set(.algorithmVersion, .LO, s.algorithmVersion ?? "unknown")
            algorithm.set(.algorithmName, .LO, name)
            item.set(.segmentationAlgorithmIdentificationSequence, items: [algorithm])
        }
        if let rgb = s.displayRGB { item.set(.recommendedDisplayCIELabValue, .US, numbers: cieLab(rgb)) }
        item.set(.segmentedPropertyTypeCodeSequence, items: [s.type.item])
        return item
    }

    static func frameItem(segment: Int, sliceIndex k: Int, slice: DICOMSeries.Slice, geometry g: ImageGeometry)
        -> DataSet
    {
        var item = DataSet()
        var content = DataSet()
        content.set(.dimensionIndexValues, .UL, numbers: [Double(segment), Double(k + 1)])
        item.set(.frameContentSequence, items: [content])
        // The source's own position, so the frame matches its image exactly; the grid's otherwise.
        let p = slice.geometry.position ?? g.worldLPS(voxelIJK: SIMD3(0, 0, Double(k)))
        var position = DataSet()
        position.set(.imagePositionPatient, decimals: [p.x, p.y, p.z])
        item.set(.planePositionSequence, items: [position])
        var identification = DataSet()
        identification.set(.referencedSegmentNumber, .US, numbers: [Double(segment)])
        item.set(.segmentIdentificationSequence, items: [identification])
        var sourceImage = DataSet()
        sourceImage.set(.referencedSOPClassUID, .UI, slice.instance.sopClassUID ?? "")
        sourceImage.set(.referencedSOPInstanceUID, .UI, slice.instance.sopInstanceUID ?? "")
        if slice.instance.numberOfFrames > 1 {
            sourceImage.set(.referencedFrameNumber, .IS, String(slice.frameIndex + 1))
        }
        sourceImage.set(.purposeOfReferenceCodeSequence, items: [DICOMCode.sourceImageForProcessing.item])
        sourceImage.set(.spatialLocationsPreserved, .CS, "YES")
        var derivation = DataSet()
        derivation.set(.derivationCodeSequence, items: [DICOMCode.segmentationDerivation.item])
        derivation.set(.sourceImageSequence, items: [sourceImage])
        item.set(.derivationImageSequence, items: [derivation])
        return item
    }

    /// Copies the Patient module and General Study module attributes, text re-encoded as UTF-8.
    /// Type 2 attributes are written empty when the source lacks them.
    static func copyPatientAndStudy(from header: DataSet, studyInstanceUID: String?, into ds: inout DataSet) {
        let type2: [(DICOMTag, VR)] = [
            (.patientName, .PN), (.patientID, .LO), (.patientBirthDate, .DA), (.patientSex, .CS),
            (.studyDate, .DA), (.studyTime, .TM), (.referringPhysicianName, .PN), (.studyID, .SH),
            (.accessionNumber, .SH),
        ]
        var type3: [(DICOMTag, VR)] = [
            (.issuerOfPatientID, .LO), (.deidentificationMethod, .LO), (.studyDescription, .LO),
        ]
        // Patient Identity Removed needs a de-identification method (1C); without one, leave both out
        // rather than repeat the source's omission.
        let methods = header.items(.deidentificationMethodCodeSequence)
        if header.string(.deidentificationMethod) != nil || !methods.isEmpty {
            type3.append((.patientIdentityRemoved, .CS))
            if !methods.isEmpty { ds.set(.deidentificationMethodCodeSequence, items: methods) }
        }
        for (tag, vr) in type2 + type3 {
            let values = header.strings(tag)
            if values.isEmpty || values.allSatisfy(\.isEmpty) {
                if type2.contains(where: { $0.0 == tag }) { ds.set(tag, vr, [String]()) }
            } else {
                ds.set(tag, vr, values)
            }
        }
        ds.set(.studyInstanceUID, .UI, studyInstanceUID ?? header.string(.studyInstanceUID) ?? DICOMWriter.makeUID())
    }

    // MARK: Checks

    static func check(_ g: ImageGeometry, against source: DICOMSeries, options: Options) throws {
        let s = source.geometry
        guard g.size == s.size, source.sliceCount == s.size.z else {
            throw ImagingError(
                .invalidGeometry,
                "label map is \(g.size.x)×\(g.size.y)×\(g.size.z), source series is \(s.size.x)×\(s.size.y)×\(s.size.z): resample the labels onto the source grid"
            )
        }
        let tol = options.positionToleranceMM
        let spacingOK = (0..<3).allSatisfy { abs(g.spacing[$0] - s.spacing[$0]) <= tol }
        let originOK = (g.origin - s.origin).length <= tol
        let directionOK = zip(g.direction.elements, s.direction.elements).allSatisfy {
            abs($0 - $1) <= options.directionTolerance
        }
        guard spacingOK, originOK, directionOK else {
            throw ImagingError(
                .invalidGeometry,
                "label map does not lie on the source series' grid (spacing, origin or orientation differ): resample the labels onto the source grid"
            )
        }
    }

    static func check(_ segments: [SegmentDescription]) throws {
        guard !segments.isEmpty else { throw ImagingError(.invalidArgument, "no segments to write") }
        guard segments.count <= 0xFFFF else {
            throw ImagingError(.invalidArgument, "\(segments.count) segments: at most 65535")
        }
        for (n, s) in segments.enumerated() {
            guard s.labelValue > 0 else {
                throw ImagingError(.invalidArgument, "segment \(n + 1) uses label value 0 (background)")
            }
            guard !s.label.isEmpty, !s.category.value.isEmpty, !s.type.value.isEmpty else {
                throw ImagingError(.invalidArgument, "segment \(n + 1) needs a label, a category code and a type code")
            }
        }
    }

    // MARK: Encoding helpers

    /// An attribute tag as an AT value: group then element, little-endian.
    static func attributeTag(_ t: DICOMTag) -> [UInt8] {
        [UInt8(t.group & 0xFF), UInt8(t.group >> 8), UInt8(t.element & 0xFF), UInt8(t.element >> 8)]
    }

    /// DICOM DA and TM strings (UTC) of a date.
    static func dicomDateTime(_ d: Date) -> (String, String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        let date = String(format: "%04d%02d%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
        let time = String(format: "%02d%02d%02d", c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        return (date, time)
    }

    /// sRGB (0…255) to the DICOM-scaled CIELab triplet of Recommended Display CIELab Value (PS3.3 C.10.7.1.1):
    /// L* 0…100 → 0…65535, a*, b* −128…127 → 0…65535; D65 reference white.
    static func cieLab(_ rgb: SIMD3<UInt8>) -> [Double] {
        func linear(_ v: UInt8) -> Double {
            let c = Double(v) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        let r = linear(rgb.x), gr = linear(rgb.y), b = linear(rgb.z)
        let x = (0.4124564 * r + 0.3575761 * gr + 0.1804375 * b) / 0.95047
        let y = (0.2126729 * r + 0.7151522 * gr + 0.0721750 * b) / 1.0
        let z = (0.0193339 * r + 0.1191920 * gr + 0.9503041 * b) / 1.08883
        func f(_ t: Double) -> Double { t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116 }
        let l = 116 * f(y) - 16, a = 500 * (f(x) - f(y)), bb = 200 * (f(y) - f(z))
        return [
            (max(0, min(100, l)) * 65535 / 100).rounded(),
            ((max(-128, min(127, a)) + 128) * 65535 / 255).rounded(),
            ((max(-128, min(127, bb)) + 128) * 65535 / 255).rounded(),
        ]
    }
}

/// Packs bits least significant first, continuing across frame boundaries (PS3.5 §8.1.1).
struct BitPacker {
    private(set) var bytes: [UInt8] = []
    private var count = 0

    mutating func append(_ bit: Bool) {
        if count & 7 == 0 { bytes.append(0) }
        if bit { bytes[bytes.count - 1] |= UInt8(1) << UInt8(count & 7) }
        count += 1
    }
}
