// Resampling: values of a volume on another voxel grid, by interpolation in world LPS space.

extension ImageGeometry {
    /// The grid with voxel spacing `spacingMM` [mm] along i, j, k that covers the same field of view,
    /// with the same direction.
    ///
    /// Convention: the field of view is the box of voxel edges (`size · spacing` [mm] per axis, from
    /// half a voxel before voxel 0 to half a voxel after the last). The new size per axis is
    /// `round(size · spacing / spacingMM)` (half to even, at least 1), as nnU-Net computes it, and the
    /// new grid is centred on the old one with exactly the requested spacing. When the extent is a
    /// whole multiple of the new spacing the outer edges coincide exactly, which is the grid of
    /// SimpleITK's edge-preserving recipe and of nnU-Net's (skimage `resize`) resampling; otherwise each
    /// edge moves by at most a quarter of a new voxel, symmetrically.
    /// - Throws: `ImagingError` `.invalidArgument` for a non-positive or non-finite spacing,
    ///   `.tooLarge` when the new grid would exceed `ImagingLimits.maxVoxels`.
    public func resampled(spacingMM newSpacing: SIMD3<Double>) throws -> ImageGeometry {
        for a in 0..<3 where !(newSpacing[a].isFinite && newSpacing[a] > 0) {
            throw ImagingError(
                .invalidArgument, "resampling spacing must be positive and finite, got \(newSpacing[a]) mm")
        }
        var newSize = SIMD3<Int>.one
        var total = 1.0
        for a in 0..<3 {
            let n = max(1, (Double(size[a]) * spacing[a] / newSpacing[a]).rounded(.toNearestOrEven))
            total *= n
            guard n.isFinite, total <= Double(ImagingLimits.maxVoxels) else {
                throw ImagingError(
                    .tooLarge,
                    "resampling to \(newSpacing.x)×\(newSpacing.y)×\(newSpacing.z) mm would exceed "
                        + "\(ImagingLimits.maxVoxels) voxels")
            }
            newSize[a] = Int(n)
        }
        let centre = worldLPS(voxelIJK: SIMD3<Double>(size &- 1) / 2)
        let newHalfExtent = newSpacing * SIMD3<Double>(newSize &- 1) / 2
        return ImageGeometry(
            size: newSize, spacing: newSpacing, origin: centre - direction * newHalfExtent, direction: direction)
    }
}

extension Volume {
    /// The volume's values on the grid `target`, which may have any size, spacing, origin and direction.
    ///
    /// Each target voxel centre is mapped to world LPS and then to a continuous source voxel index,
    /// where the source is interpolated. Target voxels whose centre lies outside the source's field of
    /// view (beyond the outer voxel edges, continuous index < −0.5 or > size − 0.5) get `outsideValue`.
    /// Integer voxel types round and clamp interpolated values to their range. Mapping coefficients
    /// within 1e−9 of an integer are snapped to it, so grids that share voxel centres with the source
    /// (identity, integer shifts, axis swaps) copy values exactly. There is no anti-aliasing filter:
    /// smooth first when downsampling an intensity image by a large factor.
    /// - Parameters:
    ///   - interpolation: `.nearest` for label maps (never invents labels), `.linear` or `.cubic` for intensities.
    ///   - outsideValue: the value of target voxels outside the source.
    /// - Throws: `ImagingError` `.invalidGeometry` when either geometry is not `isValid`, `.tooLarge`
    ///   when the target grid exceeds `ImagingLimits`.
    /// - Complexity: O(target voxels), times 8 (linear) or 64 (cubic) source reads; slices run in parallel.
    public func resampled(
        to target: ImageGeometry, interpolation: Interpolation, outsideValue: Scalar = .zero
    ) throws -> Volume {
        guard geometry.isValid else {
            throw ImagingError(.invalidGeometry, "cannot resample a volume with an invalid geometry (size \(size))")
        }
        guard target.isValid, let sourceFromWorld = geometry.indexToWorldLinear.inverse else {
            throw ImagingError(.invalidGeometry, "cannot resample onto an invalid target grid (size \(target.size))")
        }
        _ = try ImagingLimits.checkedVoxelCount(
            [target.size.x, target.size.y, target.size.z], bytesPerVoxel: MemoryLayout<Scalar>.stride)
        // Continuous source index of target voxel (i, j, k) = b + i·a0 + j·a1 + k·a2.
        let a = sourceFromWorld * target.indexToWorldLinear
        let map = SourceIndexMap(
            b: snapped(sourceFromWorld * (target.origin - geometry.origin)), a0: snapped(a.column(0)),
            a1: snapped(a.column(1)), a2: snapped(a.column(2)))
        let values = resampleVoxels(
            self, size: target.size, map: map, interpolation: interpolation, outsideValue: outsideValue)
        return Volume(geometry: target, voxels: values)
    }

    /// The volume resampled to `spacingMM` [mm] along i, j, k over the same field of view and direction
    /// (the grid of `ImageGeometry.resampled(spacingMM:)`).
    /// - Throws: `ImagingError` for an invalid spacing or geometry, or a grid that is too large.
    public func resampled(spacingMM: SIMD3<Double>, interpolation: Interpolation) throws -> Volume {
        try resampled(to: try geometry.resampled(spacingMM: spacingMM), interpolation: interpolation)
    }

    /// A label map on the grid `target`: nearest-neighbour, background 0 outside the source.
    /// - Throws: as `resampled(to:interpolation:outsideValue:)`.
    public func resampledLabels(to target: ImageGeometry) throws -> Volume {
        try resampled(to: target, interpolation: .nearest, outsideValue: .zero)
    }
}

extension AnyVolume {
    /// The volume's values on the grid `target`, keeping the voxel type
    /// (see `Volume.resampled(to:interpolation:outsideValue:)`).
    /// - Parameter outsideValue: the value outside the source, rounded and clamped to the voxel type.
    public func resampled(
        to target: ImageGeometry, interpolation: Interpolation, outsideValue: Double = 0
    ) throws -> AnyVolume {
        switch self {
        case .uint8(let v):
            .uint8(
                try v.resampled(to: target, interpolation: interpolation, outsideValue: .init(clamping: outsideValue)))
        case .int16(let v):
            .int16(
                try v.resampled(to: target, interpolation: interpolation, outsideValue: .init(clamping: outsideValue)))
        case .uint16(let v):
            .uint16(
                try v.resampled(to: target, interpolation: interpolation, outsideValue: .init(clamping: outsideValue)))
        case .int32(let v):
            .int32(
                try v.resampled(to: target, interpolation: interpolation, outsideValue: .init(clamping: outsideValue)))
        case .float32(let v):
            .float32(
                try v.resampled(to: target, interpolation: interpolation, outsideValue: .init(clamping: outsideValue)))
        case .float64(let v):
            .float64(try v.resampled(to: target, interpolation: interpolation, outsideValue: outsideValue))
        }
    }

    /// The volume resampled to `spacingMM` [mm] over the same field of view
    /// (see `ImageGeometry.resampled(spacingMM:)`).
    public func resampled(spacingMM: SIMD3<Double>, interpolation: Interpolation) throws -> AnyVolume {
        try resampled(to: try geometry.resampled(spacingMM: spacingMM), interpolation: interpolation)
    }
}

/// Affine map from a target voxel index to a continuous source voxel index.
struct SourceIndexMap: Sendable {
    var b: SIMD3<Double>
    var a0: SIMD3<Double>
    var a1: SIMD3<Double>
    var a2: SIMD3<Double>
}

private func snapped(_ v: SIMD3<Double>) -> SIMD3<Double> {
    var out = v
    for n in 0..<3 where abs(v[n] - v[n].rounded()) < 1e-9 { out[n] = v[n].rounded() }
    return out
}

/// Keys cubic convolution weights (a = −0.5) for the four samples at offsets −1, 0, 1, 2 from
/// `floor(x)`, where `t = x − floor(x)`.
@inline(__always) private func keysWeights(_ t: Double) -> SIMD4<Double> {
    let t2 = t * t
    let t3 = t2 * t
    return SIMD4(
        0.5 * (-t3 + 2 * t2 - t), 0.5 * (3 * t3 - 5 * t2 + 2), 0.5 * (-3 * t3 + 4 * t2 + t), 0.5 * (t3 - t2))
}

@inline(__always) private func clampIndex(_ i: Int, _ n: Int) -> Int { min(max(i, 0), n - 1) }

/// Fills the target grid of `size` from `source` (the loop behind `Volume.resampled(to:…)`).
@_specialize(where S == UInt8)
@_specialize(where S == Int16)
@_specialize(where S == UInt16)
@_specialize(where S == Int32)
@_specialize(where S == Float)
@_specialize(where S == Double)
func resampleVoxels<S: VoxelScalar>(
    _ source: Volume<S>, size: SIMD3<Int>, map: SourceIndexMap, interpolation: Interpolation, outsideValue: S
) -> [S] {
    let count = size.x * size.y * size.z
    let n = source.size
    let strideJ = n.x
    let strideK = n.x * n.y
    let lowerBound = SIMD3<Double>(repeating: -0.5 - 1e-6)
    let upperBound = SIMD3<Double>(n) - 0.5 + 1e-6
    let readsPerVoxel = interpolation == .nearest ? 1 : interpolation == .linear ? 8 : 64
    return [S](unsafeUninitializedCapacity: count) { out, initialized in
        source.voxels.withUnsafeBufferPointer { voxels in
            let src = SendablePointer(base: UnsafeMutablePointer(mutating: voxels.baseAddress!))
            let dst = SendablePointer(base: out.baseAddress!)
            // One unit of parallel work is a row of the target (fixed j, k), so 2D images split too.
            Parallel.forEachChunk(of: size.y * size.z, work: count * readsPerVoxel) { rows in
                let src = UnsafePointer(src.base)
                for row in rows {
                    let j = row % size.y
                    let k = row / size.y
                    let rowStart = map.b + map.a1 * Double(j) + map.a2 * Double(k)
                    let line = dst.base + row * size.x
                    for i in 0..<size.x {
                        let c = rowStart + map.a0 * Double(i)
                        guard all(c .>= lowerBound) && all(c .<= upperBound) else {
                            line[i] = outsideValue
                            continue
                        }
                        switch interpolation {
                        case .nearest:
                            let r = (c + 0.5).rounded(.down)
                            line[i] =
                                src[
                                    clampIndex(Int(r.x), n.x) + strideJ * clampIndex(Int(r.y), n.y)
                                        + strideK * clampIndex(Int(r.z), n.z)]
                        case .linear:
                            let f = c.rounded(.down)
                            let t = c - f
                            let x = Int(f.x)
                            let y = Int(f.y)
                            let z = Int(f.z)
                            let x0 = clampIndex(x, n.x)
                            let x1 = clampIndex(x + 1, n.x)
                            let y0 = strideJ * clampIndex(y, n.y)
                            let y1 = strideJ * clampIndex(y + 1, n.y)
                            let z0 = strideK * clampIndex(z, n.z)
                            let z1 = strideK * clampIndex(z + 1, n.z)
                            @inline(__always) func lerpX(_ base: Int) -> Double {
                                let v0 = src[base + x0].doubleValue
                                return v0 + t.x * (src[base + x1].doubleValue - v0)
                            }
                            let v00 = lerpX(y0 + z0)
                            let v10 = lerpX(y1 + z0)
                            let v01 = lerpX(y0 + z1)
                            let v11 = lerpX(y1 + z1)
                            let v0 = v00 + t.y * (v10 - v00)
                            let v1 = v01 + t.y * (v11 - v01)
                            line[i] = S(clamping: v0 + t.z * (v1 - v0))
                        case .cubic:
                            let f = c.rounded(.down)
                            let t = c - f
                            let wx = keysWeights(t.x)
                            let wy = keysWeights(t.y)
                            let wz = keysWeights(t.z)
                            let x = Int(f.x)
                            let y = Int(f.y)
                            let z = Int(f.z)
                            let xs = SIMD4(
                                clampIndex(x - 1, n.x), clampIndex(x, n.x), clampIndex(x + 1, n.x),
                                clampIndex(x + 2, n.x))
                            var sum = 0.0
                            for dz in 0..<4 {
                                let zOffset = strideK * clampIndex(z - 1 + dz, n.z)
                                var sumZ = 0.0
                                for dy in 0..<4 {
                                    let base = zOffset + strideJ * clampIndex(y - 1 + dy, n.y)
                                    let v = SIMD4(
                                        src[base + xs[0]].doubleValue, src[base + xs[1]].doubleValue,
                                        src[base + xs[2]].doubleValue, src[base + xs[3]].doubleValue)
                                    sumZ += wy[dy] * (wx * v).sum()
                                }
                                sum += wz[dz] * sumZ
                            }
                            line[i] = S(clamping: sum)
                        }
                    }
                }
            }
        }
        initialized = count
    }
}
