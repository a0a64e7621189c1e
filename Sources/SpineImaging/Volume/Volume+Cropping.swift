// Cropping and padding on the voxel grid: exact, every kept voxel keeps its value and world position.

extension ImageGeometry {
    /// The grid of the voxels in `box` (which may reach outside this grid): size `box.size`, same
    /// spacing and direction, and `origin` at the world LPS position [mm] of voxel `box.lower`.
    /// - Precondition: `box` is not empty.
    public func cropped(to box: VoxelBox) -> ImageGeometry {
        precondition(!box.isEmpty, "cannot crop to the empty box \(box)")
        return ImageGeometry(
            size: box.size, spacing: spacing, origin: worldLPS(voxelIJK: SIMD3<Double>(box.lower)), direction: direction
        )
    }
}

extension Volume {
    /// The voxels inside `box`, with the geometry of `geometry.cropped(to:)`.
    /// - Precondition: `box` is not empty and lies inside the volume (use `cropped(to:paddingWith:)`
    ///   for boxes that reach outside).
    public func cropped(to box: VoxelBox) -> Volume {
        precondition(
            !box.isEmpty && VoxelBox(covering: size).contains(box),
            "crop box \(box) is empty or outside the volume \(size)")
        return cropped(to: box, paddingWith: .zero)
    }

    /// The voxels inside `box`, which may reach beyond the volume on any side (a sliding window at the
    /// border); voxels outside the volume get `value`. The geometry is `geometry.cropped(to: box)`,
    /// so every voxel that comes from the volume keeps its world position.
    /// - Precondition: `box` is not empty.
    /// - Complexity: O(box voxels), row copies.
    public func cropped(to box: VoxelBox, paddingWith value: Scalar) -> Volume {
        let target = geometry.cropped(to: box)
        var result = Volume(geometry: target, repeating: value)
        guard let inside = box.intersection(VoxelBox(covering: size)) else { return result }
        precondition(_isPOD(Scalar.self), "voxel type \(Scalar.self) must be trivially copyable")
        let rowBytes = inside.size.x * MemoryLayout<Scalar>.stride
        voxels.withUnsafeBytes { source in
            result.voxels.withUnsafeMutableBytes { destination in
                for k in inside.lower.z..<inside.upper.z {
                    for j in inside.lower.y..<inside.upper.y {
                        let from = geometry.linearIndex(inside.lower.x, j, k) * MemoryLayout<Scalar>.stride
                        let to =
                            target.linearIndex(inside.lower.x - box.lower.x, j - box.lower.y, k - box.lower.z)
                            * MemoryLayout<Scalar>.stride
                        (destination.baseAddress! + to).copyMemory(
                            from: source.baseAddress! + from, byteCount: rowBytes)
                    }
                }
            }
        }
        return result
    }

    /// The volume with `lower` voxels added before index 0 and `upper` voxels after the last index,
    /// per axis i, j, k, filled with `value`; existing voxels keep their world position (the origin moves).
    /// - Precondition: `lower` and `upper` are not negative.
    public func padded(lower: SIMD3<Int>, upper: SIMD3<Int>, value: Scalar = .zero) -> Volume {
        precondition(all(lower .>= 0) && all(upper .>= 0), "padding must not be negative: \(lower), \(upper)")
        return cropped(to: VoxelBox(lower: .zero &- lower, upper: size &+ upper), paddingWith: value)
    }

    /// The smallest box holding every voxel whose value satisfies `predicate` (e.g. `{ $0 != 0 }`
    /// for the foreground of a label map), or nil when none does.
    /// - Complexity: O(voxel count) at most; each row is scanned from both ends.
    public func boundingBox(where predicate: (Scalar) throws -> Bool) rethrows -> VoxelBox? {
        var lower = size
        var upper = SIMD3<Int>(repeating: -1)  // inclusive while scanning
        try voxels.withUnsafeBufferPointer { v in
            for k in 0..<size.z {
                for j in 0..<size.y {
                    let row = geometry.linearIndex(0, j, k)
                    guard let first = try (0..<size.x).first(where: { try predicate(v[row + $0]) }) else { continue }
                    var last = size.x - 1
                    while last > first, try !predicate(v[row + last]) { last -= 1 }
                    lower = pointwiseMin(lower, SIMD3(first, j, k))
                    upper = pointwiseMax(upper, SIMD3(last, j, k))
                }
            }
        }
        guard upper.x >= 0 else { return nil }
        return VoxelBox(lower: lower, upper: upper &+ 1)
    }
}

extension AnyVolume {
    /// The voxels inside `box` (see `Volume.cropped(to:)`).
    /// - Precondition: `box` is not empty and lies inside the volume.
    public func cropped(to box: VoxelBox) -> AnyVolume {
        switch self {
        case .uint8(let v): .uint8(v.cropped(to: box))
        case .int16(let v): .int16(v.cropped(to: box))
        case .uint16(let v): .uint16(v.cropped(to: box))
        case .int32(let v): .int32(v.cropped(to: box))
        case .float32(let v): .float32(v.cropped(to: box))
        case .float64(let v): .float64(v.cropped(to: box))
        }
    }

    /// The voxels inside `box`, which may reach beyond the volume; voxels outside get `value`,
    /// rounded and clamped to the voxel type (see `Volume.cropped(to:paddingWith:)`).
    /// - Precondition: `box` is not empty.
    public func cropped(to box: VoxelBox, paddingWith value: Double) -> AnyVolume {
        switch self {
        case .uint8(let v): .uint8(v.cropped(to: box, paddingWith: .init(clamping: value)))
        case .int16(let v): .int16(v.cropped(to: box, paddingWith: .init(clamping: value)))
        case .uint16(let v): .uint16(v.cropped(to: box, paddingWith: .init(clamping: value)))
        case .int32(let v): .int32(v.cropped(to: box, paddingWith: .init(clamping: value)))
        case .float32(let v): .float32(v.cropped(to: box, paddingWith: .init(clamping: value)))
        case .float64(let v): .float64(v.cropped(to: box, paddingWith: value))
        }
    }
}
