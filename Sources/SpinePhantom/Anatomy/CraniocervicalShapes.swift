import Foundation

/// The dens (odontoid process) of C2: a rounded peg on the anterior half of C2's body, in C2's element frame
/// (a anterior, u superior, x left; mm from the body's centre). It carries C2's body materials, so that a label
/// map names it C2 (the projected body masks of a radiograph leave it out: `DensShape` is not the body).
struct DensShape: Sendable {
    /// Centre of the peg's base on the upper endplate, and its axis length (base to tip) [mm].
    var baseA: Double
    var baseU: Double
    var length: Double
    /// Half depth and half width at the waist [mm].
    var ra: Double
    var rx: Double
    var marrow: UInt16
    var cortex: UInt16

    /// The dens's material at a local point of C2's frame, or nil: an elliptic cylinder from 2 mm inside the body
    /// up to its base, capped by a half ellipsoid (the apex) over its last `ra · 1.2` mm.
    @inline(__always) func material(a: Double, u: Double, x: Double) -> UInt16? {
        let h = u - baseU
        if h < -2 || h > length { return nil }
        let capStart = length - 1.2 * ra
        var q = ((a - baseA) / ra) * ((a - baseA) / ra) + (x / rx) * (x / rx)
        if h > capStart {
            let t = (h - capStart) / (1.2 * ra)
            q += t * t
        }
        if q > 1 { return nil }
        return q > 0.55 ? cortex : marrow
    }
}

/// The atlas (C1): a ring without a body around the dens, in C2's element frame lifted by `lift` mm (the ring's
/// mid-height), with an anterior arch in front of the dens, two lateral masses on C2's superior articular facets,
/// a posterior arch behind the canal and transverse processes. All of it is bone of one instance (VerSe 1),
/// classed as posterior elements: the atlas has no vertebral body (its centrum is the dens).
struct AtlasShape: Sendable {
    /// Local (a, u) of the ring's centre (the canal's centre at the ring's mid-height) in C2's frame [mm].
    var centreA: Double
    var centreU: Double
    /// Half depth of the ring (front of the anterior arch to back of the posterior arch) and its half width at
    /// the lateral masses [mm].
    var halfDepth: Double
    var halfWidth: Double
    /// The arches' half thickness (a) and half height (u) [mm].
    var archHalfThickness: Double
    var archHalfHeight: Double
    /// Lateral masses: centre (a, |x|) and half extents (a, u, x) [mm].
    var massA: Double
    var massX: Double
    var massHalf: SIMD3<Double>
    /// Transverse processes: half span from the midline [mm].
    var transverseHalfSpan: Double
    var bone: UInt16
    var uMin: Double { centreU - max(massHalf.y, archHalfHeight) - 1 }
    var uMax: Double { centreU + max(massHalf.y, archHalfHeight) + 1 }

    @inline(__always) func material(a: Double, u: Double, x: Double) -> UInt16? {
        if u < uMin || u > uMax { return nil }
        let ax = abs(x), du = u - centreU
        // Lateral masses: rounded boxes (superellipsoids) on each side of the dens.
        let qa = (a - massA) / massHalf.x, qu = du / massHalf.y, qx = (ax - massX) / massHalf.z
        if qa * qa * qa * qa + qu * qu * qu * qu + qx * qx * qx * qx <= 1 { return bone }
        // The ring: an elliptic band (outer half depth and width; a band of the arch's thickness), thin in u.
        if abs(du) <= archHalfHeight {
            let ea = (a - centreA) / halfDepth, ex = ax / halfWidth
            let r = (ea * ea + ex * ex).squareRoot()
            let thickness = 2 * archHalfThickness / halfDepth
            // Anterior arch in front of the dens, posterior arch behind the canal, joined through the lateral masses.
            if r <= 1, r >= 1 - thickness { return bone }
        }
        // Transverse processes: bars from the lateral masses outward, slightly forward.
        if ax > massX, ax <= transverseHalfSpan, abs(a - massA) <= 4, abs(du) <= 4 { return bone }
        return nil
    }
}

/// One coccygeal segment: a small rounded body continuing the sacrum's curve, with the sacrum's fused segments'
/// 1.5 mm overlap (the first leaves a 1.5 mm sacrococcygeal joint below S5).
struct CoccygealSegment: Sendable {
    var frame: SagittalFrame
    var height: Double
    var ra: Double
    var rx: Double
}
