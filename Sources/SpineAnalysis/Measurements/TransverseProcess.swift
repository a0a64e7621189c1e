import SpineImaging

/// The transverse process of a lumbar vertebra on one side, read from the posterior-element voxels beside its body.
///
/// A lumbosacral transitional vertebra has dysplastic, enlarged transverse processes: Castellvi type I is a
/// transverse process at least 19 mm in craniocaudal height, types II–IV add a pseudarthrosis or a fusion with the
/// sacral ala (Castellvi AE, Goldstein LA, Chan DPK, "Lumbosacral transitional vertebrae and their relationship with
/// lumbar extradural defects", Spine 1984;9(5):493–496). The height is taken near the tip, lateral of the pedicles and
/// articular pillars (which are taller than a normal process and would read as one), so it is measured only where the
/// field of view reaches that far.
public struct TransverseProcessMeasurement: Sendable, Hashable, Codable {
    public var side: BodySide
    /// Largest craniocaudal extent [mm] of the posterior elements in the tip zone (see `TransverseProcess.measure`).
    public var heightMM: Double
    /// Lateral reach of the posterior elements from the body's centre [mm], perpendicular to the spine.
    public var lateralReachMM: Double
    /// True when the process runs off the image: the reach is a lower bound.
    public var cutByImageEdge: Bool
}

/// Measures transverse processes per vertebra (see `TransverseProcessMeasurement`).
public enum TransverseProcess {
    /// Lateral clearance [mm] beyond the body's lateral wall before the tip zone starts (the pedicles and articular
    /// pillars of a lower lumbar vertebra reach up to about 8 mm beyond its body's wall).
    public static let clearanceBeyondBodyMM = 10.0
    /// Width of the tip zone [mm]: the outermost part of the process that is measured.
    public static let tipZoneMM = 10.0
    /// Castellvi type I: a dysplastic transverse process at least this tall [mm].
    public static let castellviTypeIHeightMM = 19.0

    /// The processes of one vertebra, one per side where the tip zone is in view.
    ///
    /// - Parameters:
    ///   - posteriorPointsLPS: posterior-element voxel centres [mm, LPS] of the whole map (any vertebra).
    ///   - frame: the body's frame (origin its centroid, `superior` along the spine).
    ///   - bodyHalfWidthMM: half the body's left-right width [mm].
    ///   - superiorRangeMM: the vertebra's slab along `superior` relative to its centroid [mm] (half-way to the
    ///     neighbouring bodies), which assigns posterior voxels to it.
    ///   - geometry: the label map's grid, to tell a process cut by the image edge.
    /// - Returns: the measured sides; a side is missing when its posterior elements do not reach the tip zone
    ///   (`bodyHalfWidthMM + clearanceBeyondBodyMM` from the centre), for instance beyond the field of view.
    public static func measure(
        posteriorPointsLPS: [SIMD3<Double>], frame: SpineFrame, bodyHalfWidthMM: Double,
        superiorRangeMM: ClosedRange<Double>, geometry g: ImageGeometry
    ) -> [TransverseProcessMeasurement] {
        // Once, eagerly: each side filters it again.
        let local = Array(
            posteriorPointsLPS.lazy.map(frame.local).filter { superiorRangeMM.contains($0.z) && $0.y < 0 })
        // Lateral bin width: the spacing along the frame's left axis (the slice spacing of a sagittal stack).
        let axisSpacing = (0..<3).map { abs(g.direction.column($0).dot(frame.left)) * g.spacing[$0] }
        let lateralStep = max(0.5, axisSpacing.max() ?? 1)
        let inPlane = (0..<3).map { abs(g.direction.column($0).dot(frame.superior)) * g.spacing[$0] }.max() ?? 1
        var out: [TransverseProcessMeasurement] = []
        for side in BodySide.allCases {
            let pts = local.filter { $0.x * side.sign > 0 }
            guard let reach = pts.map({ abs($0.x) }).max() else { continue }
            // The body's measured half width can fall short of its wall by up to one slice: start one slice further.
            let clear = bodyHalfWidthMM + clearanceBeyondBodyMM + lateralStep
            let start = max(clear, reach - tipZoneMM)
            guard reach >= clear else { continue }
            var columns: [Int: [Double]] = [:]
            for p in pts where abs(p.x) >= start - 1e-6 {
                columns[Int((abs(p.x) / lateralStep).rounded()), default: []].append(p.z)
            }
            // Voxel extent along superior: one in-plane step more than the centres' span. Within a lateral column
            // the process is the longest run without a gap, so an articular process of the next vertebra in the
            // same column does not add to it.
            let runs = columns.values.map { zs -> Double in
                let sorted = zs.sorted()
                var best = 0.0, runStart = sorted[0]
                for (a, b) in zip(sorted, sorted.dropFirst()) where b - a > 1.6 * inPlane {
                    best = max(best, a - runStart)
                    runStart = b
                }
                return max(best, sorted.last! - runStart) + inPlane
            }
            guard let height = runs.max() else { continue }
            let beyond = frame.originLPS + side.sign * (reach + lateralStep) * frame.left
            let inside =
                g.voxelIJK(worldLPS: beyond).map { ijk in
                    (0..<3).allSatisfy { ijk[$0] >= -0.5 && ijk[$0] <= Double(g.size[$0]) - 0.5 }
                } ?? false
            out.append(
                TransverseProcessMeasurement(
                    side: side, heightMM: height, lateralReachMM: reach, cutByImageEdge: !inside))
        }
        return out
    }
}
