/// A 3D (or 2D, depth 1) image: typed voxels on a grid placed in patient LPS space.
///
/// Voxels are stored i fastest, then j, then k (`geometry.linearIndex`).
public struct Volume<Scalar: VoxelScalar>: Sendable {
    public var geometry: ImageGeometry
    public var voxels: [Scalar]

    /// Creates a volume; `voxels.count` must equal `geometry.voxelCount`.
    public init(geometry: ImageGeometry, voxels: [Scalar]) {
        precondition(voxels.count == geometry.voxelCount, "voxel count \(voxels.count) ≠ grid \(geometry.size)")
        self.geometry = geometry
        self.voxels = voxels
    }

    /// A volume filled with one value.
    public init(geometry: ImageGeometry, repeating value: Scalar = .zero) {
        self.init(geometry: geometry, voxels: Array(repeating: value, count: geometry.voxelCount))
    }

    public var size: SIMD3<Int> { geometry.size }

    public subscript(i: Int, j: Int, k: Int) -> Scalar {
        get { voxels[geometry.linearIndex(i, j, k)] }
        set { voxels[geometry.linearIndex(i, j, k)] = newValue }
    }

    /// Smallest and largest voxel value (nil for an empty volume; NaNs are skipped).
    public var valueRange: (min: Scalar, max: Scalar)? {
        var lo: Scalar?
        var hi: Scalar?
        for v in voxels where v == v {
            if lo == nil || v < lo! { lo = v }
            if hi == nil || v > hi! { hi = v }
        }
        guard let lo, let hi else { return nil }
        return (lo, hi)
    }

    /// Converts every voxel to another type (rounding and clamping for integer targets).
    public func converted<T: VoxelScalar>(to _: T.Type = T.self) -> Volume<T> {
        if let same = self as? Volume<T> { return same }
        return Volume<T>(geometry: geometry, voxels: voxels.map { T(clamping: $0.doubleValue) })
    }

    /// A volume with the same geometry and voxels transformed by `transform`.
    public func map<T: VoxelScalar>(_ transform: (Scalar) throws -> T) rethrows -> Volume<T> {
        Volume<T>(geometry: geometry, voxels: try voxels.map(transform))
    }
}

/// A volume whose voxel type is known only at run time (what file readers return).
public enum AnyVolume: Sendable {
    case uint8(Volume<UInt8>)
    case int16(Volume<Int16>)
    case uint16(Volume<UInt16>)
    case int32(Volume<Int32>)
    case float32(Volume<Float>)
    case float64(Volume<Double>)

    /// Wraps a typed volume (any of the six voxel types).
    public init(_ volume: any VolumeValue) {
        switch volume {
        case let v as Volume<UInt8>: self = .uint8(v)
        case let v as Volume<Int16>: self = .int16(v)
        case let v as Volume<UInt16>: self = .uint16(v)
        case let v as Volume<Int32>: self = .int32(v)
        case let v as Volume<Float>: self = .float32(v)
        case let v as Volume<Double>: self = .float64(v)
        default: preconditionFailure("unsupported volume type \(type(of: volume))")
        }
    }

    /// The typed volume, to pass to code generic over `VolumeValue` (Swift opens the existential).
    public var value: any VolumeValue {
        switch self {
        case .uint8(let v): v
        case .int16(let v): v
        case .uint16(let v): v
        case .int32(let v): v
        case .float32(let v): v
        case .float64(let v): v
        }
    }

    public var geometry: ImageGeometry { value.geometry }
    public var dataType: VoxelDataType { value.dataType }

    /// Smallest and largest voxel value as doubles.
    public var valueRange: (min: Double, max: Double)? { value.valueRangeAsDouble }

    /// The volume converted to a given voxel type.
    public func converted<T: VoxelScalar>(to _: T.Type) -> Volume<T> { value.converted(to: T.self) }
}

/// Any `Volume<S>`, for code that is generic over the voxel type.
public protocol VolumeValue: Sendable {
    associatedtype Scalar: VoxelScalar
    var geometry: ImageGeometry { get set }
    var voxels: [Scalar] { get }
    func converted<T: VoxelScalar>(to: T.Type) -> Volume<T>
}

extension VolumeValue {
    public var dataType: VoxelDataType { Scalar.dataType }
    var valueRangeAsDouble: (min: Double, max: Double)? {
        guard let r = (self as? Volume<Scalar>)?.valueRange else { return nil }
        return (r.min.doubleValue, r.max.doubleValue)
    }
}

extension Volume: VolumeValue {}
