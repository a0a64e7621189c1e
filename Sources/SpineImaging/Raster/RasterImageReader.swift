/// Reads 2D raster images (PNG and JPEG radiographs, photographs of films) into a `Volume`.
///
/// The format is chosen by magic bytes, never by file extension. The result is a 2D volume
/// (depth 1): `UInt8` voxels for 8-bit images, `UInt16` for 16-bit PNG. Colour is converted to
/// gray by Rec. 601 luma, `Y = (299 R + 587 G + 114 B + 500) / 1000` in integers (exact rounding,
/// no gamma handling); alpha is ignored; palettes are expanded first; gray PNG below 8 bits is
/// scaled to 8 bits by bit replication.
///
/// Geometry: image column → voxel axis i, image row (top to bottom) → axis j, identity direction,
/// origin 0, spacing `pixelSpacingMM` (column spacing, row spacing) [mm] or 1 mm when nil: a
/// raster file carries no trustworthy patient geometry.
public enum RasterImageReader {
    /// Reads a PNG or JPEG file.
    /// - Parameters:
    ///   - path: the file; errors name it.
    ///   - pixelSpacingMM: (along a row = between columns, along a column = between rows) [mm].
    public static func read(path: String, pixelSpacingMM: SIMD2<Double>? = nil) throws -> AnyVolume {
        let bytes = try FileIO.read(path)
        do {
            return try read(bytes: bytes, pixelSpacingMM: pixelSpacingMM)
        } catch let error as ImagingError {
            throw error.inFile(path)
        }
    }

    /// Reads a PNG or JPEG image held in memory (see `read(path:pixelSpacingMM:)`).
    public static func read(bytes: [UInt8], pixelSpacingMM: SIMD2<Double>? = nil) throws -> AnyVolume {
        let spacing = pixelSpacingMM ?? SIMD2(1, 1)
        guard spacing.x > 0, spacing.y > 0, spacing.x.isFinite, spacing.y.isFinite else {
            throw ImagingError(.invalidArgument, "pixel spacing must be positive, got \(spacing.x)×\(spacing.y) mm")
        }
        func geometry(_ width: Int, _ height: Int) -> ImageGeometry {
            ImageGeometry(size: SIMD3(width, height, 1), spacing: SIMD3(spacing.x, spacing.y, 1))
        }
        if LibPNG.isPNG(bytes) {
            let image = try LibPNG.decode(bytes)
            let g = geometry(image.width, image.height)
            if image.bitDepth == 16 {
                var samples = [UInt16](repeating: 0, count: image.bytes.count / 2)
                for i in samples.indices {
                    samples[i] = UInt16(image.bytes[2 * i]) | UInt16(image.bytes[2 * i + 1]) << 8
                }
                return .uint16(Volume(geometry: g, voxels: gray(samples, channels: image.channels)))
            }
            return .uint8(Volume(geometry: g, voxels: gray(image.bytes, channels: image.channels)))
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            let header = try JPEGFrameHeader(bytes)
            if header.isLossless {
                // Lossless JPEG files (rare outside DICOM) decode in Swift.
                let frame = PixelFrameDescriptor(
                    rows: header.height, columns: header.width, samplesPerPixel: header.components,
                    bitsAllocated: header.precision > 8 ? 16 : 8, bitsStored: header.precision, isSigned: false,
                    photometricInterpretation: header.components == 3 ? "RGB" : "MONOCHROME2")
                let raw = try JPEGLosslessDecoder.decode(bytes, frame: frame)
                let g = geometry(header.width, header.height)
                if frame.bitsAllocated == 16 {
                    var samples = [UInt16](repeating: 0, count: raw.count / 2)
                    for i in samples.indices { samples[i] = UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8 }
                    return .uint16(Volume(geometry: g, voxels: gray(samples, channels: header.components)))
                }
                return .uint8(Volume(geometry: g, voxels: gray(raw, channels: header.components)))
            }
            let image = try LibJPEG.decodeImage(bytes)
            return .uint8(
                Volume(
                    geometry: geometry(image.width, image.height), voxels: gray(image.pixels, channels: image.channels))
            )
        }
        throw ImagingError.unsupported("not a PNG or JPEG image (unrecognised magic bytes)")
    }

    /// Rec. 601 luma of interleaved RGB samples (identity for one channel).
    static func gray<T: FixedWidthInteger & UnsignedInteger>(_ samples: [T], channels: Int) -> [T] {
        guard channels == 3 else { return samples }
        let n = samples.count / 3
        var out = [T](repeating: 0, count: n)
        for p in 0..<n {
            let r = UInt64(samples[3 * p])
            let g = UInt64(samples[3 * p + 1])
            let b = UInt64(samples[3 * p + 2])
            out[p] = T(truncatingIfNeeded: (299 * r + 587 * g + 114 * b + 500) / 1000)
        }
        return out
    }
}
