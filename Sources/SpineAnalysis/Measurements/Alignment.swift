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

    /// Slip of a vertebra over the one below, after Meyerding (Surg Gynecol Obstet 1932;54:371–377):
    /// the distance from the posterior-caudal corner of the upper body to the posterior-cranial corner of
    /// the lower body, along the lower body's cranial endplate (positive = forward slip, anterolisthesis),
    /// and as a percentage of that endplate's AP depth.
    public static func slip(upper: SagittalOutline, lower: SagittalOutline) -> Slip? {
        guard let cu = upper.caudalCornerLPS(posterior: true), let cl = lower.cranialCornerLPS(posterior: true),
            let n = lower.cranialNormalLPS
        else { return nil }
        // Direction along the lower cranial endplate, pointing anteriorly, perpendicular to its normal.
        var along = lower.frame.anterior - lower.frame.anterior.dot(n) * n
        guard along.length > 1e-9 else { return nil }
        along = along.normalized
        let distance = (cu - cl).dot(along)
        guard let ca = lower.cranialCornerLPS(posterior: false) else { return nil }
        let depth = (ca - cl).dot(along) + 0.5  // corners are line centres 0.5 mm apart
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
