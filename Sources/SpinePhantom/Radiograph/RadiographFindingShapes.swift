import Foundation

/// The solids of `RadiographFindings` in the body frame: what the ray marcher adds to the attenuation and
/// where the truth boxes come from, so both use one geometry.
struct RadiographFindingShapes: Sendable {
    /// Attenuation of a titanium alloy at 70 keV [1/mm]: μ/ρ ≈ 0.54 cm²/g (NIST XCOM titanium, log–log between
    /// 60 and 80 keV as in `XRayAttenuation`) times 4.43 g/cm³ (Ti-6Al-4V); about five times cortical bone.
    static let titaniumMuPerMM = 0.241

    /// An axis-aligned box in the body frame [mm].
    struct Bounds: Sendable {
        var lower = SIMD3<Double>(repeating: .infinity)
        var upper = SIMD3<Double>(repeating: -.infinity)
        mutating func add(_ p: SIMD3<Double>, pad: Double = 0) {
            lower = pointwiseMin(lower, p - pad)
            upper = pointwiseMax(upper, p + pad)
        }
        mutating func add(_ b: Bounds) {
            lower = pointwiseMin(lower, b.lower)
            upper = pointwiseMax(upper, b.upper)
        }
        @inline(__always) func contains(_ p: SIMD3<Double>) -> Bool {
            p.x >= lower.x && p.y >= lower.y && p.z >= lower.z && p.x <= upper.x && p.y <= upper.y && p.z <= upper.z
        }
    }

    /// A cylinder with hemispherical ends (screw shanks, screw heads, rods).
    struct Capsule: Sendable {
        var a: SIMD3<Double>
        var b: SIMD3<Double>
        var radius: Double
        var bounds: Bounds

        init(_ a: SIMD3<Double>, _ b: SIMD3<Double>, radius: Double) {
            self.a = a
            self.b = b
            self.radius = radius
            bounds = Bounds()
            bounds.add(a, pad: radius)
            bounds.add(b, pad: radius)
        }

        @inline(__always) func contains(_ p: SIMD3<Double>) -> Bool {
            let d = b - a, q = p - a
            let t = min(max((q * d).sum() / max((d * d).sum(), 1e-12), 0), 1)
            let r = q - d * t
            return (r * r).sum() <= radius * radius
        }

        /// Points on its surface's extremes, for boxes.
        var extremePoints: [SIMD3<Double>] {
            let offsets: [SIMD3<Double>] = [
                SIMD3(radius, 0, 0), SIMD3(-radius, 0, 0), SIMD3(0, radius, 0), SIMD3(0, -radius, 0),
                SIMD3(0, 0, radius), SIMD3(0, 0, -radius),
            ]
            return [a, b].flatMap { e in offsets.map { e + $0 } }
        }
    }

    /// An osteophyte on one endplate rim of a vertebra.
    struct Spur: Sendable {
        var osteophyte: RadiographFindings.Osteophyte
        var frame: SagittalFrame
        /// The vertebra's coronal pose (identity on a straight spine): the spur is shifted and tilted with its body.
        var coronal: CoronalPose
        var ra: Double
        var rx: Double
        var height: Double
        var tanHalfWedge: Double
        var bounds: Bounds
        /// The rim it covers, from the anterior midline either way [radians].
        static let maxTheta = 100 * Double.pi / 180

        init(_ o: RadiographFindings.Osteophyte, on v: VertebraShape) {
            osteophyte = o
            frame = v.frame
            coronal = v.coronal
            ra = v.ra
            rx = v.rx
            height = v.height
            tanHalfWedge = v.tanHalfWedge
            bounds = Bounds()
            let reach = o.lengthMM + 1
            // The element-frame box's eight corners: the pose is affine, so their bounds hold the posed box.
            for a in [-ra * 0.3, ra + reach] {
                for u in [-height / 2 - ra * abs(tanHalfWedge) - reach, height / 2 + ra * abs(tanHalfWedge) + reach] {
                    for x in [-rx - reach, rx + reach] { bounds.add(bodyPoint(a: a, u: u, x: x)) }
                }
            }
        }

        /// Body-frame point of element coordinates (a anterior, u along the tilted superior axis, x along the
        /// tilted lateral axis), as `SpineModel.bodyPoint`; exact identity of (x, u) on a straight spine.
        @inline(__always) func bodyPoint(a: Double, u: Double, x: Double) -> SIMD3<Double> {
            let c = coronal.body(x: x, u: u)
            let b = frame.body(a: a, u: c.u)
            return SIMD3(c.x, b.y, b.z)
        }

        /// Reach beyond the rim at rim angle θ (0 = anterior midline, ±π/2 = the sides) [mm].
        @inline(__always) func reach(_ theta: Double) -> Double {
            let taper = min(1, (Self.maxTheta - abs(theta)) / (20 * Double.pi / 180))
            return osteophyte.lengthMM * (0.35 + 0.65 * max(0, cos(theta))) * max(taper, 0)
        }

        /// Rim height (u) of the endplate at local a.
        @inline(__always) func rimU(_ a: Double) -> Double {
            osteophyte.superior ? height / 2 + a * tanHalfWedge : -height / 2 - a * tanHalfWedge
        }

        /// Centre offset beyond the endplate (toward the disc) and half thickness [mm] at fraction t of the reach:
        /// a beak curving toward the disc and thinning to its tip.
        @inline(__always) func profile(_ t: Double, reach: Double) -> (centre: Double, half: Double) {
            (0.45 * reach * t * t, 1.8 * (1 - t) + 0.5)
        }

        @inline(__always) func contains(_ p: SIMD3<Double>) -> Bool {
            let s = frame.local(p.y, p.z)
            let c = coronal.local(x: p.x, u: s.u)
            let l = (a: s.a, u: c.u)
            let na = l.a / ra, nx = c.x / rx
            let rho = (na * na + nx * nx).squareRoot()
            if rho < 1 { return false }
            let theta = atan2(nx, na)
            if abs(theta) > Self.maxTheta { return false }
            let r = reach(theta)
            let radius = ((ra * cos(theta)) * (ra * cos(theta)) + (rx * sin(theta)) * (rx * sin(theta))).squareRoot()
            let e = (rho - 1) * radius
            if e > r || r <= 0 { return false }
            let w = osteophyte.superior ? l.u - rimU(l.a) : rimU(l.a) - l.u
            let f = profile(e / r, reach: r)
            return abs(w - f.centre) <= f.half
        }

        /// Body-frame points outlining the spur between rim angles `thetas` (degrees).
        func outline(thetas: ClosedRange<Double>) -> [SIMD3<Double>] {
            var points: [SIMD3<Double>] = []
            var deg = thetas.lowerBound
            while deg <= thetas.upperBound + 1e-9 {
                let theta = deg * Double.pi / 180
                let r = reach(theta)
                let radius = ((ra * cos(theta)) * (ra * cos(theta)) + (rx * sin(theta)) * (rx * sin(theta)))
                    .squareRoot()
                for t in [0.0, 1.0] where r > 0 {
                    let rho = 1 + t * r / radius
                    let a = ra * rho * cos(theta), x = rx * rho * sin(theta)
                    let f = profile(t, reach: r)
                    for w in [f.centre - f.half, f.centre + f.half] {
                        let u = osteophyte.superior ? rimU(a) + w : rimU(a) - w
                        points.append(bodyPoint(a: a, u: u, x: x))
                    }
                }
                deg += 5
            }
            return points
        }
    }

    /// A focal bone lesion: a sphere in the body frame.
    struct Lesion: Sendable {
        var lesion: RadiographFindings.BoneLesion
        var centre: SIMD3<Double>
        var mu: Double
        var bounds: Bounds

        init(_ l: RadiographFindings.BoneLesion, on v: VertebraShape, model: SpineModel) {
            lesion = l
            centre = model.bodyPoint(v.frame, v.coronal, a: l.anteriorMM, u: l.superiorMM, x: l.leftMM)
            mu = XRayAttenuation.muPerMM(l.kind == .sclerotic ? .corticalBone : .csf)
            bounds = Bounds()
            bounds.add(centre, pad: l.radiusMM)
        }

        @inline(__always) func contains(_ p: SIMD3<Double>) -> Bool {
            let d = p - centre
            return (d * d).sum() <= lesion.radiusMM * lesion.radiusMM
        }

        /// Body-frame points on its surface every 15° of latitude and longitude, for boxes.
        var outline: [SIMD3<Double>] {
            var points: [SIMD3<Double>] = []
            for i in 0...12 {
                let polar = Double(i) * Double.pi / 12
                for k in 0..<24 {
                    let azimuth = Double(k) * Double.pi / 12
                    points.append(
                        centre + lesion.radiusMM
                            * SIMD3(sin(polar) * cos(azimuth), sin(polar) * sin(azimuth), cos(polar)))
                }
            }
            return points
        }
    }

    var spurs: [Spur] = []
    /// Screw shanks, screw heads and rods.
    var metal: [Capsule] = []
    var fixationLevel: DiscLevel?
    var lesions: [Lesion] = []
    var bounds = Bounds()

    var isEmpty: Bool { spurs.isEmpty && metal.isEmpty && lesions.isEmpty }

    init(model: SpineModel, findings: RadiographFindings) {
        for o in findings.osteophytes {
            if let v = model.vertebrae.first(where: { $0.vertebra == o.vertebra }) { spurs.append(Spur(o, on: v)) }
        }
        if let f = findings.fixation {
            fixationLevel = f.level
            // Two screws per vertebra, their heads joined by a rod on each side.
            var heads: [[SIMD3<Double>]] = []
            for name in [f.level.upper, f.level.lower] {
                let frame: SagittalFrame, ra: Double, height: Double, canalWidth: Double, canalDepth: Double,
                    pedicleWidth: Double, pedicleHeight: Double
                // The vertebra's coronal pose (S1 has none: the sacrum is not shifted by a curve).
                var coronal = CoronalPose()
                if let v = model.vertebrae.first(where: { $0.vertebra == name }) {
                    frame = v.frame
                    coronal = v.coronal
                    ra = v.ra
                    height = v.height
                    canalWidth = v.dims.canalWidthMM
                    canalDepth = v.dims.canalDepthMM
                    pedicleWidth = v.dims.pedicleWidthMM
                    pedicleHeight = v.dims.pedicleHeightMM
                } else if name == .s1, let s = model.sacrum.first {
                    frame = s.frame
                    ra = s.ra
                    height = s.height
                    canalWidth = s.canalWidth
                    canalDepth = s.canalDepth
                    pedicleWidth = 9 * model.parameters.bodyScale
                    pedicleHeight = 12 * model.parameters.bodyScale
                } else {
                    continue
                }
                let pedicleX = canalWidth / 2 + pedicleWidth / 2
                let pedU = height / 2 - pedicleHeight / 2 - 1
                let canalBack = -ra - canalDepth
                var sideHeads: [SIMD3<Double>] = []
                for side in [-1.0, 1.0] {
                    // Entry 4 mm lateral of the pedicle axis at the back of the articular pillar, aimed through the
                    // pedicle's centre to 45 % of the body's half depth in front of its centre (medial convergence).
                    let entry = (a: canalBack - 2, x: side * (pedicleX + 4))
                    let through = (a: -ra - canalDepth / 2, x: side * pedicleX)
                    let t = (0.45 * ra - entry.a) / (through.a - entry.a)
                    let tip = (a: 0.45 * ra, x: entry.x + (through.x - entry.x) * t)
                    func world(_ a: Double, _ x: Double) -> SIMD3<Double> {
                        model.bodyPoint(frame, coronal, a: a, u: pedU, x: x)
                    }
                    let e = world(entry.a, entry.x)
                    metal.append(Capsule(e, world(tip.a, tip.x), radius: 3.25))
                    let head = world(entry.a - 9, entry.x)
                    metal.append(Capsule(e, head, radius: 5))
                    sideHeads.append(head)
                }
                heads.append(sideHeads)
            }
            if heads.count == 2 {
                for side in 0..<2 {
                    let a = heads[0][side], b = heads[1][side]
                    let d = b - a
                    let n = d / max((d * d).sum().squareRoot(), 1e-9)
                    metal.append(Capsule(a - n * 5, b + n * 5, radius: 2.75))
                }
            }
        }
        for l in findings.boneLesions {
            if let v = model.vertebrae.first(where: { $0.vertebra == l.vertebra }) {
                lesions.append(Lesion(l, on: v, model: model))
            }
        }
        for s in spurs { bounds.add(s.bounds) }
        for c in metal { bounds.add(c.bounds) }
        for l in lesions { bounds.add(l.bounds) }
    }

    /// Attenuation of a finding at a body-frame point [1/mm], or nil where there is none.
    @inline(__always) func mu(at p: SIMD3<Double>) -> Double? {
        guard bounds.contains(p) else { return nil }
        for c in metal where c.bounds.contains(p) && c.contains(p) { return Self.titaniumMuPerMM }
        for s in spurs where s.bounds.contains(p) && s.contains(p) {
            return XRayAttenuation.muPerMM(.corticalBone)
        }
        for l in lesions where l.bounds.contains(p) && l.contains(p) { return l.mu }
        return nil
    }

    /// Body-frame points outlining the instrumentation (empty without fixation).
    var metalOutline: [SIMD3<Double>] { metal.flatMap(\.extremePoints) }
}
