// Exact reorientation: permuting and flipping voxel axes without resampling.
//
// Every voxel keeps its value and its world LPS position; only the order in which voxels are
// stored changes, and the geometry (size, spacing, origin, direction) follows.

extension ImageGeometry {
    /// The same grid stored along the axes named by `codes` (nibabel convention: each letter is the
    /// patient direction toward which that voxel index increases).
    ///
    /// Size and spacing are permuted, direction columns permuted and negated, and `origin` becomes
    /// the world LPS position [mm] of the voxel that lands at index (0, 0, 0). An oblique direction
    /// keeps its exact (unrounded) columns: each new axis is the source axis whose closest world
    /// axis (`AxisCodes(direction:)`, greedy by largest cosine) is the one `codes` asks for, so
    /// `result.axisCodes == codes` except for directions at exactly 45° where the closest axis is a tie.
    public func reoriented(to codes: AxisCodes) -> ImageGeometry { axisPermutation(to: codes).geometry }

    /// How the voxel axes of this grid map onto the axes of `codes`.
    func axisPermutation(to codes: AxisCodes) -> AxisPermutation {
        let current = axisCodes
        var sourceAxis = SIMD3<Int>(repeating: 0)
        var sign = SIMD3<Int>(repeating: 1)
        var newGeometry = self
        var firstVoxel = SIMD3<Double>.zero  // source index of the voxel that becomes (0, 0, 0)
        var columns = [SIMD3<Double>](repeating: .zero, count: 3)
        for t in 0..<3 {
            // Both codes name each world axis exactly once, so this finds exactly one source axis.
            let s = (0..<3).first { current.worldAxis[$0] == codes.worldAxis[t] }!
            sourceAxis[t] = s
            sign[t] = current.sign[s] == codes.sign[t] ? 1 : -1
            newGeometry.size[t] = size[s]
            newGeometry.spacing[t] = spacing[s]
            columns[t] = direction.column(s) * Double(sign[t])
            if sign[t] < 0 { firstVoxel[s] = Double(size[s] - 1) }
        }
        newGeometry.direction = Matrix3(columns: columns[0], columns[1], columns[2])
        newGeometry.origin = worldLPS(voxelIJK: firstVoxel)
        return AxisPermutation(sourceAxis: sourceAxis, sign: sign, sourceSize: size, geometry: newGeometry)
    }
}

/// A permutation with flips of voxel axes: new axis `t` runs along source axis `sourceAxis[t]`,
/// in the same direction when `sign[t] == 1` and reversed when `sign[t] == -1`.
struct AxisPermutation {
    var sourceAxis: SIMD3<Int>
    var sign: SIMD3<Int>
    var sourceSize: SIMD3<Int>
    /// The geometry after the permutation.
    var geometry: ImageGeometry

    var isIdentity: Bool { sourceAxis == SIMD3(0, 1, 2) && sign == SIMD3(1, 1, 1) }

    /// For each new axis, the step in the source's linear index per new-index step, and the source
    /// linear index of new voxel (0, 0, 0).
    var sourceStrides: (strides: SIMD3<Int>, base: Int) {
        let sourceStride = SIMD3(1, sourceSize.x, sourceSize.x * sourceSize.y)
        var strides = SIMD3<Int>.zero
        var base = 0
        for t in 0..<3 {
            let s = sourceAxis[t]
            strides[t] = sourceStride[s] * sign[t]
            if sign[t] < 0 { base += (sourceSize[s] - 1) * sourceStride[s] }
        }
        return (strides, base)
    }
}

extension Volume {
    /// The same voxels stored along the axes named by `codes` (e.g. `AxisCodes("LPS")!`), exactly,
    /// without resampling: each voxel keeps its value and world LPS position.
    ///
    /// See `ImageGeometry.reoriented(to:)` for how the geometry changes (oblique directions stay exact).
    /// Reorienting back with `reoriented(toMatch: original.geometry)` restores the original.
    /// - Complexity: O(voxel count), a cache-blocked copy; no arithmetic per voxel.
    public func reoriented(to codes: AxisCodes) -> Volume {
        let permutation = geometry.axisPermutation(to: codes)
        if permutation.isIdentity { return Volume(geometry: permutation.geometry, voxels: voxels) }
        return Volume(geometry: permutation.geometry, voxels: permutedVoxels(permutation))
    }

    /// The same voxels stored along the axes of `geometry` (its `axisCodes`), exactly; with the
    /// geometry a volume had before `reoriented(to:)`, this undoes the reorientation.
    public func reoriented(toMatch geometry: ImageGeometry) -> Volume { reoriented(to: geometry.axisCodes) }

    private func permutedVoxels(_ permutation: AxisPermutation) -> [Scalar] {
        let count = voxels.count
        guard count > 0 else { return [] }
        let (strides, base) = permutation.sourceStrides
        let size = permutation.geometry.size
        return [Scalar](unsafeUninitializedCapacity: count) { out, initialized in
            voxels.withUnsafeBufferPointer { source in
                // The copy only moves bits, so voxel types of equal width share one specialised loop.
                switch MemoryLayout<Scalar>.stride {
                case 1: permute(source, out, as: UInt8.self, size: size, strides: strides, base: base)
                case 2: permute(source, out, as: UInt16.self, size: size, strides: strides, base: base)
                case 4: permute(source, out, as: UInt32.self, size: size, strides: strides, base: base)
                case 8: permute(source, out, as: UInt64.self, size: size, strides: strides, base: base)
                default:
                    gatherPermuted(
                        from: source.baseAddress!, into: out.baseAddress!, size: size, strides: strides, base: base)
                }
            }
            initialized = count
        }
    }
}

/// Reinterprets voxel buffers as unsigned integers of the same width and runs the permuting copy.
private func permute<Scalar, Bits: FixedWidthInteger & UnsignedInteger>(
    _ source: UnsafeBufferPointer<Scalar>, _ out: UnsafeMutableBufferPointer<Scalar>, as _: Bits.Type,
    size: SIMD3<Int>, strides: SIMD3<Int>, base: Int
) {
    precondition(_isPOD(Scalar.self) && MemoryLayout<Scalar>.stride == MemoryLayout<Bits>.stride)
    source.withMemoryRebound(to: Bits.self) { src in
        out.withMemoryRebound(to: Bits.self) { dst in
            gatherPermuted(from: src.baseAddress!, into: dst.baseAddress!, size: size, strides: strides, base: base)
        }
    }
}

/// `dst[a + n0·(b + n1·c)] = src[base + a·s0 + b·s1 + c·s2]` for every (a, b, c) in `size`.
///
/// When the source is not contiguous along a, the loops run over tiles so that the source cache
/// lines and pages one tile touches are reused before they are evicted; slabs along c run in parallel.
private func gatherPermuted<T>(
    from src: UnsafePointer<T>, into dst: UnsafeMutablePointer<T>, size n: SIMD3<Int>, strides s: SIMD3<Int>,
    base: Int
) {
    // Rows along a source-contiguous axis need no tiling; otherwise tiles are long along the axis
    // that is contiguous in the source, so each source cache line and page is used many times.
    let tile: SIMD3<Int>
    if abs(s.x) == 1 {
        tile = SIMD3(n.x, n.y, 1)
    } else if abs(s.y) == 1 {
        tile = SIMD3(16, 64, 16)
    } else {
        tile = SIMD3(16, 16, 64)
    }
    let source = SendablePointer(base: UnsafeMutablePointer(mutating: src))
    let destination = SendablePointer(base: dst)
    let slabs = (n.z + tile.z - 1) / tile.z
    Parallel.forEachChunk(of: slabs, work: n.x * n.y * n.z) { slabRange in
        let src = source.base
        let dst = destination.base
        for slab in slabRange {
            let c0 = slab * tile.z
            let c1 = min(c0 + tile.z, n.z)
            for b0 in stride(from: 0, to: n.y, by: tile.y) {
                let b1 = min(b0 + tile.y, n.y)
                for a0 in stride(from: 0, to: n.x, by: tile.x) {
                    let a1 = min(a0 + tile.x, n.x)
                    for c in c0..<c1 {
                        for b in b0..<b1 {
                            var sp = base + c * s.z + b * s.y + a0 * s.x
                            let row = dst + n.x * (b + n.y * c)
                            for a in a0..<a1 {
                                row[a] = src[sp]
                                sp += s.x
                            }
                        }
                    }
                }
            }
        }
    }
}

extension AnyVolume {
    /// The same voxels stored along the axes named by `codes`, exactly (see `Volume.reoriented(to:)`).
    public func reoriented(to codes: AxisCodes) -> AnyVolume {
        switch self {
        case .uint8(let v): .uint8(v.reoriented(to: codes))
        case .int16(let v): .int16(v.reoriented(to: codes))
        case .uint16(let v): .uint16(v.reoriented(to: codes))
        case .int32(let v): .int32(v.reoriented(to: codes))
        case .float32(let v): .float32(v.reoriented(to: codes))
        case .float64(let v): .float64(v.reoriented(to: codes))
        }
    }

    /// The same voxels stored along the axes of `geometry` (its `axisCodes`), exactly.
    public func reoriented(toMatch geometry: ImageGeometry) -> AnyVolume { reoriented(to: geometry.axisCodes) }
}
