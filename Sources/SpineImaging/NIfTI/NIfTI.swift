import Foundation

/// Reads and writes NIfTI-1 and NIfTI-2 single-file images (`.nii`, `.nii.gz`).
///
/// Reading follows nibabel, the reference implementation:
/// - gzip is detected from the magic bytes, the byte order from `sizeof_hdr`, the version from its value (348/540);
/// - the world affine is nibabel's `get_best_affine`: sform if `sform_code ≠ 0`, else qform if `qform_code ≠ 0`
///   (quaternion with qfac = pixdim[0]), else the pixdim-based fallback centred on the image;
///   the NIfTI RAS affine is converted to patient LPS (first two rows negated). Shear is dropped.
///   Spatial units (`xyzt_units`) are not applied: values are taken as millimetres, as nibabel does;
/// - `scl_slope`/`scl_inter`: slope 0 or not finite → no scaling; slope 1 and inter 0 → no scaling;
///   otherwise `stored · slope + inter` as Float32 (Float64 for float64, uint32, int64 and uint64 data);
///   without scaling the stored type is kept, widened where `Volume` has no such type:
///   int8 → Int16; uint32, int64, uint64 → Int32 if every value fits, else Float64;
/// - 4D files: `volumeIndex` picks a volume along dim[4]; dimensions 5–7 must be 1;
///   2D images get depth 1. RGB, complex, float128 and `.hdr`/`.img` pairs are refused as `.unsupported`.
///
/// Writing produces little-endian NIfTI-1 (or NIfTI-2 with `format: .nifti2`), gzip-compressed when
/// the path ends in `.gz`, with sform and qform both set (code 1, scanner anatomical), pixdim from
/// the spacing, qfac = −1 for a left-handed voxel frame, units mm, `scl_slope` 1, `scl_inter` 0.
public enum NIfTI {
    /// The header version to write.
    public enum Format: Sendable, Equatable {
        case nifti1, nifti2
    }

    /// Reads volume `volumeIndex` of a `.nii` or `.nii.gz` file.
    /// - Throws: `ImagingError` naming the file.
    public static func read(path: String, volumeIndex: Int = 0) throws -> AnyVolume {
        do {
            let bytes = try FileIO.read(path)
            return try read(bytes: bytes, name: path, volumeIndex: volumeIndex)
        } catch let error as ImagingError {
            throw error.inFile(path)
        }
    }

    /// Reads volume `volumeIndex` of a NIfTI image held in memory (`name` is used in errors).
    public static func read(bytes: [UInt8], name: String = "NIfTI data", volumeIndex: Int = 0) throws -> AnyVolume {
        do {
            return try decode(bytes, volumeIndex: volumeIndex)
        } catch let error as ImagingError {
            throw error.inFile(name)
        }
    }

    /// Writes `volume` to `path` atomically; gzip-compressed when `path` ends in `.gz`.
    public static func write(_ volume: AnyVolume, to path: String, format: Format = .nifti1) throws {
        do {
            let bytes = try encode(volume, format: format, gzip: path.lowercased().hasSuffix(".gz"))
            try FileIO.writeAtomically(bytes, to: path)
        } catch let error as ImagingError {
            throw error.inFile(path)
        }
    }

    /// The bytes of a single-file NIfTI image of `volume` (gzip-compressed if `gzip`).
    public static func encode(_ volume: AnyVolume, format: Format = .nifti1, gzip: Bool = false) throws -> [UInt8] {
        let g = volume.geometry
        guard g.isValid else {
            throw ImagingError(.invalidGeometry, "cannot write a volume with an invalid geometry (size \(g.size))")
        }
        if format == .nifti1 {
            guard g.size.x <= Int(Int16.max), g.size.y <= Int(Int16.max), g.size.z <= Int(Int16.max) else {
                throw ImagingError(
                    .invalidArgument, "size \(g.size) does not fit NIfTI-1's 16-bit dimensions; write NIfTI-2")
            }
        }
        var h = NIfTIHeader()
        h.format = format
        h.dim = [3, g.size.x, g.size.y, g.size.z, 1, 1, 1, 1]
        (h.datatype, h.bitpix) = datatypeCode(volume.dataType)
        h.setGeometry(g, code: 1)
        h.sclSlope = 1
        h.sclInter = 0
        h.xyztUnits = 2  // NIFTI_UNITS_MM
        h.descrip = "SpineKit"
        let bytes = h.encode() + RawVoxelCodec.encode(volume)
        return gzip ? try Zlib.compress(bytes, format: .gzip) : bytes
    }

    static func datatypeCode(_ t: VoxelDataType) -> (code: Int, bitpix: Int) {
        switch t {
        case .uint8: (2, 8)
        case .int16: (4, 16)
        case .int32: (8, 32)
        case .float32: (16, 32)
        case .float64: (64, 64)
        case .uint16: (512, 16)
        }
    }

    static func storedType(datatype: Int) throws -> RawVoxelCodec.StoredType {
        switch datatype {
        case 2: return .uint8
        case 4: return .int16
        case 8: return .int32
        case 16: return .float32
        case 64: return .float64
        case 256: return .int8
        case 512: return .uint16
        case 768: return .uint32
        case 1024: return .int64
        case 1280: return .uint64
        case 1: throw ImagingError.unsupported("NIfTI datatype 1 (1-bit binary) is not supported")
        case 32, 1792, 2048: throw ImagingError.unsupported("NIfTI datatype \(datatype) (complex) is not supported")
        case 128, 2304: throw ImagingError.unsupported("NIfTI datatype \(datatype) (RGB/RGBA colour) is not supported")
        case 1536: throw ImagingError.unsupported("NIfTI datatype 1536 (float128) is not supported")
        default: throw ImagingError.malformed("unknown NIfTI datatype \(datatype)", offset: 70)
        }
    }

    static func decode(_ file: [UInt8], volumeIndex: Int) throws -> AnyVolume {
        let bytes = Zlib.isGzip(file) ? try Zlib.decompress(file, format: .gzip) : file
        let h = try NIfTIHeader.parse(bytes)
        if h.isPair {
            throw ImagingError.unsupported(
                "this is the header of a NIfTI .hdr/.img pair; only single-file NIfTI (.nii, .nii.gz) is supported")
        }
        let type = try storedType(datatype: h.datatype)

        // Dimensions: dim[0] in 1...7; up to 4 used, higher ones must be 1.
        let ndim = h.dim[0]
        guard (1...7).contains(ndim) else {
            throw ImagingError.malformed("dim[0] = \(ndim) is not a number of dimensions in 1...7", offset: 40)
        }
        var sizes = [1, 1, 1, 1]
        for n in 1...ndim {
            let d = h.dim[n]
            guard d >= 0 else { throw ImagingError.malformed("negative image dimension dim[\(n)] = \(d)", offset: 40) }
            guard d > 0 else {
                throw ImagingError(.noImageData, "image dimension dim[\(n)] is 0: the file holds no voxels")
            }
            if n <= 4 {
                sizes[n - 1] = d
            } else if d != 1 {
                throw ImagingError.unsupported("\(ndim)D NIfTI images are not supported (dim[\(n)] = \(d)); at most 4D")
            }
        }
        // Refuse absurd sizes before allocating anything.
        _ = try ImagingLimits.checkedVoxelCount(sizes, bytesPerVoxel: type.byteWidth)
        guard volumeIndex >= 0, volumeIndex < sizes[3] else {
            throw ImagingError(
                .invalidArgument, "volume index \(volumeIndex) is out of range: the image has \(sizes[3]) volume(s)")
        }

        // Data location.
        guard h.voxOffset.isFinite, h.voxOffset >= 0, h.voxOffset < Double(Int32.max) * 4 else {
            throw ImagingError.malformed("vox_offset \(h.voxOffset) is not a valid byte offset", offset: 108)
        }
        var voxOffset = Int(h.voxOffset)
        if voxOffset == 0 {
            voxOffset = h.minimumVoxOffset
        } else if voxOffset < h.minimumVoxOffset {
            throw ImagingError.malformed(
                "vox_offset \(voxOffset) is too low for a single-file NIfTI (at least \(h.minimumVoxOffset))")
        }
        guard voxOffset <= bytes.count else {
            throw ImagingError.truncated(
                "vox_offset \(voxOffset) is past the end of the data (\(bytes.count) bytes)", offset: voxOffset)
        }
        let volumeVoxels = sizes[0] * sizes[1] * sizes[2]
        let volumeBytes = volumeVoxels * type.byteWidth
        let needed = volumeBytes * sizes[3]
        let available = bytes.count - voxOffset
        guard available >= needed else {
            throw ImagingError.truncated(
                "image data needs \(needed) bytes after vox_offset \(voxOffset) but only \(available) are present",
                offset: bytes.count)
        }

        // Scaling, as nibabel's get_slope_inter / apply_read_scaling.
        var scaling: RawVoxelCodec.Scaling?
        if h.sclSlope != 0, h.sclSlope.isFinite {
            guard h.sclInter.isFinite else {
                throw ImagingError.malformed("scl_slope \(h.sclSlope) is valid but scl_inter \(h.sclInter) is not")
            }
            if !(h.sclSlope == 1 && h.sclInter == 0) { scaling = .init(slope: h.sclSlope, inter: h.sclInter) }
        }

        var affineLPS = try h.bestAffineRAS()
        for c in 0..<4 {
            affineLPS[0][c] = -affineLPS[0][c]
            affineLPS[1][c] = -affineLPS[1][c]
        }
        guard affineLPS.joined().allSatisfy(\.isFinite) else {
            throw ImagingError(.invalidGeometry, "the header's affine has non-finite values")
        }
        let geometry = ImageGeometry(size: SIMD3(sizes[0], sizes[1], sizes[2]), affineLPS: affineLPS)

        var reader = ByteReader(bytes, offset: voxOffset + volumeIndex * volumeBytes)
        return try RawVoxelCodec.decode(
            &reader, type: type, bigEndian: h.bigEndian, geometry: geometry, scaling: scaling)
    }
}
