/// Writes a volume as a classic DICOM series: one single-frame image per slice (k), with full
/// image-plane geometry, so any DICOM viewer or toolkit places it exactly where the volume lies.
public enum DICOMSeriesWriter {
    public struct Options: Sendable {
        public var modality = "MR"
        public var seriesDescription = "SpineKit series"
        public var seriesNumber = 1
        public var studyInstanceUID = DICOMWriter.makeUID()
        public var seriesInstanceUID = DICOMWriter.makeUID()
        public var frameOfReferenceUID = DICOMWriter.makeUID()
        /// Rescale applied by readers: modality value = slope × stored + intercept.
        public var rescaleSlope = 1.0
        public var rescaleIntercept = 0.0
        public init() {}
    }

    /// MR Image Storage (used for MR); CT Image Storage for CT; Secondary Capture otherwise.
    static func sopClass(_ modality: String) -> String {
        switch modality {
        case "MR": "1.2.840.10008.5.1.4.1.1.4"
        case "CT": "1.2.840.10008.5.1.4.1.1.2"
        default: "1.2.840.10008.5.1.4.1.1.7"
        }
    }

    /// Writes one file per slice into `folder` (which must exist), named `IM00001.dcm`…; returns the paths.
    /// Stored values are Int16 (signed) or UInt16; other types are rescaled by the options' slope/intercept.
    @discardableResult
    public static func write<S: VoxelScalar>(_ volume: Volume<S>, to folder: String, options: Options = Options())
        throws -> [String]
    {
        let g = volume.geometry
        let signed = S.self != UInt16.self && S.self != UInt8.self
        let plane = g.size.x * g.size.y
        var paths: [String] = []
        for k in 0..<g.size.z {
            var ds = DataSet()
            ds.set(.specificCharacterSet, .CS, "ISO_IR 192")
            ds.set(.imageType, .CS, ["DERIVED", "SECONDARY"])
            ds.set(.sopClassUID, .UI, sopClass(options.modality))
            ds.set(.sopInstanceUID, .UI, DICOMWriter.makeUID())
            ds.set(.modality, .CS, options.modality)
            ds.set(.seriesDescription, .LO, options.seriesDescription)
            ds.set(.studyInstanceUID, .UI, options.studyInstanceUID)
            ds.set(.seriesInstanceUID, .UI, options.seriesInstanceUID)
            ds.set(.frameOfReferenceUID, .UI, options.frameOfReferenceUID)
            ds.set(.seriesNumber, .IS, String(options.seriesNumber))
            ds.set(.instanceNumber, .IS, String(k + 1))
            let p = g.worldLPS(voxelIJK: SIMD3(0, 0, Double(k)))
            ds.set(.imagePositionPatient, decimals: [p.x, p.y, p.z])
            let r = g.direction.column(0), c = g.direction.column(1)
            ds.set(.imageOrientationPatient, decimals: [r.x, r.y, r.z, c.x, c.y, c.z])
            ds.set(.pixelSpacing, decimals: [g.spacing.y, g.spacing.x])
            ds.set(.sliceThickness, decimals: [g.spacing.z])
            ds.set(.spacingBetweenSlices, decimals: [g.spacing.z])
            ds.set(.samplesPerPixel, .US, numbers: [1])
            ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
            ds.set(.rows, .US, numbers: [Double(g.size.y)])
            ds.set(.columns, .US, numbers: [Double(g.size.x)])
            ds.set(.bitsAllocated, .US, numbers: [16])
            ds.set(.bitsStored, .US, numbers: [16])
            ds.set(.highBit, .US, numbers: [15])
            ds.set(.pixelRepresentation, .US, numbers: [signed ? 1 : 0])
            ds.set(.rescaleIntercept, decimals: [options.rescaleIntercept])
            ds.set(.rescaleSlope, decimals: [options.rescaleSlope])
            var pixels = [UInt8]()
            pixels.reserveCapacity(plane * 2)
            for n in 0..<plane {
                let v = (volume.voxels[k * plane + n].doubleValue - options.rescaleIntercept) / options.rescaleSlope
                let word: UInt16 = signed ? UInt16(bitPattern: Int16(clamping: v)) : UInt16(clamping: v)
                pixels.append(UInt8(word & 0xFF))
                pixels.append(UInt8(word >> 8))
            }
            ds.set(.pixelData, .OW, bytes: pixels)
            let path = folder + "/IM\(String(k + 1).leftPadded(5)).dcm"
            try DICOMWriter.write(ds, to: path)
            paths.append(path)
        }
        return paths
    }
}
