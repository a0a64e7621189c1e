import Foundation

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
    ///
    /// Each object is read and decoded once, objects in parallel (decoding dominates: JPEG 2000, JPEG-LS…).
    public func loadVolume() throws -> AnyVolume {
        // The distinct objects, in first-use order, and for each slice the object it reads from.
        var sourceIndex: [String: Int] = [:]
        var sources: [DICOMSource] = []
        for slice in slices where sourceIndex[slice.instance.source.description] == nil {
            sourceIndex[slice.instance.source.description] = sources.count
            sources.append(slice.instance.source)
        }
        let decoded = DecodedObjects(count: sources.count)
        let work = sources
        DispatchQueue.concurrentPerform(iterations: work.count) { n in
            let source = work[n]
            do {
                let file = try DICOMFile.parse(source.bytes())
                let pixels = try DICOMPixelData(file: file)
                let frames = try pixels.decodedFrames()
                decoded.set(n, .success((frames, pixels.outputFrame)))
            } catch let e as ImagingError {
                decoded.set(n, .failure(e.inFile(source.description)))
            } catch {
                decoded.set(n, .failure(ImagingError(.unreadable, "\(error)", file: source.description)))
            }
        }
        var storedFrames: [[Int32]] = []
        storedFrames.reserveCapacity(slices.count)
        var rescales: [Rescale] = []
        var descriptor: PixelFrameDescriptor?
        for slice in slices {
            let key = slice.instance.source.description
            guard let n = sourceIndex[key], let result = decoded.results[n] else { continue }
            let (frames, d) = try result.get()
            if let first = descriptor, first != d {
                throw ImagingError(.malformed, "slices of one series differ in pixel format", file: key)
            }
            descriptor = d
            guard slice.frameIndex < frames.count else {
                throw ImagingError(.malformed, "frame \(slice.frameIndex + 1) is missing", file: key)
            }
            storedFrames.append(StoredValues.monochrome(frames[slice.frameIndex], d))
            rescales.append(slice.geometry.rescale)
        }
        guard let descriptor else { throw ImagingError(.noImageData, "series has no slices") }
        return try ModalityVolumeBuilder.build(
            frames: storedFrames, rescales: rescales, descriptor: descriptor, geometry: geometry)
    }
}

/// Results of decoding objects on several threads, each thread writing its own slot.
private final class DecodedObjects: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var results: [Result<([[UInt8]], PixelFrameDescriptor), ImagingError>?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ n: Int, _ r: Result<([[UInt8]], PixelFrameDescriptor), ImagingError>) {
        lock.lock()
        results[n] = r
        lock.unlock()
    }
}
