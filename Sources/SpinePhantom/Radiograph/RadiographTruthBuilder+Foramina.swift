import Foundation

extension RadiographTruthBuilder {
    /// Foraminal grade from which a level gets a "Foraminal stenosis" box: Lee grade 2 (moderate) or 3 (severe).
    ///
    /// Why 2: Lee's grade 1 is a mild narrowing of the perineural fat that no radiograph shows, whereas grades 2–3
    /// close the foramen's height or area enough (height < 12 mm or area < 55 mm², `SpineModel.foraminalGrade`) for
    /// the bony outline of the foramen on a lateral view to look narrowed, which is what VinDr-SpineXR's readers
    /// boxed (Nguyen HT et al., MICCAI 2021).
    static let foraminalStenosisGrade = 2

    /// Lateral-view boxes over the intervertebral foramina of each lumbar level whose left or right foraminal
    /// truth (`SpineModel.foraminaTruth`, schema 2) is graded `foraminalStenosisGrade` or worse: one box per level
    /// (the two foramina superimpose on a lateral view) holding, for each such side, the open region on its truth
    /// plane and on the planes a pedicle's half width either side of it (the tunnel's projection at both
    /// magnifications), and the tissue that narrows it where the phantom drew some (`ForaminalNarrowing`: the
    /// protrusion, the grown articular pillar, the raised floor and the lowered roof, over their whole extent),
    /// padded by 2 mm at the detector. Levels whose region leaves the field get no box.
    func foraminalStenosisBoxes() -> [(DiscLevel, [Double])] {
        var out: [(DiscLevel, [Double])] = []
        for (i, d) in model.discs.enumerated() where d.level.upper.region == .lumbar {
            var points: [SIMD3<Double>] = []
            for f in model.foraminaTruth(disc: i) where (f.grade ?? 0) >= Self.foraminalStenosisGrade {
                let halfWidth = model.pedicleMiddle(disc: i, side: f.side).halfWidth
                guard let e = foramenExtent(disc: i, offset: f.planeOffsetMM) else { continue }
                if let n = f.side == .left ? d.foraminalLeft : d.foraminalRight, n.fraction > 0 {
                    for ax in [n.centreX - n.halfWidth, n.centreX + n.halfWidth] {
                        for a in [n.aRange.lowerBound, n.aRange.upperBound] {
                            for u in [n.uRange.lowerBound, n.uRange.upperBound] {
                                let b = model.bodyPoint(d.frame, d.coronal, a: a, u: u, x: f.side.sign * ax)
                                points.append(model.worldLPS(body: b))
                            }
                        }
                    }
                }
                for x in [f.planeOffsetMM - halfWidth, f.planeOffsetMM, f.planeOffsetMM + halfWidth] {
                    for (a, u) in [(e.a.lowerBound, e.u.lowerBound), (e.a.lowerBound, e.u.upperBound),
                        (e.a.upperBound, e.u.lowerBound), (e.a.upperBound, e.u.upperBound)]
                    {
                        points.append(model.worldLPS(body: model.bodyPoint(d.frame, d.coronal, a: a, u: u, x: x)))
                    }
                }
            }
            if !points.isEmpty, let b = box(points, padMM: 2) { out.append((d.level, b)) }
        }
        return out
    }

    /// The (a, u) extent [mm, the disc's frame] of the foramen at disc `i` on the plane x = `offset`: the open
    /// region that `SpineModel.foramen` measures (same search window, seed and 4-connected fill), sampled every
    /// `step`; nil when it is not closed.
    func foramenExtent(disc i: Int, offset: Double, step: Double = 0.5) -> (
        a: ClosedRange<Double>, u: ClosedRange<Double>
    )? {
        let d = model.discs[i], f = d.frame
        let upper = model.vertebrae[i].frame
        let reach = max(d.coronal.local(x: model.vertebrae[i].coronal.centreX, u: f.local(upper.cy, upper.cz).u).u, 8)
        let wallA = -d.ra * 1.02 * 1.06 - abs(d.slipMM) / 2
        let halfU = 1.6 * reach
        let aLo = wallA - 35, aHi = wallA + 25
        let nu = Int((2 * halfU / step).rounded(.up)) + 1, na = Int(((aHi - aLo) / step).rounded(.up)) + 1
        var kind = [UInt8](repeating: 255, count: nu * na)
        func at(_ c: Int, _ r: Int) -> UInt8 {
            let n = c + na * r
            if kind[n] == 255 {
                let p = model.bodyPoint(f, d.coronal, a: aLo + Double(c) * step, u: -halfU + Double(r) * step, x: offset)
                kind[n] = model.foraminalKind(x: p.x, y: p.y, z: p.z)
            }
            return kind[n]
        }
        let r0 = Int((halfU / step).rounded())
        var seed: Int? = nil
        search: for du in [0, 0.25, -0.25, 0.5, -0.5, 1, -1, 2, -2] {
            let r = r0 + Int((du / step).rounded())
            var solid = false
            for c in stride(from: na - 1, through: 0, by: -1) {
                let k = at(c, r)
                if k == 3 {
                    solid = true
                } else if solid && k <= 1 {
                    seed = c + na * r
                    break search
                }
            }
        }
        guard let seed else { return nil }
        var region = [Bool](repeating: false, count: nu * na)
        region[seed] = true
        var stack = [seed]
        var cMin = na, cMax = 0, rMin = nu, rMax = 0
        while let p = stack.popLast() {
            let c = p % na, r = p / na
            if c == 0 || r == 0 || c == na - 1 || r == nu - 1 { return nil }
            cMin = min(cMin, c)
            cMax = max(cMax, c)
            rMin = min(rMin, r)
            rMax = max(rMax, r)
            for (cc, rr) in [(c + 1, r), (c - 1, r), (c, r + 1), (c, r - 1)] {
                let q = cc + na * rr
                if !region[q] && at(cc, rr) <= 1 {
                    region[q] = true
                    stack.append(q)
                }
            }
        }
        // Sample centres ± half a step: the region's cells.
        return (
            (aLo + (Double(cMin) - 0.5) * step)...(aLo + (Double(cMax) + 0.5) * step),
            (-halfU + (Double(rMin) - 0.5) * step)...(-halfU + (Double(rMax) + 0.5) * step)
        )
    }
}
