import SpineImaging

/// Nearest-voxel lookups of an instance map at world LPS points, for measuring along lines and planes.
public struct MaskSampler: Sendable {
    public let ids: Volume<Int32>
    let worldToIndex: Matrix3
    let origin: SIMD3<Double>

    public init?(ids: Volume<Int32>) {
        guard let inv = ids.geometry.indexToWorldLinear.inverse else { return nil }
        self.ids = ids
        self.worldToIndex = inv
        self.origin = ids.geometry.origin
    }

    /// The id of the voxel whose centre is nearest to `pLPS` (0 outside the grid).
    @inline(__always)
    public func id(atLPS p: SIMD3<Double>) -> Int32 {
        let c = worldToIndex * (p - origin)
        let i = Int((c.x).rounded()), j = Int((c.y).rounded()), k = Int((c.z).rounded())
        let s = ids.geometry.size
        guard i >= 0, j >= 0, k >= 0, i < s.x, j < s.y, k < s.z else { return 0 }
        return ids.voxels[i + s.x * (j + s.y * k)]
    }

    /// True when the nearest voxel belongs to any of `members`.
    @inline(__always)
    public func isInside(_ p: SIMD3<Double>, _ members: Set<Int32>) -> Bool {
        let v = id(atLPS: p)
        return v != 0 && members.contains(v)
    }

    /// The inside run along a line: from `centerLPS`, both ways along unit `direction` up to `halfLengthMM`.
    /// Returns the run that contains the centre, or the run nearest to it; nil when the line misses.
    /// `lower`/`upper` are signed distances [mm] of the run's ends from the centre (to step/2 precision).
    public func run(
        centerLPS c: SIMD3<Double>, direction d: SIMD3<Double>, members: Set<Int32>,
        halfLengthMM: Double = 60, stepMM: Double = 0.1
    ) -> (lower: Double, upper: Double)? {
        let n = Int(halfLengthMM / stepMM)
        var runs: [(Double, Double)] = []
        var start: Double? = nil
        for q in -n...n {
            let t = Double(q) * stepMM
            let inside = isInside(c + t * d, members)
            if inside && start == nil { start = t - stepMM / 2 }
            if !inside, let s = start {
                runs.append((s, t - stepMM / 2))
                start = nil
            }
        }
        if let s = start { runs.append((s, Double(n) * stepMM + stepMM / 2)) }
        return runs.min { distanceToZero($0) < distanceToZero($1) }
    }

    private func distanceToZero(_ r: (Double, Double)) -> Double { r.0 <= 0 && r.1 >= 0 ? 0 : min(abs(r.0), abs(r.1)) }
}

/// Voxel indices of each instance id, gathered in one pass.
struct InstanceVoxels {
    var byID: [Int32: [Int]] = [:]

    init(_ ids: Volume<Int32>) {
        for (p, v) in ids.voxels.enumerated() where v != 0 { byID[v, default: []].append(p) }
    }

    /// World LPS positions of the voxel centres of the given ids.
    func pointsLPS(_ members: Set<Int32>, geometry g: ImageGeometry) -> [SIMD3<Double>] {
        var out: [SIMD3<Double>] = []
        let m = g.indexToWorldLinear
        let (nx, ny) = (g.size.x, g.size.y)
        for id in members {
            for p in byID[id] ?? [] {
                let ijk = SIMD3(Double(p % nx), Double((p / nx) % ny), Double(p / (nx * ny)))
                out.append(g.origin + m * ijk)
            }
        }
        return out
    }

    /// True when a voxel of `id` lies on a face of the grid along an axis that is mostly left–right, so the
    /// structure's coronal outline may be truncated (the converse of `touchesSagittalBorder`).
    func touchesLateralBorder(_ id: Int32, geometry g: ImageGeometry) -> Bool {
        let d = g.direction
        let n = [g.size.x, g.size.y, g.size.z]
        let lateral = (0..<3).map { abs(d.column($0).x) >= 0.7 }
        for p in byID[id] ?? [] {
            let ijk = [p % n[0], (p / n[0]) % n[1], p / (n[0] * n[1])]
            for a in 0..<3 where lateral[a] && (ijk[a] == 0 || ijk[a] == n[a] - 1) { return true }
        }
        return false
    }

    /// True when a voxel of `id` lies on a face of the grid that cuts the sagittal plane — along an
    /// axis that is not mostly left–right — so the structure's sagittal outline may be truncated.
    /// (A narrow lateral field of view cuts no sagittal outline and is not counted.)
    func touchesSagittalBorder(_ id: Int32, geometry g: ImageGeometry) -> Bool {
        let d = g.direction
        let n = [g.size.x, g.size.y, g.size.z]
        let inPlane = (0..<3).map { abs(d.column($0).x) < 0.7 }
        for p in byID[id] ?? [] {
            let ijk = [p % n[0], (p / n[0]) % n[1], p / (n[0] * n[1])]
            for a in 0..<3 where inPlane[a] && (ijk[a] == 0 || ijk[a] == n[a] - 1) { return true }
        }
        return false
    }
}
