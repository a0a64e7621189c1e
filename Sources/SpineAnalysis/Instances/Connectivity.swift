/// Which voxels count as neighbours in 3D: sharing a face (6), a face or an edge (18), or any corner (26).
public enum Connectivity: Int, Sendable, Codable, CaseIterable {
    case faces = 6
    case facesAndEdges = 18
    case full = 26

    /// Neighbour offsets (i, j, k) for this connectivity, excluding (0, 0, 0).
    var offsets: [SIMD3<Int>] {
        var out: [SIMD3<Int>] = []
        for dk in -1...1 {
            for dj in -1...1 {
                for di in -1...1 {
                    let n = abs(di) + abs(dj) + abs(dk)
                    if n == 0 { continue }
                    switch self {
                    case .faces where n > 1: continue
                    case .facesAndEdges where n > 2: continue
                    default: out.append(SIMD3(di, dj, dk))
                    }
                }
            }
        }
        return out
    }

    /// Offsets with a positive linear index (the "forward" half), for scans that visit each pair once.
    var forwardOffsets: [SIMD3<Int>] {
        offsets.filter { $0.z > 0 || ($0.z == 0 && ($0.y > 0 || ($0.y == 0 && $0.x > 0))) }
    }
}
