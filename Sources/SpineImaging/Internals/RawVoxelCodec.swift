/// Decodes and encodes packed voxel arrays as file formats store them (NIfTI, MetaImage).
///
/// The stored types are wider than `VoxelDataType`; `StoredType.decode` maps each to a volume type:
/// int8 → Int16; uint32, int64 and uint64 → Int32 when every value fits, else Float64
/// (exact up to 2⁵³); the others are kept. Optional linear scaling (`value · slope + inter`)
/// yields Float32, or Float64 for float64/uint32/int64/uint64 sources.
enum RawVoxelCodec {
    enum StoredType: Sendable, Equatable {
        case uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64

        var byteWidth: Int {
            switch self {
            case .uint8, .int8: 1
            case .int16, .uint16: 2
            case .int32, .uint32, .float32: 4
            case .int64, .uint64, .float64: 8
            }
        }

        init(_ t: VoxelDataType) {
            switch t {
            case .uint8: self = .uint8
            case .int16: self = .int16
            case .uint16: self = .uint16
            case .int32: self = .int32
            case .float32: self = .float32
            case .float64: self = .float64
            }
        }
    }

    struct Scaling: Equatable {
        var slope: Double
        var inter: Double
    }

    static var hostIsBigEndian: Bool { 1.bigEndian == 1 }

    /// Copies `count` packed integers starting at `offset`, swapping bytes if the file order differs from the host.
    /// The caller has checked that the bytes are there (`ByteReader.readBytes`).
    private static func load<T: FixedWidthInteger>(
        _ bytes: ArraySlice<UInt8>, count: Int, as _: T.Type, bigEndian: Bool
    ) -> [T] {
        let width = MemoryLayout<T>.size
        precondition(bytes.count >= count * width, "caller must bounds-check voxel bytes")
        var out = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: raw[0..<count * width]))
            }
            initialized = count
        }
        if width > 1, bigEndian != hostIsBigEndian {
            for i in out.indices { out[i] = out[i].byteSwapped }
        }
        return out
    }

    /// Decodes `count` voxels of `type` from `reader` (advancing it) into a volume on `geometry`.
    static func decode(
        _ reader: inout ByteReader, type: StoredType, bigEndian: Bool, geometry: ImageGeometry,
        scaling: Scaling? = nil
    ) throws -> AnyVolume {
        let count = geometry.voxelCount
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.byteWidth)
        guard !overflow else { throw ImagingError(.tooLarge, "image data size overflows") }
        let available = reader.remaining
        guard byteCount <= available else {
            throw ImagingError.truncated(
                "image data needs \(byteCount) bytes but only \(available) remain", offset: reader.offset)
        }
        let bytes = try reader.readBytes(byteCount, "image data")

        if let scaling {
            let wide = type == .float64 || type == .uint32 || type == .int64 || type == .uint64
            let raw = doubles(bytes, count: count, type: type, bigEndian: bigEndian)
            if wide {
                return .float64(Volume(geometry: geometry, voxels: raw.map { $0 * scaling.slope + scaling.inter }))
            }
            return .float32(Volume(geometry: geometry, voxels: raw.map { Float($0 * scaling.slope + scaling.inter) }))
        }

        switch type {
        case .uint8:
            return .uint8(Volume(geometry: geometry, voxels: Array(bytes.prefix(count))))
        case .int8:
            return .int16(Volume(geometry: geometry, voxels: bytes.prefix(count).map { Int16(Int8(bitPattern: $0)) }))
        case .int16:
            return .int16(
                Volume(geometry: geometry, voxels: load(bytes, count: count, as: Int16.self, bigEndian: bigEndian)))
        case .uint16:
            return .uint16(
                Volume(geometry: geometry, voxels: load(bytes, count: count, as: UInt16.self, bigEndian: bigEndian)))
        case .int32:
            return .int32(
                Volume(geometry: geometry, voxels: load(bytes, count: count, as: Int32.self, bigEndian: bigEndian)))
        case .uint32:
            return narrowed(load(bytes, count: count, as: UInt32.self, bigEndian: bigEndian), geometry: geometry)
        case .int64:
            return narrowed(load(bytes, count: count, as: Int64.self, bigEndian: bigEndian), geometry: geometry)
        case .uint64:
            return narrowed(load(bytes, count: count, as: UInt64.self, bigEndian: bigEndian), geometry: geometry)
        case .float32:
            let bits = load(bytes, count: count, as: UInt32.self, bigEndian: bigEndian)
            return .float32(Volume(geometry: geometry, voxels: bits.map { Float(bitPattern: $0) }))
        case .float64:
            let bits = load(bytes, count: count, as: UInt64.self, bigEndian: bigEndian)
            return .float64(Volume(geometry: geometry, voxels: bits.map { Double(bitPattern: $0) }))
        }
    }

    /// Wide integers become Int32 when all values fit, otherwise Float64.
    private static func narrowed<T: FixedWidthInteger>(_ values: [T], geometry: ImageGeometry) -> AnyVolume {
        let fits = values.allSatisfy { $0 >= Int32.min && $0 <= Int32.max }
        if fits { return .int32(Volume(geometry: geometry, voxels: values.map { Int32(truncatingIfNeeded: $0) })) }
        return .float64(Volume(geometry: geometry, voxels: values.map { Double($0) }))
    }

    private static func doubles(_ bytes: ArraySlice<UInt8>, count: Int, type: StoredType, bigEndian: Bool) -> [Double] {
        switch type {
        case .uint8: bytes.prefix(count).map { Double($0) }
        case .int8: bytes.prefix(count).map { Double(Int8(bitPattern: $0)) }
        case .int16: load(bytes, count: count, as: Int16.self, bigEndian: bigEndian).map { Double($0) }
        case .uint16: load(bytes, count: count, as: UInt16.self, bigEndian: bigEndian).map { Double($0) }
        case .int32: load(bytes, count: count, as: Int32.self, bigEndian: bigEndian).map { Double($0) }
        case .uint32: load(bytes, count: count, as: UInt32.self, bigEndian: bigEndian).map { Double($0) }
        case .int64: load(bytes, count: count, as: Int64.self, bigEndian: bigEndian).map { Double($0) }
        case .uint64: load(bytes, count: count, as: UInt64.self, bigEndian: bigEndian).map { Double($0) }
        case .float32:
            load(bytes, count: count, as: UInt32.self, bigEndian: bigEndian).map { Double(Float(bitPattern: $0)) }
        case .float64: load(bytes, count: count, as: UInt64.self, bigEndian: bigEndian).map { Double(bitPattern: $0) }
        }
    }

    /// The voxels of `volume` packed in file order (little-endian unless `bigEndian`).
    static func encode(_ volume: AnyVolume, bigEndian: Bool = false) -> [UInt8] {
        switch volume {
        case .uint8(let v): return v.voxels
        case .int16(let v): return pack(v.voxels, bigEndian: bigEndian)
        case .uint16(let v): return pack(v.voxels, bigEndian: bigEndian)
        case .int32(let v): return pack(v.voxels, bigEndian: bigEndian)
        case .float32(let v): return pack(v.voxels.map(\.bitPattern), bigEndian: bigEndian)
        case .float64(let v): return pack(v.voxels.map(\.bitPattern), bigEndian: bigEndian)
        }
    }

    private static func pack<T: FixedWidthInteger>(_ values: [T], bigEndian: Bool) -> [UInt8] {
        let swapped = bigEndian != hostIsBigEndian ? values.map(\.byteSwapped) : values
        return swapped.withUnsafeBytes { Array($0) }
    }
}
