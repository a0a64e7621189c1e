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
    /// region that `SpineModel.foramen` measures (`SpineModel.foramenRegion`), sampled every `step`; nil when it is
    /// not closed.
    func foramenExtent(disc i: Int, offset: Double, step: Double = 0.5) -> (
        a: ClosedRange<Double>, u: ClosedRange<Double>
    )? {
        guard let g = model.foramenRegion(disc: i, offset: offset, step: step) else { return nil }
        // Sample centres ± half a step: the region's cells.
        let c = g.columns, r = g.rows
        return (
            (g.aLo + (Double(c.lowerBound) - 0.5) * step)...(g.aLo + (Double(c.upperBound) + 0.5) * step),
            (-g.halfU + (Double(r.lowerBound) - 0.5) * step)...(-g.halfU + (Double(r.upperBound) + 0.5) * step)
        )
    }
}
