import Foundation

/// A frame in the body's sagittal (y, z) plane: a centre and the unit "up" axis of a structure.
///
/// Body coordinates are millimetres with LPS axes (x left, y posterior, z superior) and the origin
/// at the centre of the S1 superior endplate. Angles θ are measured from +z toward anterior (−y),
/// so `up(θ) = (−sin θ, cos θ)` and the anterior axis is `(−cos θ, −sin θ)`.
struct SagittalFrame: Sendable, Hashable {
    var cy: Double
    var cz: Double
    var uy: Double
    var uz: Double

    init(centreY: Double, centreZ: Double, theta: Double) {
        cy = centreY
        cz = centreZ
        uy = -sin(theta)
        uz = cos(theta)
    }

    /// Local (anterior, up) coordinates of a body-frame (y, z) point.
    @inline(__always) func local(_ y: Double, _ z: Double) -> (a: Double, u: Double) {
        let dy = y - cy, dz = z - cz
        return (-dy * uz + dz * uy, dy * uy + dz * uz)
    }

    /// Body-frame (y, z) of local (anterior, up) coordinates.
    @inline(__always) func body(a: Double, u: Double) -> (y: Double, z: Double) {
        (cy + u * uy - a * uz, cz + u * uz + a * uy)
    }

    var theta: Double { atan2(-uy, uz) }
}

/// The coronal placement of a scoliotic element: a lateral shift of its centre and a tilt φ about its anterior
/// axis (its superior axis leans toward +x, the patient's left, for φ > 0). Identity for a straight spine.
struct CoronalPose: Sendable, Hashable {
    var centreX = 0.0
    var cos = 1.0
    var sin = 0.0

    init() {}
    init(centreX: Double, tilt: Double) {
        self.centreX = centreX
        cos = Foundation.cos(tilt)
        sin = Foundation.sin(tilt)
    }

    var tilt: Double { atan2(sin, cos) }

    /// Element coordinates (u along its tilted superior axis, x along its tilted lateral axis) of a body-frame x
    /// and the sagittal-frame u.
    @inline(__always) func local(x: Double, u: Double) -> (u: Double, x: Double) {
        let dx = x - centreX
        return (dx * sin + u * cos, dx * cos - u * sin)
    }

    /// Body-frame x and sagittal-frame u of element coordinates (the inverse of `local`).
    @inline(__always) func body(x: Double, u: Double) -> (u: Double, x: Double) {
        (-x * sin + u * cos, centreX + x * cos + u * sin)
    }
}

@inline(__always) func up(_ theta: Double) -> (y: Double, z: Double) { (-sin(theta), cos(theta)) }
@inline(__always) func anterior(_ theta: Double) -> (y: Double, z: Double) { (-cos(theta), -sin(theta)) }

/// Normalised radius² of a vertebral endplate outline: an ellipse in front, squarer behind, with the
/// posterior wall indented at the midline (the kidney shape of lumbar endplates).
@inline(__always) func endplateRadius2(a: Double, x: Double, ra: Double, rx: Double) -> Double {
    let qx = (x / rx) * (x / rx)
    if a >= 0 { return (a / ra) * (a / ra) + qx }
    let aa = a + 0.06 * ra * max(0, 1 - qx)  // posterior wall concave by 6 % of the half-depth
    let q = (aa / ra) * (aa / ra)
    return 0.5 * q * q + 0.5 * q + qx
}

/// One vertebra (body and posterior elements) placed in the body frame.
struct VertebraShape: Sendable {
    var vertebra: Vertebra
    var frame: SagittalFrame
    /// Mid height (endplate rims, no concavity), tangent of half the wedge angle (anterior taller > 0).
    var height: Double
    var tanHalfWedge: Double
    /// Half depth (AP) and half width of the endplate.
    var ra: Double
    var rx: Double
    var concavityTop: Double
    var concavityBottom: Double
    var dims: VertebralDimensions  // scaled
    var transitional: Bool
    var halfDiscAbove: Double
    var halfDiscBelow: Double
    var marrow: UInt16
    var cortex: UInt16
    var posterior: UInt16
    var coronal = CoronalPose()
    /// Modic bands under the superior and inferior endplates: depth below the 0.9 mm cortex [mm] (0 = none) and
    /// their marrow materials.
    var modicTopDepth = 0.0
    var modicBottomDepth = 0.0
    var modicTop: UInt16 = 0
    var modicBottom: UInt16 = 0
    var zMin = 0.0
    var zMax = 0.0
    /// Culling bounds, set by `prepareSampling()`: |u| beyond which `body` is nil, and the local
    /// (a, u) box outside which `posteriorElements` is nil.
    var bodyCullU = Double.infinity
    var posteriorCullA = -Double.infinity...Double.infinity
    var posteriorCullU = -Double.infinity...Double.infinity

    /// How far [mm] the pedicles reach in front of the posterior body wall (into the body).
    var pedicleReach: Double { 0.5 * ra }

    /// Computes the culling bounds once the shape is final (its `halfDiscAbove` set).
    ///
    /// `bodyCullU` and the a-range are the very expressions of the first tests of `body` and
    /// `posteriorElements`, so they round the same. The u-range is the union of the u-extents of the
    /// parts (pedicles, articular pillars, laminae, transverse processes at most 1.8 half heights from the
    /// pedicle axis, spinous process), widened by 2 mm so rounding cannot matter.
    mutating func prepareSampling() {
        bodyCullU = height / 2 + ra * abs(tanHalfWedge) + 1
        let wall = -ra
        let canalBack = wall - dims.canalDepthMM
        let lamT = 5.5 * dims.bodyDepthMM / 35
        posteriorCullA = (canalBack - lamT - dims.spinousLengthMM - 2)...(wall + max(4, pedicleReach + 1))
        let pedU = height / 2 - dims.pedicleHeightMM / 2 - 1
        let tpReach = 1.8 * (transitional ? 10.0 : 4.0)
        let slope = vertebra.region == .thoracic ? 0.6 : 0.12
        let uMax = max(
            pedU + dims.pedicleHeightMM / 2, height / 2 + halfDiscAbove + 4, height / 2 - 5, pedU + tpReach, 4.5)
        let uMin = min(
            pedU - dims.pedicleHeightMM / 2, -height / 2 - halfDiscBelow - 4, -height / 2 - 3, pedU - tpReach,
            -4 - slope * (dims.spinousLengthMM + 2) - 8.5)
        posteriorCullU = (uMin - 2)...(uMax + 2)
    }

    /// Upper and lower endplate surfaces (u) at a local (a, x).
    @inline(__always) func surfaces(a: Double, r2: Double) -> (top: Double, bottom: Double) {
        let c = max(0, 1 - r2)
        return (
            height / 2 + a * tanHalfWedge - concavityTop * c, -height / 2 - a * tanHalfWedge + concavityBottom * c
        )
    }

    /// Material of the vertebral body at a local point, or nil.
    @inline(__always) func body(a: Double, u: Double, x: Double) -> UInt16? {
        if abs(u) > bodyCullU { return nil }
        let waist = 1 + 0.12 * max(0, 1 - (2 * u / height) * (2 * u / height))  // concave lateral walls
        let r2 = endplateRadius2(a: a, x: x, ra: ra, rx: rx) * waist
        if r2 > 1 { return nil }
        let s = surfaces(a: a, r2: r2)
        if u > s.top || u < s.bottom { return nil }
        let rim = 1 - 1.1 / min(ra, rx)
        if r2 > rim * rim || u > s.top - 0.9 || u < s.bottom + 0.9 { return cortex }
        // Modic bands (a depth of 0 can never pass: u ≤ s.top − 0.9 and u ≥ s.bottom + 0.9 here).
        if u > s.top - 0.9 - modicTopDepth { return modicTop }
        if u < s.bottom + 0.9 + modicBottomDepth { return modicBottom }
        return marrow
    }

    /// Material of the posterior elements at a local point, or nil.
    @inline(__always) func posteriorElements(a: Double, u: Double, x: Double) -> UInt16? {
        if !posteriorCullA.contains(a) || !posteriorCullU.contains(u) { return nil }
        let ax = abs(x)
        let cw2 = dims.canalWidthMM / 2
        let pw = dims.pedicleWidthMM
        let wall = -ra  // posterior body wall
        let canalBack = wall - dims.canalDepthMM
        let lamT = 5.5 * dims.bodyDepthMM / 35
        if a > wall + max(4, pedicleReach + 1) || a < canalBack - lamT - dims.spinousLengthMM - 2 { return nil }
        // Pedicles: elliptic bars from the upper body to the articular pillar, reaching into the body (which takes
        // precedence) so that no gap opens between a pedicle and the body's receding posterolateral wall.
        let pedU = height / 2 - dims.pedicleHeightMM / 2 - 1
        if a <= wall + pedicleReach, a >= canalBack - 1 {
            let dx = (ax - cw2 - pw / 2) / (pw / 2), du = (u - pedU) / (dims.pedicleHeightMM / 2)
            if dx * dx + du * du <= 1 { return posterior }
        }
        // Articular pillars: superior processes laterally reaching up, inferior processes medially reaching down.
        if a <= canalBack + 7, a >= canalBack - 4, ax >= cw2 - 1, ax <= cw2 + pw + 3 {
            let split = cw2 + pw * 0.45
            if ax > split + 0.5, u <= height / 2 + halfDiscAbove + 4, u >= -height / 2 + 4 { return posterior }
            if ax < split - 0.5, u >= -height / 2 - halfDiscBelow - 4, u <= height / 2 - 6 { return posterior }
        }
        // Laminae: the posterior wall of the canal, shingled downward.
        if a <= canalBack + 1, a >= canalBack - lamT, ax <= cw2 + pw, u >= -height / 2 - 3, u <= height / 2 - 5 {
            return posterior
        }
        // Transverse processes from the pillar outward.
        let tpA = wall - dims.canalDepthMM * 0.6
        let tpHalf = transitional ? 10.0 : 4.0
        if abs(a - tpA) <= (transitional ? 8 : 4), ax >= cw2 + pw - 2, ax <= dims.transverseSpanMM / 2,
            abs(u - pedU) <= tpHalf * (1 - 0.4 * (ax - cw2 - pw) / max(1, dims.transverseSpanMM / 2 - cw2 - pw))
        {
            return posterior
        }
        // Spinous process: a slanted plate in the midline.
        let d = canalBack - lamT + 2 - a
        if ax <= 3.2, d >= 0, d <= dims.spinousLengthMM + 2 {
            let slope = vertebra.region == .thoracic ? 0.6 : 0.12
            let uc = -4 - slope * d
            if abs(u - uc) <= 8.5 - 0.05 * d { return posterior }
        }
        return nil
    }
}

/// An intervertebral disc between two vertebral bodies, sheared when the upper vertebra slips.
struct DiscShape: Sendable {
    var level: DiscLevel
    var frame: SagittalFrame
    var height: Double
    var tanHalfWedge: Double
    var ra: Double
    var rx: Double
    var concavityUpper: Double  // the upper vertebra's inferior endplate concavity
    var concavityLower: Double  // the lower vertebra's superior endplate concavity
    /// Anterior shift of the upper surface relative to the lower [mm] (spondylolisthesis).
    var slipMM: Double
    var nucleus: UInt16
    var annulus: UInt16
    var coronal = CoronalPose()
    /// Tangent of half the coronal wedge (the upper endplate's tilt less the lower's, halved).
    var coronalTanHalfWedge = 0.0
    /// Foraminal narrowing on each side (nil = none), built by `SpineModel.narrowForamina`.
    var foraminalLeft: ForaminalNarrowing? = nil
    var foraminalRight: ForaminalNarrowing? = nil
    var zMin = 0.0
    var zMax = 0.0
    /// |u| beyond which `material` is nil (its first test's expression, precomputed by `prepareSampling()`).
    var cullU = Double.infinity

    mutating func prepareSampling() {
        cullU = height / 2 + ra * abs(tanHalfWedge) + max(concavityUpper, concavityLower) + 1
    }

    var hasForaminalNarrowing: Bool { foraminalLeft != nil || foraminalRight != nil }

    @inline(__always) func material(a: Double, u: Double, x: Double) -> UInt16? {
        if let m = discMaterial(a: a, u: u, x: x) { return m }
        if !hasForaminalNarrowing { return nil }
        return (x > 0 ? foraminalLeft : foraminalRight)?.material(a: a, u: u, ax: abs(x))
    }

    @inline(__always) func discMaterial(a: Double, u: Double, x: Double) -> UInt16? {
        if abs(u) > cullU { return nil }
        let sa = a - slipMM * u / max(height, 0.5)
        let r2 = endplateRadius2(a: sa, x: x, ra: ra * 1.02, rx: rx * 1.02)
        if r2 > 1 { return nil }
        let c = max(0, 1 - r2)
        var top = height / 2 + sa * tanHalfWedge + concavityUpper * c + 0.4
        var bottom = -height / 2 - sa * tanHalfWedge - concavityLower * c - 0.4
        if coronalTanHalfWedge != 0 {
            top -= x * coronalTanHalfWedge
            bottom += x * coronalTanHalfWedge
        }
        if u > top || u < bottom { return nil }
        let na = (sa + 0.12 * ra) / (0.55 * ra), nx = x / (0.6 * rx)
        let rn = na * na + nx * nx
        if rn < 1 {
            let h = top - bottom
            let margin = h * (0.22 + 0.2 * rn)
            if u < top - margin && u > bottom + margin { return nucleus }
        }
        return annulus
    }
}

/// One fused sacral segment (S1…S5), body only; alae and the posterior plate are added by the model.
struct SacralSegment: Sendable {
    var frame: SagittalFrame
    var height: Double
    var ra: Double
    var rx: Double
    var concavityTop: Double
    var canalDepth: Double
    var canalWidth: Double
}

/// The tissue that narrows one intervertebral foramen, in its disc's local frame (a anterior, u superior, both
/// mm from the disc centre; `ax` the distance from the midline), outside the disc and the vertebral bodies:
/// - a posterolateral disc protrusion: a dome of annulus `protrusionMM` deep behind the disc's posterior
///   margin, centred at the disc's mid-height and at the upper pedicle's lateral position;
/// - facet hypertrophy: the articular pillar (upper vertebra's posterior elements) filled across its width and
///   grown `facetGrowthMM` forward, from the lower vertebra up to the upper pedicle's middle;
/// - a floor rising `floorRiseMM` from the disc's lower surface behind the disc (osteophyte of the lower
///   vertebra) and a ceiling dropping `ceilingDropMM` from the upper pedicle's inferior margin (osteophyte of
///   the upper vertebra), which lower the foraminal height. Both are labelled posterior elements (the sacrum at
///   S1), so that a vertebral body's label keeps the shape that its heights and tilts are measured from.
struct ForaminalNarrowing: Sendable {
    var fraction: Double
    var protrusionMM: Double
    var facetGrowthMM: Double
    var floorRiseMM: Double
    var ceilingDropMM: Double
    /// Lateral centre and half width of the narrowing [mm].
    var centreX: Double
    var halfWidth: Double
    /// Local a of the disc's posterior margin at `centreX`, of the pillar's front and back.
    var marginA: Double
    var pillarFrontA: Double
    var pillarBackA: Double
    /// Local u of the disc's mid-height half height, the lower endplate (floor base), the upper pedicle's
    /// inferior margin and middle.
    var discHalfHeight: Double
    var floorBaseU: Double
    var pedicleBottomU: Double
    var pedicleMiddleU: Double
    var annulus: UInt16
    var lowerBone: UInt16
    /// The upper vertebra's posterior elements: the facet growth and the dropped ceiling of the foramen.
    var posterior: UInt16

    /// The extent in local (a, u), for binning.
    var aRange: ClosedRange<Double> { (pillarBackA - 1)...(marginA + 7) }
    var uRange: ClosedRange<Double> { (floorBaseU - 1)...(max(pedicleMiddleU, pedicleBottomU + 1) + 1) }

    @inline(__always) func material(a: Double, u: Double, ax: Double) -> UInt16? {
        let t = (ax - centreX) / halfWidth
        if t * t > 1 || a < pillarBackA || a > marginA + 6 || u < floorBaseU || u > pedicleMiddleU + 0.5 {
            return nil
        }
        if protrusionMM > 0, a <= marginA + protrusionMM {
            let q = u / (discHalfHeight + 0.5 * protrusionMM)
            let reach = protrusionMM * (1 - t * t - q * q)
            if reach > 0, a >= marginA - reach, a <= marginA + 1 { return annulus }
        }
        if a <= pillarFrontA + facetGrowthMM, u <= pedicleMiddleU { return posterior }
        // Floor and ceiling reach forward into the bodies (which take precedence), closing any gap between a pedicle
        // and its body's wall at their level.
        if floorRiseMM > 0, u <= -discHalfHeight + floorRiseMM { return lowerBone }
        if ceilingDropMM > 0, u >= pedicleBottomU - ceilingDropMM, u <= pedicleBottomU + 1 { return posterior }
        return nil
    }
}
