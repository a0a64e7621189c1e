import Foundation

extension SpineModel {
    /// Builds every drawn or requested disc herniation into the canal (`DiscHerniationShape`); `buildTables` calls
    /// it first, since the element tables do not cull herniated material.
    ///
    /// Lateral centre by zone: central in the midline; paracentral at 0.6 of the dural sac's half width toward the
    /// side (the lateral recess); foraminal at the middle of the upper vertebra's pedicle, on the plane where
    /// `ForamenTruth` is measured. The base is the disc margin there: the bulging margin inside the canal (the
    /// canal's anterior wall less the bulge at the level), the disc outline's posterior margin in the foramen.
    mutating func placeHerniations() {
        for (i, d) in discs.enumerated() {
            guard let h = parameters.disc(d.level).herniation else { continue }
            let side = h.side ?? .left
            let k = discCanalIndex(i)
            let v = vertebrae[i]
            let xCentre: Double =
                switch h.zone {
                case .central: 0
                case .paracentral: side.sign * 0.6 * canal.sacHalfWidth[k]
                case .foraminal: side.sign * (v.dims.canalWidthMM / 2 + v.dims.pedicleWidthMM / 2)
                }
            // Posterior margin of the disc outline at the lateral centre (bisection, as `narrowForamina` does).
            var lo = -2 * d.ra, hi = 0.0
            for _ in 0..<60 {
                let mid = (lo + hi) / 2
                if endplateRadius2(a: mid, x: xCentre, ra: d.ra * 1.02, rx: d.rx * 1.02) > 1 { lo = mid } else { hi = mid }
            }
            let p = d.frame.body(a: lo, u: 0)
            let nMargin = canal.closest(y: p.y, z: p.z).n
            let bulged = abs(xCentre) < canal.bc[k] * 0.85 ? canal.ac[k] - canal.bulgeDepth[k] : canal.ac[k]
            var shape = DiscHerniationShape(
                disc: i, herniation: h, sBase: canal.s[k], xCentre: xCentre, nBase: max(bulged, nMargin),
                discHeight: d.height, annulus: d.annulus, nucleus: d.nucleus)
            canal.add(&shape, zFallback: canal.z[k])
        }
    }

    /// Herniated disc material at a body-frame point outside the bony canal (x relative to the canal's midline, as
    /// `canalContent` takes it), or nil; inside the canal `canalContent` finds it.
    @inline(__always) func herniationOutsideCanal(x: Double, y: Double, z: Double) -> UInt16? {
        var nearest: (index: Int, t: Double, n: Double)?
        for h in canal.herniations where h.zRange.contains(z) && abs(x - h.xCentre) <= h.maxHalfWidth {
            let c = nearest ?? canal.closest(y: y, z: z)
            nearest = c
            if let m = h.material(s: canal.arcLength(index: c.index, t: c.t), n: c.n, x: x) { return m }
        }
        return nil
    }
}
