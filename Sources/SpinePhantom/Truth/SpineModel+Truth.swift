import Foundation

extension SpineModel {
    /// Instance label at a body-frame point.
    func instance(bodyX x: Double, y: Double, z: Double) -> UInt8 {
        materials[Int(material(bodyX: x, y: y, z: z))].instance
    }

    /// Length [mm] of the run of `label` crossed by the line through a body-frame point along the unit direction
    /// `d`; 0 when the point itself is not `label`.
    func runLength(label: UInt8, start p: SIMD3<Double>, direction d: SIMD3<Double>) -> Double {
        func inside(_ t: Double) -> Bool { instance(bodyX: p.x + d.x * t, y: p.y + d.y * t, z: p.z + d.z * t) == label }
        guard inside(0) else { return 0 }
        func edge(_ sign: Double) -> Double {
            var t = 0.0
            while t < 80, inside(sign * (t + 0.05)) { t += 0.05 }
            var lo = t, hi = t + 0.05
            for _ in 0..<30 {
                let mid = (lo + hi) / 2
                if inside(sign * mid) { lo = mid } else { hi = mid }
            }
            return lo
        }
        return edge(1) + edge(-1)
    }

    /// Body-frame superior axis of an element tilted by its coronal pose.
    func superiorAxis(_ f: SagittalFrame, _ c: CoronalPose) -> SIMD3<Double> {
        SIMD3(c.sin, f.uy * c.cos, f.uz * c.cos)
    }

    /// Lateral position [mm] of the canal centreline at dense index k (the column's shift at its z).
    func canalX(_ k: Int) -> Double { scoliotic ? table.lateralShift[table.index(canal.z[k])] : 0 }

    func lps(_ v: SIMD3<Double>) -> [Double] { [v.x, v.y, v.z] }
    func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

    /// Truth of every vertebra and disc, measured on the analytical model.
    func anatomyTruth() -> (vertebrae: [PhantomTruth.VertebraTruth], discs: [PhantomTruth.DiscTruth]) {
        var vt: [PhantomTruth.VertebraTruth] = []
        for v in vertebrae {
            let f = v.frame
            let offsets = [v.ra - 3, 0, -(v.ra - 3)]
            let up = superiorAxis(f, v.coronal)
            let h = offsets.map { a -> Double in
                let p = bodyPoint(f, v.coronal, a: a, u: 0, x: 0)
                return round3(runLength(label: UInt8(v.vertebra.verseLabel), start: p, direction: up))
            }
            let fracture = parameters.fractures.first { $0.vertebra == v.vertebra }
            vt.append(
                .init(
                    name: v.vertebra, instanceLabel: UInt8(v.vertebra.verseLabel),
                    centreWorldLPS: lps(worldLPS(body: bodyPoint(f, v.coronal, a: 0, u: 0, x: 0))).map(round3),
                    superiorAxisLPS: lps(worldDirection(body: up)),
                    anteriorAxisLPS: lps(worldDirection(body: SIMD3(0, -f.uz, f.uy))),
                    heightOffsetsMM: offsets.map(round3),
                    anteriorHeightMM: h[0], middleHeightMM: h[1], posteriorHeightMM: h[2],
                    endplateDepthMM: round3(2 * v.ra),
                    endplateWidthMM: round3(2 * v.rx), genantGrade: fracture?.genantGrade ?? 0, fracture: fracture,
                    transitional: v.transitional, coronalTiltDeg: round3(v.coronal.tilt * 180 / .pi),
                    ribs: ribsTruth(vertebra: vt.count)))
        }
        var dt: [PhantomTruth.DiscTruth] = []
        for (i, d) in discs.enumerated() {
            let f = d.frame
            let offsets = [d.ra - 4, 0, -(d.ra - 4)]
            let up = superiorAxis(f, d.coronal)
            let h = offsets.map { a -> Double in
                let p = bodyPoint(f, d.coronal, a: a, u: 0, x: 0)
                return round3(runLength(label: UInt8(d.level.verseLabel), start: p, direction: up))
            }
            let variation = parameters.disc(d.level)
            let k = discCanalIndex(i)
            let section = duralSacSection(atCanalIndex: k)
            let area = section.areaMM2
            let slip = parameters.slip?.level == d.level ? parameters.slip!.fraction : 0
            let lowerDepth = i + 1 < vertebrae.count ? 2 * vertebrae[i + 1].ra : 2 * sacrum[0].ra
            let tangent = SIMD3(0, canal.nz[k], -canal.ny[k])  // caudal tangent; the plane normal
            let pfirrmann: Int = {
                let dark = variation.t2Darkening, loss = variation.heightLossFraction
                if dark < 0.1 && loss < 0.05 { return 1 }
                if dark < 0.3 && loss < 0.1 { return 2 }
                if dark < 0.6 && loss < 0.3 { return 3 }
                if loss < 0.5 { return 4 }
                return 5
            }()
            dt.append(
                .init(
                    level: d.level.description, upper: d.level.upper, lower: d.level.lower,
                    instanceLabel: UInt8(d.level.verseLabel),
                    centreWorldLPS: lps(worldLPS(body: bodyPoint(f, d.coronal, a: 0, u: 0, x: 0))).map(round3),
                    superiorAxisLPS: lps(worldDirection(body: up)),
                    anteriorAxisLPS: lps(worldDirection(body: SIMD3(0, -f.uz, f.uy))),
                    heightOffsetsMM: offsets.map(round3),
                    anteriorHeightMM: h[0], middleHeightMM: h[1], posteriorHeightMM: h[2],
                    wedgeDeg: round3(2 * atan(d.tanHalfWedge) * 180 / .pi),
                    heightLossFraction: variation.heightLossFraction,
                    t2Darkening: variation.t2Darkening, pfirrmannGrade: pfirrmann, bulgeMM: variation.bulgeMM,
                    flavumThickeningMM: variation.flavumThickeningMM, facetNarrowingMM: variation.facetNarrowingMM,
                    duralSacAreaMM2: round3(area), duralSacAPDiameterMM: round3(section.apDiameterMM),
                    duralSacWidthMM: round3(section.widthMM), canalAPDiameterMM: round3(2 * canal.ac[k]),
                    canalPointLPS: lps(worldLPS(body: SIMD3(canalX(k), canal.y[k], canal.z[k]))).map(round3),
                    duralSacCentreLPS: lps(
                        worldLPS(
                            body: SIMD3(
                                canalX(k), canal.y[k] + canal.ny[k] * (canal.sacAnt[k] + canal.sacPost[k]) / 2,
                                canal.z[k] + canal.nz[k] * (canal.sacAnt[k] + canal.sacPost[k]) / 2))
                    ).map(round3),
                    canalNormalLPS: lps(worldDirection(body: tangent)),
                    canalAnteriorLPS: lps(worldDirection(body: SIMD3(0, canal.ny[k], canal.nz[k]))),
                    centralStenosis: area < 75 ? "absolute" : area < 100 ? "relative" : "none",
                    slipMM: round3(slip * lowerDepth), slipPercent: round3(slip * 100),
                    meyerdingGrade: PhantomParameters.Slip.meyerdingGrade(fraction: slip),
                    foramina: foraminaTruth(disc: i),
                    modic: variation.modic.map { m in
                        PhantomTruth.ModicTruth(
                            type: m.type, endplates: m.endplates, depthMM: m.depthMM,
                            vertebrae: [
                                m.endplates != .lower ? d.level.upper : nil,
                                m.endplates != .upper && d.level.lower != .s1 ? d.level.lower : nil,
                            ].compactMap { $0 })
                    },
                    herniation: herniationTruth(disc: i, measuredAreaMM2: area)))
        }
        return (vt, dt)
    }

    /// Truth of the herniation at disc i (nil when none).
    func herniationTruth(disc i: Int, measuredAreaMM2: Double) -> PhantomTruth.HerniationTruth? {
        guard let h = parameters.disc(discs[i].level).herniation,
            let shape = canal.herniations.first(where: { $0.disc == i })
        else { return nil }
        return PhantomTruth.HerniationTruth(
            type: h.type, zone: h.zone, side: h.side, sizeMM: h.sizeMM, migrationMM: h.migrationMM,
            baseWidthMM: round3(shape.baseWidthMM), domeWidthMM: round3(shape.domeWidthMM),
            lateralOffsetMM: round3(shape.xCentre),
            duralSacIndentationMM2: round3(max(0, canal.sacAreaMM2(at: discCanalIndex(i)) - measuredAreaMM2)))
    }

    /// Truth of the ribs of vertebra i (nil when it bears none).
    func ribsTruth(vertebra i: Int) -> [PhantomTruth.RibTruth]? {
        let mine = ribs.filter { $0.vertebraIndex == i }
        guard !mine.isEmpty else { return nil }
        let v = vertebrae[i]
        func world(_ p: SIMD3<Double>, _ side: PhantomParameters.Side) -> [Double] {
            lps(worldLPS(body: bodyPoint(v.frame, v.coronal, a: p.x, u: p.y, x: p.z * side.sign))).map(round3)
        }
        return mine.map { r in
            PhantomTruth.RibTruth(
                side: r.side, headCentreLPS: world(r.head, r.side), headLateralOffsetMM: round3(r.head.z),
                tubercleLPS: world(r.tubercle, r.side), angleLPS: world(r.angle, r.side),
                shaftEndLPS: world(r.end, r.side), lengthMM: round3(r.lengthMM), headRadiusMM: round3(r.headRadius),
                neckRadiusMM: round3(r.neckRadius), shaftRadiusMM: round3(r.shaftRadius),
                jointGapMM: RibShape.jointGapMM)
        }
    }
}
