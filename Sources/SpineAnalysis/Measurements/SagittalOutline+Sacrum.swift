import Foundation
import SpineImaging

extension SagittalOutline {
    /// Traces the cranial surface of the sacrum — the S1 superior endplate — under the lowest disc.
    ///
    /// The sacrum is no box: its alae reach higher than the endplate laterally, its posterior plate lies
    /// behind the sacral canal, and below S1 it curves forward, so neither its centroid nor a trace
    /// along the spine curve finds the endplate. This traces lines parallel to an estimate of the
    /// endplate normal (the L5-S1 disc's thinnest axis, else the caudal normal of the body above, else
    /// `superiorHint`) through the midline strip just below the disc, `reachMM` deep, keeps the
    /// contiguous stretch under the disc, and re-traces along the traced endplate's own normal until it
    /// settles. Only the cranial boundary and the edges of the result are meaningful; the caudal
    /// boundary is where the lines were cut off.
    ///
    /// - Parameters:
    ///   - members: ids of the sacrum (or S1) voxels.
    ///   - sacrumPointsLPS: voxel centres of the sacrum [mm, LPS].
    ///   - discPointsLPS: voxel centres of the disc above the sacrum (L5-S1), when segmented.
    ///   - upperBody: the outline of the body above the sacrum (L5), when measured.
    ///   - superiorHint: a cranial direction (e.g. the spine curve's tangent) for when neither is known.
    /// - Returns: nil when no part of the sacrum lies under the reference point.
    static func traceSacralEndplate(
        sampler: MaskSampler, members: Set<Int32>, sacrumPointsLPS: [SIMD3<Double>],
        discPointsLPS: [SIMD3<Double>], upperBody: SagittalOutline?, superiorHint: SIMD3<Double>,
        reachMM: Double = 12
    ) -> SagittalOutline? {
        guard !sacrumPointsLPS.isEmpty else { return nil }
        // Reference point above the endplate and a first normal.
        var up = superiorHint.normalized
        var reference: SIMD3<Double>
        var halfDepth = 25.0
        if let pca = PrincipalAxes(points: discPointsLPS), pca.variances[2] < 0.5 * pca.variances[1] {
            let n = pca.axes[2]
            up = n.dot(up) < 0 ? -n : n
            reference = pca.centroid
            halfDepth = 2 * pca.variances[0].squareRoot() + 3  // a uniform disc of depth d has σ = d/√12
        } else if let o = upperBody, let n = o.caudalNormalLPS, let c = o.caudalMidpointLPS, let e = o.edgesMM {
            up = n
            reference = c
            halfDepth = (e.upperBound - e.lowerBound) / 2 + 3
        } else {
            // No disc or body above: the top of the sacrum along the hint, near its midline.
            let top = sacrumPointsLPS.map { $0.dot(up) }.max()!
            let cranial = sacrumPointsLPS.filter { $0.dot(up) >= top - 20 }
            reference = cranial.reduce(SIMD3<Double>.zero, +) / Double(cranial.count)
        }
        var traced: SagittalOutline? = nil
        for _ in 0..<4 {
            let frame = SpineFrame(originLPS: reference, superior: up)
            // The sacrum below the reference, within the midline strip and the disc's depth.
            let below = sacrumPointsLPS.map { frame.local($0) }.filter {
                abs($0.x) <= 8 && abs($0.y) <= halfDepth && $0.z < 0
            }
            guard let top = below.map(\.z).max() else { return traced }
            // Trace from a point `reachMM` below the top of the sacrum there, reaching up past it.
            let origin = frame.world(SIMD3(0, 0, top - reachMM / 2))
            let traceFrame = SpineFrame(originLPS: origin, superior: up)
            let ys = below.filter { $0.z >= top - reachMM }.map(\.y)
            guard let lo = ys.min(), let hi = ys.max() else { return traced }
            var o = SagittalOutline.trace(
                sampler: sampler, members: members, frame: traceFrame,
                anteriorRangeMM: (lo - 1)...(hi + 1), reachMM: reachMM / 2 + 1)
            o.endplateFit = .rims
            guard o.anteriorMM.count >= 3 else { return traced }
            traced = o
            guard let n = o.cranialNormalLPS else { break }
            if acos(min(1, n.dot(up))) < 0.2 * .pi / 180 { break }
            up = n
        }
        return traced
    }
}
