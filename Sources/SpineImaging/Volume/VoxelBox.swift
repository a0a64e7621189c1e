/// An axis-aligned box of voxel indices: `lower` inclusive, `upper` exclusive, in voxel axis order i, j, k.
///
/// A box may reach outside a volume (negative `lower`, `upper` beyond the size), e.g. a sliding
/// window at the border; `Volume.cropped(to:paddingWith:)` fills such parts with a value.
public struct VoxelBox: Sendable, Hashable, Codable, CustomStringConvertible {
    /// First voxel index inside the box, per axis (inclusive).
    public var lower: SIMD3<Int>
    /// One past the last voxel index inside the box, per axis (exclusive).
    public var upper: SIMD3<Int>

    public init(lower: SIMD3<Int>, upper: SIMD3<Int>) {
        self.lower = lower
        self.upper = upper
    }

    /// The box `lower ..< lower + size`.
    public init(lower: SIMD3<Int>, size: SIMD3<Int>) {
        self.init(lower: lower, upper: lower &+ size)
    }

    /// The box that covers a whole grid of `size` voxels.
    public init(covering size: SIMD3<Int>) {
        self.init(lower: .zero, upper: size)
    }

    /// Voxels along i, j, k (zero, never negative, for an empty axis).
    public var size: SIMD3<Int> {
        let s = upper &- lower
        return SIMD3(max(s.x, 0), max(s.y, 0), max(s.z, 0))
    }

    /// Number of voxels in the box.
    public var voxelCount: Int { size.x * size.y * size.z }

    /// True when the box holds no voxel.
    public var isEmpty: Bool { upper.x <= lower.x || upper.y <= lower.y || upper.z <= lower.z }

    /// True when voxel index `ijk` lies inside the box.
    public func contains(_ ijk: SIMD3<Int>) -> Bool {
        all(ijk .>= lower) && all(ijk .< upper)
    }

    /// True when `other` lies entirely inside this box (an empty box lies inside every box).
    public func contains(_ other: VoxelBox) -> Bool {
        other.isEmpty || (all(other.lower .>= lower) && all(other.upper .<= upper))
    }

    /// The common part of two boxes, or nil when they do not overlap.
    public func intersection(_ other: VoxelBox) -> VoxelBox? {
        let box = VoxelBox(lower: pointwiseMax(lower, other.lower), upper: pointwiseMin(upper, other.upper))
        return box.isEmpty ? nil : box
    }

    /// The smallest box that holds both boxes.
    public func union(_ other: VoxelBox) -> VoxelBox {
        if isEmpty { return other }
        if other.isEmpty { return self }
        return VoxelBox(lower: pointwiseMin(lower, other.lower), upper: pointwiseMax(upper, other.upper))
    }

    /// The box grown by `margin` voxels on every side (shrunk for a negative margin); it may reach
    /// outside a volume, so clip it with `intersection(VoxelBox(covering: size))` where needed.
    public func expanded(by margin: SIMD3<Int>) -> VoxelBox {
        VoxelBox(lower: lower &- margin, upper: upper &+ margin)
    }

    public var description: String {
        "[\(lower.x)..<\(upper.x), \(lower.y)..<\(upper.y), \(lower.z)..<\(upper.z)]"
    }
}
