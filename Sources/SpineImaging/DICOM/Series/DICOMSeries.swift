/// A set of DICOM frames that form one volume: the slices of one series with one orientation,
/// image size and echo, sorted along the slice normal — or one 2D image (a radiograph).
public struct DICOMSeries: Sendable {
    /// One frame of the volume: the object it lives in and its index there.
    struct Slice: Sendable {
        let instance: DICOMInstance
        let frameIndex: Int
        var geometry: DICOMInstance.FrameGeometry { instance.frames[instance.isEnhanced ? frameIndex : 0] }
    }

    public let seriesInstanceUID: String?
    public let modality: String?
    public let seriesDescription: String?
    public let seriesNumber: Int?
    /// Where the volume lies; size.z is the number of slices.
    public let geometry: ImageGeometry
    /// Plain-language notes on anything unusual: missing slices, non-uniform spacing, tilt, unknown spacing.
    public let warnings: [String]
    let slices: [Slice]

    /// The objects that contribute frames, in slice order (each once).
    public var instances: [DICOMInstance] {
        var seen = Set<String>()
        return slices.compactMap { s in seen.insert(s.instance.source.description).inserted ? s.instance : nil }
    }

    public var sliceCount: Int { slices.count }
    public var transferSyntax: TransferSyntax { slices[0].instance.transferSyntax }
    public var spacingSource: DICOMInstance.SpacingSource { slices[0].instance.spacingSource }

    /// A short identifier for choosing a series on the command line: the Series Instance UID, with a suffix when one UID was split.
    public var identifier: String

    init(slices: [Slice], geometry: ImageGeometry, warnings: [String], identifier: String) {
        let first = slices[0].instance
        self.slices = slices
        self.geometry = geometry
        self.warnings = warnings
        self.identifier = identifier
        seriesInstanceUID = first.seriesInstanceUID
        modality = first.modality
        seriesDescription = first.seriesDescription
        seriesNumber = first.seriesNumber
    }

    /// Decodes every slice and returns the volume (modality LUT applied, MONOCHROME1 inverted).
    public func loadVolume() throws -> AnyVolume {
        var storedFrames: [[Int32]] = []
        storedFrames.reserveCapacity(slices.count)
        var rescales: [Rescale] = []
        var descriptor: PixelFrameDescriptor?
        // Decode each object once, even when it holds many frames.
        var cache: (source: String, frames: [[UInt8]], descriptor: PixelFrameDescriptor)?
        for slice in slices {
            let key = slice.instance.source.description
            if cache?.source != key {
                do {
                    let file = try DICOMFile.parse(slice.instance.source.bytes())
                    let pixels = try DICOMPixelData(file: file)
                    cache = (key, try pixels.decodedFrames(), pixels.outputFrame)
                } catch let e as ImagingError {
                    throw e.inFile(key)
                }
            }
            guard let c = cache else { continue }
            if let d = descriptor, d != c.descriptor {
                throw ImagingError(.malformed, "slices of one series differ in pixel format", file: key)
            }
            descriptor = c.descriptor
            guard slice.frameIndex < c.frames.count else {
                throw ImagingError(.malformed, "frame \(slice.frameIndex + 1) is missing", file: key)
            }
            storedFrames.append(StoredValues.monochrome(c.frames[slice.frameIndex], c.descriptor))
            rescales.append(slice.geometry.rescale)
        }
        guard let descriptor else { throw ImagingError(.noImageData, "series has no slices") }
        return try ModalityVolumeBuilder.build(frames: storedFrames, rescales: rescales, descriptor: descriptor, geometry: geometry)
    }
}
