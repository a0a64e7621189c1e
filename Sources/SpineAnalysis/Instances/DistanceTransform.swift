import SpineImaging

/// Exact Euclidean distance transforms on a voxel grid with anisotropic spacing.
///
/// Felzenszwalb & Huttenlocher, "Distance transforms of sampled functions", Theory of Computing 8 (2012):
/// the squared distance is separable, one lower envelope of parabolas per line and axis.
public enum DistanceTransform {
    /// Squared Euclidean distance [mm²] from every voxel centre to the nearest feature voxel centre
    /// (0 on features; `.infinity` everywhere when there is no feature).
    ///
    /// - Parameters:
    ///   - geometry: grid size and spacing (the direction matrix is orthonormal, so index distances
    ///     scaled by spacing are world distances).
    ///   - isFeature: one flag per voxel, i fastest.
    /// - Complexity: O(voxels), three passes, lines spread over cores.
    public static func squaredDistanceMM2(geometry: ImageGeometry, isFeature: [Bool]) -> [Double] {
        precondition(isFeature.count == geometry.voxelCount)
        var d = isFeature.map { $0 ? 0.0 : Double.infinity }
        let size = geometry.size
        let strides = [1, size.x, size.x * size.y]
        let lengths = [size.x, size.y, size.z]
        for axis in 0..<3 {
            let n = lengths[axis]
            if n == 1 { continue }
            let stride = strides[axis]
            let spacing = geometry.spacing[axis]
            // Line starts: all voxels whose index along `axis` is 0.
            let (a, b) = axis == 0 ? (1, 2) : axis == 1 ? (0, 2) : (0, 1)
            let lineCount = lengths[a] * lengths[b]
            d.withUnsafeMutableBufferPointer { buf in
                let shared = SharedBuffer(base: buf.baseAddress!)
                ConcurrentLoop.forEachChunk(of: lineCount, work: geometry.voxelCount) { range in
                    var f = [Double](repeating: 0, count: n)
                    var out = [Double](repeating: 0, count: n)
                    var v = [Int](repeating: 0, count: n)
                    var z = [Double](repeating: 0, count: n + 1)
                    for line in range {
                        let ia = line % lengths[a], ib = line / lengths[a]
                        let start = ia * strides[a] + ib * strides[b]
                        for q in 0..<n { f[q] = shared.base[start + q * stride] }
                        envelope1D(f, spacing: spacing, out: &out, v: &v, z: &z)
                        for q in 0..<n { shared.base[start + q * stride] = out[q] }
                    }
                }
            }
        }
        return d
    }

    /// Euclidean distance [mm] from every voxel inside a mask to the nearest voxel outside it
    /// (0 outside). Voxels beyond the grid border count as outside when `borderIsOutside`.
    public static func insideDistanceMM(geometry: ImageGeometry, inside: [Bool], borderIsOutside: Bool = true)
        -> [Double]
    {
        if !borderIsOutside {
            return squaredDistanceMM2(geometry: geometry, isFeature: inside.map { !$0 }).map { $0.squareRoot() }
        }
        // Pad by one voxel of "outside" so the border counts.
        let s = geometry.size
        let padded = ImageGeometry(size: s &+ 2, spacing: geometry.spacing)
        var feature = [Bool](repeating: true, count: padded.voxelCount)
        for k in 0..<s.z {
            for j in 0..<s.y {
                for i in 0..<s.x {
                    feature[padded.linearIndex(i + 1, j + 1, k + 1)] = !inside[geometry.linearIndex(i, j, k)]
                }
            }
        }
        let dp = squaredDistanceMM2(geometry: padded, isFeature: feature)
        var out = [Double](repeating: 0, count: geometry.voxelCount)
        for k in 0..<s.z {
            for j in 0..<s.y {
                for i in 0..<s.x {
                    out[geometry.linearIndex(i, j, k)] = dp[padded.linearIndex(i + 1, j + 1, k + 1)].squareRoot()
                }
            }
        }
        return out
    }

    /// One line: out[q] = min_p (f[p] + ((q − p)·spacing)²).
    @inline(__always)
    static func envelope1D(_ f: [Double], spacing: Double, out: inout [Double], v: inout [Int], z: inout [Double]) {
        let n = f.count
        var k = -1
        for q in 0..<n where f[q].isFinite {
            let fq = f[q] + Double(q * q) * spacing * spacing
            while k >= 0 {
                let p = v[k]
                let fp = f[p] + Double(p * p) * spacing * spacing
                let s = (fq - fp) / (2 * spacing * spacing * Double(q - p))
                if s <= z[k] {
                    k -= 1
                } else {
                    k += 1
                    v[k] = q
                    z[k] = s
                    break
                }
            }
            if k < 0 {
                k = 0
                v[0] = q
                z[0] = -.infinity
            }
        }
        guard k >= 0 else {
            for q in 0..<n { out[q] = .infinity }
            return
        }
        z[k + 1] = .infinity
        var j = 0
        for q in 0..<n {
            while z[j + 1] < Double(q) { j += 1 }
            let dq = Double(q - v[j]) * spacing
            out[q] = dq * dq + f[v[j]]
        }
    }
}
