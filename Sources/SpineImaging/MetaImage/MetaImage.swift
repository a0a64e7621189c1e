import Foundation

/// Reads and writes ITK MetaImage files: `.mha` (header and data in one file) and `.mhd` (header naming a
/// separate data file, `.raw` or `.zraw`).
///
/// World coordinates are ITK's, which are patient LPS, so no conversion is made. `TransformMatrix`
/// (alias `Rotation`, `Orientation`) is read as ITK does: the text is row-major and its row *i* is the
/// direction of voxel axis *i* (a column of the direction matrix). `Offset` (`Position`, `Origin`) is the
/// centre of the first voxel; `ElementSpacing` (else `ElementSize`) the voxel pitch.
/// `AnatomicalOrientation` is informational and ignored (the matrix decides).
///
/// Supported: NDims 2, 3 and 4 (one volume selected along the 4th axis), one channel, binary data in either
/// byte order, `CompressedData` (zlib, as ITK writes, optionally `CompressedDataSize`), `HeaderSize`
/// (including −1: data at the end of the data file). Element types MET_UCHAR, MET_CHAR (→ Int16), MET_SHORT,
/// MET_USHORT, MET_INT, MET_UINT, MET_LONG, MET_ULONG, MET_LONG_LONG, MET_ULONG_LONG (wide integers → Int32
/// when every value fits, else Float64), MET_FLOAT, MET_DOUBLE. Not supported (`.unsupported`): ASCII
/// data, several channels, `ElementDataFile = LIST` or file-name patterns.
public enum MetaImage {
    /// Reads volume `volumeIndex` (4D images; 0 otherwise) of a `.mha` or `.mhd` file.
    public static func read(path: String, volumeIndex: Int = 0) throws -> AnyVolume {
        do {
            let bytes = try FileIO.read(path)
            return try read(bytes: bytes, name: path, volumeIndex: volumeIndex)
        } catch let error as ImagingError {
            throw error.inFile(path)
        }
    }

    /// Reads a MetaImage held in memory. A separate data file is looked up relative to the folder of `name`.
    public static func read(bytes: [UInt8], name: String, volumeIndex: Int = 0) throws -> AnyVolume {
        do {
            return try decode(bytes, name: name, volumeIndex: volumeIndex)
        } catch let error as ImagingError {
            throw error.inFile(name)
        }
    }

    /// Writes `volume` atomically. A path ending in `.mhd` gets a sibling data file (`<name>.raw`, or
    /// `<name>.zraw` when `compressed`), written first; any other path (normally `.mha`) holds the data inline.
    /// `compressed` deflates the data with zlib (`CompressedData = True`).
    public static func write(_ volume: AnyVolume, to path: String, compressed: Bool = false) throws {
        do {
            let g = volume.geometry
            guard g.isValid else {
                throw ImagingError(.invalidGeometry, "cannot write a volume with an invalid geometry (size \(g.size))")
            }
            let raw = RawVoxelCodec.encode(volume)
            let data = compressed ? try Zlib.compress(raw, format: .zlib) : raw
            let url = URL(fileURLWithPath: path)
            if url.pathExtension.lowercased() == "mhd" {
                let dataName = url.deletingPathExtension().lastPathComponent + (compressed ? ".zraw" : ".raw")
                let dataPath = url.deletingLastPathComponent().appendingPathComponent(dataName).path
                try FileIO.writeAtomically(data, to: dataPath)
                let header = headerText(volume, compressed: compressed, compressedSize: data.count, dataFile: dataName)
                try FileIO.writeAtomically(Array(header.utf8), to: path)
            } else {
                let header = headerText(volume, compressed: compressed, compressedSize: data.count, dataFile: "LOCAL")
                try FileIO.writeAtomically(Array(header.utf8) + data, to: path)
            }
        } catch let error as ImagingError {
            throw error.inFile(path)
        }
    }

    // MARK: Writing

    static func elementType(_ t: VoxelDataType) -> String {
        switch t {
        case .uint8: "MET_UCHAR"
        case .int16: "MET_SHORT"
        case .uint16: "MET_USHORT"
        case .int32: "MET_INT"
        case .float32: "MET_FLOAT"
        case .float64: "MET_DOUBLE"
        }
    }

    static func headerText(_ volume: AnyVolume, compressed: Bool, compressedSize: Int, dataFile: String) -> String {
        let g = volume.geometry
        // Shortest text that reads back to the same Double; integral values without ".0" (as ITK prints them).
        func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }
        func list(_ values: [Double]) -> String { values.map(number).joined(separator: " ") }
        // TransformMatrix row i = direction of voxel axis i.
        let matrix = (0..<3).flatMap { i in [g.direction[0, i], g.direction[1, i], g.direction[2, i]] }
        // ITK's AnatomicalOrientation names where each axis comes FROM (identity LPS → "RAI").
        let opposite: [Character: Character] = ["L": "R", "R": "L", "P": "A", "A": "P", "S": "I", "I": "S"]
        let itkOrientation = String(g.axisCodes.description.map { opposite[$0] ?? $0 })
        var lines = [
            "ObjectType = Image",
            "NDims = 3",
            "BinaryData = True",
            "BinaryDataByteOrderMSB = False",
            "CompressedData = \(compressed ? "True" : "False")",
        ]
        if compressed { lines.append("CompressedDataSize = \(compressedSize)") }
        lines += [
            "TransformMatrix = \(list(matrix))",
            "Offset = \(list([g.origin.x, g.origin.y, g.origin.z]))",
            "CenterOfRotation = 0 0 0",
            "AnatomicalOrientation = \(itkOrientation)",
            "ElementSpacing = \(list([g.spacing.x, g.spacing.y, g.spacing.z]))",
            "DimSize = \(g.size.x) \(g.size.y) \(g.size.z)",
            "ElementType = \(elementType(volume.dataType))",
            "ElementDataFile = \(dataFile)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Reading

    static func storedType(_ name: String) throws -> RawVoxelCodec.StoredType {
        switch name.uppercased() {
        case "MET_UCHAR": return .uint8
        case "MET_CHAR": return .int8
        case "MET_SHORT": return .int16
        case "MET_USHORT": return .uint16
        case "MET_INT", "MET_LONG": return .int32
        case "MET_UINT", "MET_ULONG": return .uint32
        case "MET_LONG_LONG": return .int64
        case "MET_ULONG_LONG": return .uint64
        case "MET_FLOAT": return .float32
        case "MET_DOUBLE": return .float64
        case let other where other.hasSuffix("_ARRAY"):
            throw ImagingError.unsupported("MetaImage ElementType \(name) (multi-channel) is not supported")
        default:
            throw ImagingError.unsupported("MetaImage ElementType '\(name.prefix(40))' is not supported")
        }
    }

    static func decode(_ bytes: [UInt8], name: String, volumeIndex: Int) throws -> AnyVolume {
        let h = try MetaImageHeader.parse(bytes)
        if let object = h.value("ObjectType"), object.lowercased() != "image" {
            throw ImagingError.unsupported("MetaImage ObjectType '\(object.prefix(40))' is not an image")
        }
        guard let ndims = try h.int("NDims") else { throw ImagingError.malformed("MetaImage header has no NDims") }
        guard (2...4).contains(ndims) else {
            throw ImagingError.unsupported("MetaImage with NDims = \(ndims) is not supported (2, 3 or 4)")
        }
        guard let dimText = h.value("DimSize") else { throw ImagingError.malformed("MetaImage header has no DimSize") }
        let dimParts = dimText.split(whereSeparator: \.isWhitespace)
        let dims = dimParts.compactMap { Int($0) }
        guard dims.count == dimParts.count, dims.count == ndims else {
            throw ImagingError.malformed("DimSize = '\(dimText.prefix(60))' is not a list of \(ndims) integers")
        }
        for d in dims where d <= 0 {
            throw ImagingError.malformed("DimSize = '\(dimText.prefix(60))' has a dimension that is not positive")
        }
        guard let typeName = h.value("ElementType") else {
            throw ImagingError.malformed("MetaImage header has no ElementType")
        }
        let type = try storedType(typeName)
        if let channels = try h.int("ElementNumberOfChannels"), channels != 1 {
            throw ImagingError.unsupported("MetaImage with \(channels) channels per voxel is not supported (only 1)")
        }
        if try h.bool("BinaryData") == false {
            throw ImagingError.unsupported("MetaImage with ASCII data (BinaryData = False) is not supported")
        }
        let bigEndian = try h.bool("BinaryDataByteOrderMSB") ?? h.bool("ElementByteOrderMSB") ?? false
        let compressed = try h.bool("CompressedData") ?? false

        var sizes = [1, 1, 1, 1]
        for (n, d) in dims.enumerated() { sizes[n] = d }
        _ = try ImagingLimits.checkedVoxelCount(sizes, bytesPerVoxel: type.byteWidth)
        guard volumeIndex >= 0, volumeIndex < sizes[3] else {
            throw ImagingError(
                .invalidArgument, "volume index \(volumeIndex) is out of range: the image has \(sizes[3]) volume(s)")
        }
        let volumeBytes = sizes[0] * sizes[1] * sizes[2] * type.byteWidth
        let totalBytes = volumeBytes * sizes[3]

        let geometry = try self.geometry(h, ndims: ndims, size: SIMD3(sizes[0], sizes[1], sizes[2]))

        // Locate the data.
        guard let dataFile = h.value("ElementDataFile"), !dataFile.isEmpty else {
            throw ImagingError.malformed("MetaImage ElementDataFile is empty")
        }
        let dataBytes: [UInt8]
        var dataStart: Int
        if dataFile.uppercased() == "LOCAL" {
            dataBytes = bytes
            dataStart = h.dataStart
        } else if dataFile.uppercased().hasPrefix("LIST") || dataFile.contains("%") {
            throw ImagingError.unsupported(
                "MetaImage data split over several files (ElementDataFile = \(dataFile.prefix(60))) is not supported")
        } else {
            let base = URL(fileURLWithPath: name).deletingLastPathComponent()
            let dataPath = dataFile.hasPrefix("/") ? dataFile : base.appendingPathComponent(dataFile).path
            do {
                dataBytes = try FileIO.read(dataPath)
            } catch let error as ImagingError where error.code == .fileNotFound {
                throw ImagingError(
                    .fileNotFound, "data file '\(dataFile)' named by ElementDataFile does not exist", file: name)
            }
            dataStart = 0
            if !compressed, let headerSize = try h.int("HeaderSize") {
                if headerSize == -1 {
                    dataStart = max(0, dataBytes.count - totalBytes)
                } else if headerSize >= 0 {
                    dataStart = headerSize
                } else {
                    throw ImagingError.malformed("HeaderSize = \(headerSize) is negative")
                }
            }
        }
        guard dataStart <= dataBytes.count else {
            throw ImagingError.truncated(
                "the data start (byte \(dataStart)) is past the end of the file", offset: dataStart)
        }

        var voxels: [UInt8]
        var start: Int
        if compressed {
            let available = dataBytes.count - dataStart
            var length = available
            if let declared = try h.int("CompressedDataSize") {
                guard declared >= 0 else {
                    throw ImagingError.malformed("CompressedDataSize = \(declared) is negative")
                }
                guard declared <= available else {
                    throw ImagingError.truncated(
                        "CompressedDataSize is \(declared) bytes but only \(available) are present",
                        offset: dataBytes.count)
                }
                length = declared
            }
            var r = ByteReader(dataBytes, offset: dataStart)
            let packed = Array(try r.readBytes(length, "compressed data"))
            voxels = try Zlib.decompress(packed, format: .auto, limit: totalBytes, expectedSize: totalBytes)
            guard voxels.count >= totalBytes else {
                throw ImagingError.truncated(
                    "compressed data inflate to \(voxels.count) bytes but the image needs \(totalBytes)")
            }
            start = 0
        } else {
            let available = dataBytes.count - dataStart
            guard available >= totalBytes else {
                throw ImagingError.truncated(
                    "image data needs \(totalBytes) bytes but only \(available) are present", offset: dataBytes.count)
            }
            voxels = dataBytes
            start = dataStart
        }
        var reader = ByteReader(voxels, offset: start + volumeIndex * volumeBytes)
        return try RawVoxelCodec.decode(&reader, type: type, bigEndian: bigEndian, geometry: geometry)
    }

    /// Spacing, origin and direction from the header, embedded in 3D (2D images get depth 1, 4D drop time).
    static func geometry(_ h: MetaImageHeader, ndims n: Int, size: SIMD3<Int>) throws -> ImageGeometry {
        let spacing = try h.doubles(["ElementSpacing", "ElementSize"], count: n) ?? Array(repeating: 1, count: n)
        let origin = try h.doubles(["Offset", "Position", "Origin"], count: n) ?? Array(repeating: 0, count: n)
        var identity = [Double](repeating: 0, count: n * n)
        for i in 0..<n { identity[i * n + i] = 1 }
        let matrix = try h.doubles(["TransformMatrix", "Rotation", "Orientation"], count: n * n) ?? identity
        // Row i of the text is the direction of voxel axis i; build the voxel → LPS affine.
        var a: [[Double]] = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
        let m = min(n, 3)
        for axis in 0..<3 {
            for world in 0..<3 {
                if axis < m && world < m {
                    a[world][axis] = matrix[axis * n + world] * spacing[axis]
                } else {
                    a[world][axis] = axis == world ? 1 : 0
                }
            }
        }
        for world in 0..<m { a[world][3] = origin[world] }
        let g = ImageGeometry(size: size, affineLPS: a)
        guard abs(g.direction.determinant) > 1e-6 else {
            throw ImagingError(.invalidGeometry, "MetaImage TransformMatrix is singular")
        }
        return g
    }
}
