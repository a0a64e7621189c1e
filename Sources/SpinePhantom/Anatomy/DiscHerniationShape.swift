/// A disc herniation as built (`PhantomParameters.Herniation`), in the canal's frame: arc length `s` along the
/// centreline (growing caudally), offset `n` along its anterior normal and lateral `x` (+ left), all in mm.
///
/// The base plane is the disc margin at the herniation's lateral centre, `nBase` (the bulging margin where the
/// disc bulges; the disc outline's posterior margin in the foramen); depth behind it is `nBase − n`. Shapes
/// (Fardon DF et al., Spine J 2014;14(11):2525–2545):
/// - protrusion: a dome whose reach falls off as a paraboloid, depth ≤ `sizeMM`·(1 − (Δx/w)² − (Δs/l)²), with
///   base half width w and half length l; every cut parallel to the base is narrower than the base;
/// - extrusion: a neck (an elliptic cylinder of half width `neckHalfWidth` from the disc to half the size) and a
///   dome, the ellipsoid of half width `domeHalfWidth` > `neckHalfWidth`, half depth `sizeMM`/2 and half length
///   `domeHalfLength` centred `sizeMM`/2 behind the base and `migrationMM` cranially of the disc: its dome is
///   wider than its base.
/// Both reach 3 mm in front of the base, into the disc, so no gap opens between the disc and its herniation. The
/// material is the disc's annulus (the extruded dome its nucleus), with the disc's class and instance label.
/// Inside the bony canal the herniation takes the place of epidural fat, dural sac, CSF and roots: the sac is
/// indented where the material reaches it.
struct DiscHerniationShape: Sendable {
    var disc: Int
    var kind: PhantomParameters.Herniation.Kind
    var sizeMM: Double
    /// Arc length of the disc level (the base) and of the dome's centre (the base less the cranial migration).
    var sBase: Double
    var sDome: Double
    var xCentre: Double
    var nBase: Double
    /// Protrusion: the base's half width and half length. Extrusion: the neck's.
    var baseHalfWidth: Double
    var baseHalfLength: Double
    /// Extrusion only: the dome's half width and half length.
    var domeHalfWidth: Double
    var domeHalfLength: Double
    var annulus: UInt16
    var nucleus: UInt16
    /// Arc-length range and largest |x − xCentre| the material can occupy.
    var sRange: ClosedRange<Double>
    var maxHalfWidth: Double
    /// Body-frame z range enclosing the material (for culling).
    var zRange: ClosedRange<Double> = 0...0

    init(
        disc: Int, herniation h: PhantomParameters.Herniation, sBase: Double, xCentre: Double, nBase: Double,
        discHeight: Double, annulus: UInt16, nucleus: UInt16
    ) {
        self.disc = disc
        kind = h.type
        sizeMM = h.sizeMM
        self.sBase = sBase
        sDome = sBase - h.migrationMM
        self.xCentre = xCentre
        self.nBase = nBase
        self.annulus = annulus
        self.nucleus = nucleus
        let foraminal = h.zone == .foraminal
        switch h.type {
        case .protrusion:
            baseHalfWidth = foraminal ? 3 + 0.4 * h.sizeMM : 4 + 0.6 * h.sizeMM
            baseHalfLength = max(discHeight / 2 + 0.5, 0.6 * h.sizeMM + 1)
            domeHalfWidth = 0
            domeHalfLength = 0
            sRange = (sBase - baseHalfLength)...(sBase + baseHalfLength)
            maxHalfWidth = baseHalfWidth
        case .extrusion:
            baseHalfWidth = 1.5 + 0.2 * h.sizeMM
            baseHalfLength = max(discHeight / 2 - 0.5, 1.5)
            domeHalfWidth = baseHalfWidth + 1.5 + 0.25 * h.sizeMM
            domeHalfLength = 2 + 0.4 * h.sizeMM + abs(h.migrationMM)
            sRange = min(sBase - baseHalfLength, sDome - domeHalfLength)...max(
                sBase + baseHalfLength, sDome + domeHalfLength)
            maxHalfWidth = domeHalfWidth
        }
    }

    /// Material at a canal-frame point, or nil outside the herniation.
    @inline(__always) func material(s: Double, n: Double, x: Double) -> UInt16? {
        let d = nBase - n
        if d < -3 || d > sizeMM { return nil }
        let dx = x - xCentre
        switch kind {
        case .protrusion:
            let qx = dx / baseHalfWidth, qs = (s - sBase) / baseHalfLength
            let q = qx * qx + qs * qs
            return q <= 1 && d <= sizeMM * (1 - q) ? annulus : nil
        case .extrusion:
            let half = sizeMM / 2
            let qx = dx / domeHalfWidth, qd = (d - half) / half, qs = (s - sDome) / domeHalfLength
            if qx * qx + qd * qd + qs * qs <= 1 { return nucleus }
            let nx = dx / baseHalfWidth, ns = (s - sBase) / baseHalfLength
            return d <= half && nx * nx + ns * ns <= 1 ? annulus : nil
        }
    }

    /// Base width [mm]: the material's width where it leaves the disc, in the axial plane.
    var baseWidthMM: Double { 2 * baseHalfWidth }
    /// Widest axial extent [mm] of the material behind the base (the dome).
    var domeWidthMM: Double { kind == .protrusion ? 2 * baseHalfWidth : 2 * domeHalfWidth }
}
