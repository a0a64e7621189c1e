/// The voxel data types a `Volume` can hold, with their on-disk names.
public enum VoxelDataType: String, Sendable, Codable, CaseIterable {
    case uint8, int16, uint16, int32, float32, float64

    /// Bytes per voxel.
    public var byteWidth: Int {
        switch self {
        case .uint8: 1
        case .int16, .uint16: 2
        case .int32, .float32: 4
        case .float64: 8
        }
    }

    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
}

/// A scalar that can be stored in a `Volume`.
public protocol VoxelScalar: Numeric, Comparable, Sendable, Codable {
    static var dataType: VoxelDataType { get }
    /// Converts from `Double`, rounding to nearest and clamping to the type's range for integers.
    init(clamping value: Double)
    var doubleValue: Double { get }
}

extension VoxelScalar where Self: FixedWidthInteger {
    @inlinable public init(clamping value: Double) {
        if value.isNaN {
            self = 0
        } else if value <= Double(Self.min) {
            self = .min
        } else if value >= Double(Self.max) {
            self = .max
        } else {
            self = Self(value.rounded())
        }
    }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension UInt8: VoxelScalar { public static var dataType: VoxelDataType { .uint8 } }
extension Int16: VoxelScalar { public static var dataType: VoxelDataType { .int16 } }
extension UInt16: VoxelScalar { public static var dataType: VoxelDataType { .uint16 } }
extension Int32: VoxelScalar { public static var dataType: VoxelDataType { .int32 } }

extension Float: VoxelScalar {
    public static var dataType: VoxelDataType { .float32 }
    @inlinable public init(clamping value: Double) { self = Float(value) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Double: VoxelScalar {
    public static var dataType: VoxelDataType { .float64 }
    @inlinable public init(clamping value: Double) { self = value }
    @inlinable public var doubleValue: Double { self }
}
