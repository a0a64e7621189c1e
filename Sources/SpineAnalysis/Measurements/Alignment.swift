import Foundation
import SpineImaging

/// Sagittal alignment read from endplate orientations.
public enum Alignment {
    /// Cobb angle [degrees] between a cranial endplate normal and a caudal one, both projected on the
    /// patient's sagittal plane; positive for lordosis (the caudal normal tilted further anteriorly).
    /// Lumbar lordosis is this angle from the cranial endplate of L1 to that of S1 (Cobb 1948; e.g.
    /// Roussouly et al., Spine 2005;30:346–353 for L1–S1 lordosis).
    public static func cobbAngleDeg(cranialNormalLPS: SIMD3<Double>, caudalNormalLPS: SIMD3<Double>) -> Double {
        sagittalTiltDeg(caudalNormalLPS) - sagittalTiltDeg(cranialNormalLPS)
    }

    /// Slip of a vertebra over the one below, graded after Meyerding (Surg Gynecol Obstet
    /// 1932;54:371–377): the displacement of the midpoint of the upper body's caudal endplate from the
    /// midpoint of the lower body's cranial endplate, perpendicular to the disc's axis (the bisector of
    /// the two endplate normals), positive forward (anterolisthesis); and as a percentage of the lower
    /// endplate's AP depth.
    ///
    /// Meyerding reads the offset of the posterior corners; the midpoints give the same offset when the
    /// two endplates are equally deep, and unlike corners they do not move with rounded or beaked
    /// margins, a depth difference between neighbours (L5 on a deeper S1), or the disc's wedge (a
    /// lordotic disc tilts the upper body, which swings its posterior corner backward over the lower).
    public static func slip(upper: SagittalOutline, lower: SagittalOutline) -> Slip? {
        guard let cu = upper.caudalMidpointLPS, let cl = lower.cranialMidpointLPS,
            let nu = upper.caudalNormalLPS, let nl = lower.cranialNormalLPS, let edges = lower.edgesMM
        else { return nil }
        let axis = (nu + nl).normalized
        var along = lower.frame.anterior - lower.frame.anterior.dot(axis) * axis
        guard along.length > 1e-9 else { return nil }
        along = along.normalized
        let distance = (cu - cl).dot(along)
        // The lower endplate's depth, measured along the slip direction.
        let depth = (edges.upperBound - edges.lowerBound) * abs(lower.frame.anterior.dot(along))
        guard depth > 0 else { return nil }
        return Slip(distanceMM: distance, percent: 100 * distance / depth, lowerEndplateDepthMM: depth)
    }

    public struct Slip: Sendable, Hashable, Codable {
        /// Forward (positive) or backward (negative) displacement [mm].
        public var distanceMM: Double
        /// Displacement as a percentage of the lower endplate depth.
        public var percent: Double
        public var lowerEndplateDepthMM: Double
    }
}
