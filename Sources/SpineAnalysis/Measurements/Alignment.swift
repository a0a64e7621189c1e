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

extension Alignment {
    /// Tilt of a vertebral body on the patient's coronal (LPS x–z) plane [degrees], positive when its left
    /// side is lower: the angle of the long axis of the body's coronal projection, which for a body wider
    /// than tall is the direction of its endplates. Sagittal tilt (lordosis) and axial rotation leave a
    /// body symmetric about its mid-sagittal plane and do not change it.
    ///
    /// Nil when the projection is not clearly elongated (long/short axis spread ratio below 1.3) or spans
    /// under `minimumWidthMM` left to right: the map cannot show the tilt.
    public static func coronalTiltDeg(pointsLPS: [SIMD3<Double>], minimumWidthMM: Double = 20) -> Double? {
        guard pointsLPS.count >= 10 else { return nil }
        var lo = Double.infinity, hi = -Double.infinity
        var mx = 0.0, mz = 0.0
        for p in pointsLPS {
            lo = min(lo, p.x)
            hi = max(hi, p.x)
            mx += p.x
            mz += p.z
        }
        guard hi - lo >= minimumWidthMM else { return nil }
        let n = Double(pointsLPS.count)
        mx /= n
        mz /= n
        var sxx = 0.0, szz = 0.0, sxz = 0.0
        for p in pointsLPS {
            let dx = p.x - mx, dz = p.z - mz
            sxx += dx * dx
            szz += dz * dz
            sxz += dx * dz
        }
        // Eigen-decomposition of the 2×2 covariance.
        let tr = sxx + szz, det = sxx * szz - sxz * sxz
        let disc = max(0, tr * tr / 4 - det).squareRoot()
        let l1 = tr / 2 + disc, l2 = tr / 2 - disc
        guard l2 > 0, l1 / l2 >= 1.3 * 1.3 else { return nil }
        // Long axis angle from +x: θ = ½ atan2(2 sxz, sxx − szz).
        let theta = 0.5 * atan2(2 * sxz, sxx - szz)
        guard abs(theta) < Double.pi / 4 else { return nil }  // the long axis must run left–right
        return -theta * 180 / .pi
    }

    /// Coronal Cobb angle (Cobb, Instr Course Lect 1948;5:261–275): the largest difference in coronal tilt
    /// between two vertebrae, which are the end vertebrae of the curve. Input cranial to caudal, at least three.
    public static func coronalCobb(tiltsDeg: [(Vertebra, Double)]) -> (
        angleDeg: Double, upper: Vertebra, lower: Vertebra
    )? {
        guard tiltsDeg.count >= 3 else { return nil }
        var best: (Double, Vertebra, Vertebra)? = nil
        for i in tiltsDeg.indices {
            for j in tiltsDeg.indices where j > i {
                let a = abs(tiltsDeg[i].1 - tiltsDeg[j].1)
                if best == nil || a > best!.0 { best = (a, tiltsDeg[i].0, tiltsDeg[j].0) }
            }
        }
        return best.map { (angleDeg: $0.0, upper: $0.1, lower: $0.2) }
    }
}
