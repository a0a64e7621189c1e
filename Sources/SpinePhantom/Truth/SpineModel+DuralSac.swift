import Foundation

extension SpineModel {
    /// The dural sac's cross-section on a truth measurement plane, measured from the sampled anatomy.
    struct DuralSacSection {
        var areaMM2: Double
        var apDiameterMM: Double
        var widthMM: Double
    }

    /// Spacing [mm] of the lines along the anterior normal whose sac lengths are summed into the area.
    static let duralSacLineSpacingMM = 0.05
    /// Step [mm] along each line between the label tests that find its sac runs (each run end then bisected to
    /// below 10⁻⁴ mm).
    static let duralSacStepMM = 0.5

    /// Whether the sampler labels a body-frame point dural sac: class spinal canal (CSF) or cauda equina (the
    /// conus and the roots inside the sac), exactly as `material(bodyX:y:z:)` decides it.
    @inline(__always) func isDuralSac(_ p: SIMD3<Double>) -> Bool {
        switch materials[Int(material(bodyX: p.x, y: p.y, z: p.z))].structureClass {
        case .spinalCanal?, .caudaEquina?: true
        default: false
        }
    }

    /// Total length [mm] of dural sac on the segment `origin + t·direction`, t in `range`: label tests every
    /// `duralSacStepMM`, each change of label bisected 13 times. Runs shorter than the step can be missed.
    func duralSacLength(origin: SIMD3<Double>, direction: SIMD3<Double>, range: ClosedRange<Double>) -> Double {
        func inside(_ t: Double) -> Bool { isDuralSac(origin + direction * t) }
        var t = range.lowerBound
        var state = inside(t)
        var start = t
        var total = 0.0
        while t < range.upperBound {
            let next = min(t + Self.duralSacStepMM, range.upperBound)
            let now = inside(next)
            if now != state {
                var lo = t, hi = next
                for _ in 0..<13 {
                    let mid = (lo + hi) / 2
                    if inside(mid) == state { lo = mid } else { hi = mid }
                }
                let edge = (lo + hi) / 2
                if state { total += edge - start } else { start = edge }
                state = now
            }
            t = next
        }
        if state { total += range.upperBound - start }
        return total
    }

    /// Measures the dural sac on the plane through the canal point at dense index `k`, normal to the centreline:
    /// the area is the sum over lines along the anterior normal, `duralSacLineSpacingMM` apart (midpoints) across
    /// the sac's ellipse widened by 0.5 mm each side, of each line's sac length times the spacing; the AP diameter
    /// the sac length on the line through the canal's midline, the width that on the transverse line through the
    /// ellipse's centre. Herniated disc material, bulges and ligamentum flavum are therefore reflected as built.
    /// Cost: about (2 · half width / 0.05) · (depth / 0.5 + 26) label samples.
    func duralSacSection(atCanalIndex k: Int) -> DuralSacSection {
        let halfWidth = canal.sacHalfWidth[k]
        guard halfWidth > 0, canal.sacAnt[k] > canal.sacPost[k] else {
            return DuralSacSection(areaMM2: 0, apDiameterMM: 0, widthMM: 0)
        }
        let centre = SIMD3(canalX(k), canal.y[k], canal.z[k])
        let anterior = SIMD3(0, canal.ny[k], canal.nz[k]), lateral = SIMD3<Double>(1, 0, 0)
        let along = (canal.sacPost[k] - 0.5)...(canal.sacAnt[k] + 0.5)
        let b = halfWidth + 0.5
        let h = Self.duralSacLineSpacingMM
        let lines = Int((2 * b / h).rounded(.up))
        var area = 0.0
        for j in 0..<lines {
            let u = -b + (Double(j) + 0.5) * h
            area += duralSacLength(origin: centre + lateral * u, direction: anterior, range: along) * h
        }
        let ap = duralSacLength(origin: centre, direction: anterior, range: along)
        let nc = (canal.sacAnt[k] + canal.sacPost[k]) / 2
        let width = duralSacLength(origin: centre + anterior * nc, direction: lateral, range: -b...b)
        return DuralSacSection(areaMM2: area, apDiameterMM: ap, widthMM: width)
    }
}
