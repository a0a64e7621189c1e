/// Where a DICOM object's bytes come from: a file, or an entry of a zip archive.
public enum DICOMSource: Sendable, CustomStringConvertible {
    case file(String)
    case zipEntry(archive: ZipArchive, entry: String)

    public func bytes() throws -> [UInt8] {
        switch self {
        case .file(let path): return try FileIO.read(path)
        case .zipEntry(let archive, let entry): return try archive.extract(entry)
        }
    }

    /// The name used in messages: the path, or `archive.zip:entry`.
    public var description: String {
        switch self {
        case .file(let path): path
        case .zipEntry(let archive, let entry): "\(archive.path):\(entry)"
        }
    }
}

/// The header of one DICOM image object: identity, geometry and pixel format, without pixel data.
///
/// Holds no patient identifiers (name, ID, birth date are never copied out of the data set).
public struct DICOMInstance: Sendable {
    public let source: DICOMSource
    public let transferSyntax: TransferSyntax
    public let sopClassUID: String?
    public let sopInstanceUID: String?
    public let studyInstanceUID: String?
    public let seriesInstanceUID: String?
    public let frameOfReferenceUID: String?
    public let modality: String?
    public let seriesDescription: String?
    public let seriesNumber: Int?
    public let instanceNumber: Int?
    public let echoNumber: Int?
    public let temporalPosition: Int?
    public let rows: Int
    public let columns: Int
    public let samplesPerPixel: Int
    public let photometricInterpretation: String
    public let bitsAllocated: Int
    public let numberOfFrames: Int
    public let gantryTiltDegrees: Double?
    /// Per frame: position, orientation, spacing, rescale (one entry for single-frame objects).
    let frames: [FrameGeometry]
    /// True for enhanced multi-frame objects (per-frame functional groups).
    public let isEnhanced: Bool
    /// Where the in-plane spacing came from.
    public let spacingSource: SpacingSource

    public enum SpacingSource: String, Sendable, Codable {
        case pixelSpacing = "PixelSpacing"
        case imagerPixelSpacing = "ImagerPixelSpacing"
        case unknown
    }

    struct FrameGeometry: Sendable {
        var position: SIMD3<Double>?
        /// Row direction (along i) and column direction (along j), unit vectors in LPS.
        var rowDirection: SIMD3<Double>?
        var columnDirection: SIMD3<Double>?
        /// (along i = between columns, along j = between rows) [mm].
        var pixelSpacing: SIMD2<Double>?
        var sliceThickness: Double?
        var spacingBetweenSlices: Double?
        var rescale: Rescale
    }

    init(source: DICOMSource, file: DICOMFile) throws {
        let ds = file.dataSet
        guard file.hasPixelData else {
            throw ImagingError(
                .noImageData, "DICOM object has no pixel data (SOP class \(ds.string(.sopClassUID) ?? "unknown"))")
        }
        self.source = source
        transferSyntax = file.transferSyntax
        sopClassUID = ds.string(.sopClassUID)
        sopInstanceUID = ds.string(.sopInstanceUID)
        studyInstanceUID = ds.string(.studyInstanceUID)
        seriesInstanceUID = ds.string(.seriesInstanceUID)
        frameOfReferenceUID = ds.string(.frameOfReferenceUID)
        modality = ds.string(.modality)
        seriesDescription = ds.string(.seriesDescription)
        seriesNumber = ds.int(.seriesNumber)
        instanceNumber = ds.int(.instanceNumber)
        echoNumber = ds.int(.echoNumbers)
        temporalPosition = ds.int(.temporalPositionIdentifier)
        rows = ds.int(.rows) ?? 0
        columns = ds.int(.columns) ?? 0
        guard rows > 0, columns > 0 else {
            throw ImagingError.malformed("missing or invalid Rows/Columns (0028,0010/0011)")
        }
        samplesPerPixel = ds.int(.samplesPerPixel) ?? 1
        photometricInterpretation = ds.string(.photometricInterpretation) ?? "MONOCHROME2"
        bitsAllocated = ds.int(.bitsAllocated) ?? 16
        numberOfFrames = max(1, ds.int(.numberOfFrames) ?? 1)
        gantryTiltDegrees = ds.double(.gantryDetectorTilt)

        var spacing = SpacingSource.unknown
        func frameGeometry(_ groups: [DataSet]) -> FrameGeometry {
            // Functional groups (enhanced) first, then the top-level attributes (classic).
            func find(_ seq: DICOMTag, _ tag: DICOMTag) -> [Double] {
                for g in groups {
                    if let item = g.items(seq).first, case let v = item.doubles(tag), !v.isEmpty { return v }
                }
                return ds.doubles(tag)
            }
            let ipp = find(.planePositionSequence, .imagePositionPatient)
            let iop = find(.planeOrientationSequence, .imageOrientationPatient)
            var ps = find(.pixelMeasuresSequence, .pixelSpacing)
            if ps.count >= 2 {
                spacing = .pixelSpacing
            } else {
                ps = ds.doubles(.imagerPixelSpacing)
                if ps.count >= 2 { spacing = .imagerPixelSpacing }
            }
            var rescale = Rescale(ds)
            for g in groups {
                if let item = g.items(.pixelValueTransformationSequence).first,
                    item.contains(.rescaleSlope) || item.contains(.rescaleIntercept)
                {
                    rescale = Rescale(item)
                    break
                }
            }
            var fg = FrameGeometry(rescale: rescale)
            if ipp.count >= 3, ipp[0..<3].allSatisfy(\.isFinite) { fg.position = SIMD3(ipp[0], ipp[1], ipp[2]) }
            if iop.count >= 6, iop[0..<6].allSatisfy(\.isFinite) {
                let r = SIMD3(iop[0], iop[1], iop[2]), c = SIMD3(iop[3], iop[4], iop[5])
                if r.length > 0.5, c.length > 0.5, abs(r.normalized.dot(c.normalized)) < 0.01 {
                    fg.rowDirection = r.normalized
                    fg.columnDirection = c.normalized
                }
            }
            if ps.count >= 2, ps[0] > 0, ps[1] > 0, ps[0].isFinite, ps[1].isFinite {
                fg.pixelSpacing = SIMD2(ps[1], ps[0])
            }
            let thickness = find(.pixelMeasuresSequence, .sliceThickness).first
            fg.sliceThickness = thickness.flatMap { $0 > 0 ? $0 : nil }
            fg.spacingBetweenSlices = find(.pixelMeasuresSequence, .spacingBetweenSlices).first.flatMap {
                $0 > 0 ? $0 : nil
            }
            return fg
        }
        let shared = ds.items(.sharedFunctionalGroupsSequence).first
        let perFrame = ds.items(.perFrameFunctionalGroupsSequence)
        isEnhanced = !perFrame.isEmpty
        if isEnhanced {
            guard perFrame.count == numberOfFrames else {
                throw ImagingError.malformed(
                    "PerFrameFunctionalGroupsSequence has \(perFrame.count) items for \(numberOfFrames) frames")
            }
            frames = perFrame.map { frameGeometry([$0] + (shared.map { [$0] } ?? [])) }
        } else {
            let g = frameGeometry(shared.map { [$0] } ?? [])
            frames = [g]
        }
        spacingSource = spacing
    }

    /// Reads the header of a DICOM file (stopping before pixel data).
    public static func read(_ source: DICOMSource) throws -> DICOMInstance {
        do {
            let file = try DICOMFile.parse(source.bytes(), headerOnly: true)
            return try DICOMInstance(source: source, file: file)
        } catch let e as ImagingError {
            throw e.inFile(source.description)
        }
    }
}
