import Foundation

extension SpineModel {
    /// Fills the column lookup tables and the per-z element bins (called once by `init`).
    mutating func buildTables() {
        placeHerniations()
        for i in vertebrae.indices { vertebrae[i].prepareSampling() }
        for i in discs.indices { discs[i].prepareSampling() }
        // Column control points (body centres, disc centres, sacral segments) sorted by z.
        var pts: [(z: Double, y: Double, hd: Double, hw: Double)] = []
        for v in vertebrae { pts.append((v.frame.cz, v.frame.cy, v.ra, v.rx)) }
        for d in discs { pts.append((d.frame.cz, d.frame.cy, d.ra, d.rx)) }
        for s in sacrum { pts.append((s.frame.cz, s.frame.cy, s.ra, s.rx)) }
        pts.sort { $0.z < $1.z }
        let zLo = pts.first!.z - 250, zHi = pts.last!.z + 250
        table.zOrigin = zLo
        let n = Int(zHi - zLo) + 1
        table.bodyY = []
        table.bodyHalfDepth = []
        table.bodyHalfWidth = []
        table.laminaY = []
        table.lateralShift = []
        let lamT = 6 * parameters.bodyScale
        for b in 0..<n {
            let z = zLo + Double(b)
            var k = 0
            while k + 1 < pts.count, pts[k + 1].z < z { k += 1 }
            let p0 = pts[k], p1 = pts[min(k + 1, pts.count - 1)]
            let t = p1.z > p0.z ? min(max((z - p0.z) / (p1.z - p0.z), 0), 1) : 0
            table.bodyY.append(p0.y + (p1.y - p0.y) * t)
            table.bodyHalfDepth.append(p0.hd + (p1.hd - p0.hd) * t)
            table.bodyHalfWidth.append(p0.hw + (p1.hw - p0.hw) * t)
            let c = canal.closest(y: p0.y + (p1.y - p0.y) * t + 40, z: z)
            let i = c.index
            table.laminaY.append(canal.y[i] - canal.ny[i] * canal.ac[i] + lamT)
            table.lateralShift.append(scoliotic ? lateralShift(z: z) : 0)
        }
        // Element bins (2 mm) by each element's z extent.
        func zRange(_ f: SagittalFrame, a: ClosedRange<Double>, u: ClosedRange<Double>) -> (Double, Double) {
            var lo = Double.infinity, hi = -Double.infinity
            for aa in [a.lowerBound, a.upperBound] {
                for uu in [u.lowerBound, u.upperBound] {
                    let z = f.body(a: aa, u: uu).z
                    lo = min(lo, z)
                    hi = max(hi, z)
                }
            }
            return (lo, hi)
        }
        for i in vertebrae.indices {
            let v = vertebrae[i]
            let back = -v.ra - v.dims.canalDepthMM - 8 - v.dims.spinousLengthMM
            // A coronal tilt raises and lowers the lateral ends (the transverse processes reach farthest).
            let lean = scoliotic ? abs(v.coronal.sin) * max(v.dims.transverseSpanMM / 2, v.rx) + 1 : 0
            let r = zRange(
                v.frame, a: back...(v.ra + 2),
                u: (-v.height / 2 - v.halfDiscBelow - 30 - lean)...(v.height / 2 + v.halfDiscAbove + 12 + lean))
            vertebrae[i].zMin = r.0
            vertebrae[i].zMax = r.1
        }
        for i in discs.indices {
            let d = discs[i]
            var m = d.height / 2 + 4 + max(d.concavityLower, d.concavityUpper) + d.ra * abs(d.tanHalfWedge)
            if scoliotic { m += d.rx * (abs(d.coronal.sin) + abs(d.coronalTanHalfWedge)) + 1 }
            var a = (-d.ra - 3 - d.slipMM)...(d.ra + 3 + d.slipMM), u = -m...m
            for n in [d.foraminalLeft, d.foraminalRight].compactMap({ $0 }) {
                a = min(a.lowerBound, n.aRange.lowerBound)...a.upperBound
                u = min(u.lowerBound, n.uRange.lowerBound)...max(u.upperBound, n.uRange.upperBound)
            }
            let r = zRange(d.frame, a: a, u: u)
            discs[i].zMin = r.0
            discs[i].zMax = r.1
        }
        byteFractions = (0..<256).map { Double($0) / 255 }
        binOrigin = zLo
        binStart = [0]
        binItems = []
        for b in 0..<(n / 2 + 1) {
            let z0 = zLo + Double(2 * b), z1 = z0 + 2
            for (i, v) in vertebrae.enumerated() where v.zMax >= z0 && v.zMin <= z1 { binItems.append(i) }
            for (i, d) in discs.enumerated() where d.zMax >= z0 && d.zMin <= z1 { binItems.append(vertebrae.count + i) }
            binStart.append(binItems.count)
        }
        let lumbar = vertebrae.filter { $0.vertebra.region == .lumbar }
        vesselBifurcationZ = lumbar[min(3, lumbar.count - 1)].frame.cz
        veinConfluenceZ = lumbar[min(4, lumbar.count - 1)].frame.cz
        psoasTopZ = lumbar[0].frame.cz
        sacrumZMax = sacrum.map { $0.frame.cz + $0.height / 2 + $0.ra + 10 }.max() ?? 0
        rootEndS = (0..<8).map { j in
            let levels = discs.indices.filter { discs[$0].level.upper >= .l1 }
            if j < levels.count { return discSArc(levels[j]) }
            return canal.sacEndS
        }
    }

    /// Arc length of the canal centreline at a disc (its nearest dense sample).
    func discSArc(_ discIndex: Int) -> Double { canal.s[discCanalIndex(discIndex)] }

    /// Dense canal index closest to a disc centre's posterior margin.
    func discCanalIndex(_ discIndex: Int) -> Int {
        let d = discs[discIndex]
        let p = d.frame.body(a: -d.ra - 5, u: 0)
        let c = canal.closest(y: p.y, z: p.z)
        return c.t < 0.5 ? c.index : c.index + 1
    }

    /// Index into `materials` of what lies at a world LPS point [mm].
    public func material(atWorldLPS w: SIMD3<Double>) -> UInt16 {
        let b = body(worldLPS: w)
        return material(bodyX: b.x, y: b.y, z: b.z)
    }

    /// Index into `materials` of what lies at a body-frame point [mm] (x left, y posterior, z superior).
    func material(bodyX x: Double, y: Double, z: Double) -> UInt16 {
        let ti = table.index(z)
        let by = table.bodyY[ti], bhd = table.bodyHalfDepth[ti], lamY = table.laminaY[ti]
        let h = parameters.habitus
        let fat = h.subcutaneousFatMM
        let yPost = lamY + h.backMuscleDepthMM + fat
        let yAnt = yPost - h.trunkDepthMM
        if outsideTrunk(x: x, y: y, yAnt: yAnt, yPost: yPost, rx: h.trunkWidthMM / 2) { return Self.air }
        let ax = abs(x)
        if ax < 140, y > by - bhd - 50, y < lamY + 50 {
            if let m = spine(x: x, y: y, z: z, ti: ti) { return m }
        }
        let yPostIn = yPost - fat
        let yAntIn = yAnt + 1.3 * fat
        if outsideTrunk(x: x, y: y, yAnt: yAntIn, yPost: yPostIn, rx: h.trunkWidthMM / 2 - 1.1 * fat) {
            return Self.subcutaneousFat
        }
        // Behind the vertebral bodies: erector spinae, multifidus and quadratus lumborum, with the
        // interspinous ligament in the midline behind the laminae.
        let sc = parameters.bodyScale
        if y > by {
            if ax < 2.5 * sc, y > lamY - 16 * sc { return Self.ligament }
            return Self.muscle
        }
        return bowel(x: x, y: y, z: z)
    }

    /// Abdominal and pelvic contents: a jittered lattice of bowel loops (fluid, gas, mesenteric fat)
    /// in soft tissue, one candidate loop per 24 mm cell, hashed from the seed so it costs O(1).
    @inline(__always) func bowel(x: Double, y: Double, z: Double) -> UInt16 {
        let cell = 24.0
        let ci = flooredToInt(x / cell), cj = flooredToInt(y / cell), ck = flooredToInt(z / cell)
        let mixed: Int = ci &* 73_856_093 ^ cj &* 19_349_663 ^ ck &* 83_492_791
        var h = UInt64(bitPattern: Int64(mixed)) ^ parameters.seed
        h = (h ^ (h >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        h = (h ^ (h >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        func unit(_ shift: UInt64) -> Double { byteFractions[Int((h >> shift) & 0xFF)] }
        let cx = (Double(ci) + 0.2 + 0.6 * unit(0)) * cell, cy = (Double(cj) + 0.2 + 0.6 * unit(8)) * cell
        let cz = (Double(ck) + 0.2 + 0.6 * unit(16)) * cell
        let r = 4 + 6 * unit(24)
        let dx = x - cx, dy = y - cy, dz = z - cz
        let d2 = dx * dx + dy * dy + dz * dz
        if d2 > r * r { return Self.viscera }
        let kind = unit(32)
        if kind < 0.35 { return Self.bowelFluid }
        if kind < 0.5, d2 < r * r * 0.5 { return Self.bowelGas }
        if kind < 0.75 { return Self.mesentericFat }
        return Self.viscera
    }

    /// Whether `trunkR2(…) > 1`, without its divisions for points well inside or well outside.
    ///
    /// With q + r = s (q, r the squared normalised coordinates), 0.75 s + 0.125 s² ≤ trunkR2 ≤ 0.75 s + 0.25 s²,
    /// so s ≤ 0.99 means trunkR2 ≤ 0.9875 (inside) and s ≥ 1.15 means trunkR2 ≥ 1.028 (outside); these
    /// margins dwarf the rounding of either form, so the answer is the one `trunkR2` gives. Only the
    /// shell between evaluates `trunkR2`.
    @inline(__always) func outsideTrunk(x: Double, y: Double, yAnt: Double, yPost: Double, rx: Double) -> Bool {
        let ry = (yPost - yAnt) / 2
        let dy = y - (yPost + yAnt) / 2
        let rx2 = rx * rx, ry2 = ry * ry
        let s = x * x * ry2 + dy * dy * rx2  // s · rx² · ry²
        let unit = rx2 * ry2
        if s <= 0.99 * unit { return false }
        if s >= 1.15 * unit { return true }
        return trunkR2(x: x, y: y, yAnt: yAnt, yPost: yPost, rx: rx) > 1
    }

    /// Normalised radius² of the trunk outline (a slightly squared ellipse).
    @inline(__always) func trunkR2(x: Double, y: Double, yAnt: Double, yPost: Double, rx: Double) -> Double {
        let ry = (yPost - yAnt) / 2
        let q = (x / rx) * (x / rx), r = ((y - (yPost + yAnt) / 2) / ry) * ((y - (yPost + yAnt) / 2) / ry)
        return 0.75 * (q + r) + 0.25 * (q * q + r * r)
    }

    /// Bone, disc, canal, vessels and psoas near the column; nil elsewhere.
    @inline(__always) func spine(x: Double, y: Double, z: Double, ti: Int) -> UInt16? {
        let cx = scoliotic ? x - table.lateralShift[ti] : x
        let ax = abs(cx)
        let lamY = table.laminaY[ti]
        // Beyond the widest bony canal (`canalContent`'s first test fails everywhere) the canal is skipped.
        if ax < 22, ax < canal.cullHalfWidth, y > lamY - 50, y < lamY + 10 {
            if let m = canalContent(x: cx, y: y, z: z) { return m }
        }
        let bin = min(max(Int((z - binOrigin) / 2), 0), binStart.count - 2)
        // Index loops over the bin (no slice, no element copies: this runs for most samples).
        let first = binStart[bin], end = binStart[bin + 1]
        let nv = vertebrae.count
        if scoliotic { return scolioticColumn(x: x, y: y, z: z, ti: ti, first: first, end: end) }
        for n in first..<end {
            let e = binItems[n]
            if e < nv {
                let l = vertebrae[e].frame.local(y, z)
                if let m = vertebrae[e].body(a: l.a, u: l.u, x: x) { return m }
            }
        }
        for n in first..<end {
            let e = binItems[n]
            if e >= nv {
                let l = discs[e - nv].frame.local(y, z)
                if let m = discs[e - nv].material(a: l.a, u: l.u, x: x) { return m }
            }
        }
        for n in first..<end {
            let e = binItems[n]
            if e < nv {
                let l = vertebrae[e].frame.local(y, z)
                if let m = vertebrae[e].posteriorElements(a: l.a, u: l.u, x: x) { return m }
            }
        }
        if z <= ribZMax, z >= ribZMin, let m = ribMaterial(x: x, y: y, z: z) { return m }
        if z < sacrumZMax, let m = sacrumMaterial(x: x, y: y, z: z) { return m }
        if !canal.herniations.isEmpty, let m = herniationOutsideCanal(x: cx, y: y, z: z) { return m }
        // Atlas, dens, coccyx (SpineModel+Column.swift).
        if z >= craniocervicalZMin || z <= coccyxZMax, let m = columnExtraMaterial(x: x, y: y, z: z) { return m }
        return softTissueNearColumn(x: x, y: y, z: z, ti: ti)
    }

    /// `spine`'s element loops for a scoliotic column: each element's coronal pose applied to x and u.
    func scolioticColumn(x: Double, y: Double, z: Double, ti: Int, first: Int, end: Int) -> UInt16? {
        let nv = vertebrae.count
        for n in first..<end {
            let e = binItems[n]
            if e < nv {
                let l = vertebrae[e].frame.local(y, z)
                let c = vertebrae[e].coronal.local(x: x, u: l.u)
                if let m = vertebrae[e].body(a: l.a, u: c.u, x: c.x) { return m }
            }
        }
        for n in first..<end {
            let e = binItems[n]
            if e >= nv {
                let l = discs[e - nv].frame.local(y, z)
                let c = discs[e - nv].coronal.local(x: x, u: l.u)
                if let m = discs[e - nv].material(a: l.a, u: c.u, x: c.x) { return m }
            }
        }
        for n in first..<end {
            let e = binItems[n]
            if e < nv {
                let l = vertebrae[e].frame.local(y, z)
                let c = vertebrae[e].coronal.local(x: x, u: l.u)
                if let m = vertebrae[e].posteriorElements(a: l.a, u: c.u, x: c.x) { return m }
            }
        }
        if z <= ribZMax, z >= ribZMin, let m = ribMaterial(x: x, y: y, z: z) { return m }
        if z < sacrumZMax, let m = sacrumMaterial(x: x, y: y, z: z) { return m }
        if !canal.herniations.isEmpty, let m = herniationOutsideCanal(x: x - table.lateralShift[ti], y: y, z: z) {
            return m
        }
        // Atlas, dens, coccyx (SpineModel+Column.swift).
        if z >= craniocervicalZMin || z <= coccyxZMax, let m = columnExtraMaterial(x: x, y: y, z: z) { return m }
        return softTissueNearColumn(x: x, y: y, z: z, ti: ti)
    }

    @inline(__always) func sacrumMaterial(x: Double, y: Double, z: Double) -> UInt16? {
        let ax = abs(x)
        let sc = parameters.bodyScale
        for n in 0..<sacrum.count {
            let seg = sacrum[n]
            let l = seg.frame.local(y, z)
            if abs(l.u) > seg.height / 2 + 4 { continue }
            let r2 = endplateRadius2(a: l.a, x: x, ra: seg.ra, rx: seg.rx)
            // Fused segments overlap by 3 mm so the kyphotic joints leave no gaps (only S1 has a free endplate).
            let topU = n == 0 ? seg.height / 2 - seg.concavityTop * max(0, 1 - r2) : seg.height / 2 + 3
            if r2 <= 1, l.u <= topU, l.u >= -seg.height / 2 - 3 {
                let rim = 1 - 1.1 / min(seg.ra, seg.rx)
                if r2 > rim * rim || (n == 0 && l.u > topU - 0.9) { return Self.sacrumCortex }
                return Self.sacrumMarrow
            }
            // Lateral masses and alae, and the posterior plate behind the sacral canal.
            let back = -seg.ra - seg.canalDepth
            if l.a <= seg.ra * 0.3, l.a >= back - 2, l.u <= seg.height / 2 - (n == 0 ? 3 : 0), l.u >= -seg.height / 2 {
                let frac = (l.u + seg.height / 2) / seg.height
                if ax <= Self.sacralSpanMM(n) * sc * (1 - 0.25 * frac) { return Self.sacrumMarrow }
            }
            if l.a <= back + 0.5, l.a >= back - 7 * sc, ax <= seg.canalWidth / 2 + 8 * sc,
                abs(l.u) <= seg.height / 2 + 3
            {
                return Self.sacrumMarrow
            }
        }
        return nil
    }

    /// Half span [mm] of the lateral masses and alae of sacral segment n (S1…S5), before body scaling.
    @inline(__always) static func sacralSpanMM(_ n: Int) -> Double {
        switch n {
        case 0: 54
        case 1: 46
        case 2: 34
        case 3: 22
        default: 14
        }
    }

    /// Root pair j sits at polar angle 10° + 10°·j from the transverse axis toward dorsal, at
    /// 0.8 − 0.035·j of the sac's radius (the roots lie dorsally in the supine sac, lateral ones exit first).
    static let rootSin: [Double] = (0..<8).map { j -> Double in
        let d = Double(j)
        let phi: Double = (10 + 10 * d) * Double.pi / 180
        return (0.8 - 0.035 * d) * sin(phi)
    }
    static let rootCos: [Double] = (0..<8).map { j -> Double in
        let d = Double(j)
        let phi: Double = (10 + 10 * d) * Double.pi / 180
        return (0.8 - 0.035 * d) * cos(phi)
    }

    /// Thecal sac, CSF, cord, roots, epidural fat, ligamentum flavum, disc bulge and herniation inside the canal.
    @inline(__always) func canalContent(x: Double, y: Double, z: Double) -> UInt16? {
        let c = canal.closest(y: y, z: z)
        let last = canal.y.count - 1
        if (c.index == 0 && c.t == 0) || c.index >= last { return nil }
        let k = c.t < 0.5 ? c.index : c.index + 1
        let n = c.n
        let ac = canal.ac[k], bc = canal.bc[k]
        let qn = (n / ac) * (n / ac), qx = (x / bc) * (x / bc)
        if qn * qn + qx * qx > 1 { return nil }
        if !canal.herniationAt.isEmpty, canal.herniationAt[k] >= 0,
            let m = canal.herniations[canal.herniationAt[k]].material(
                s: canal.arcLength(index: c.index, t: c.t), n: n, x: x)
        {
            return m
        }
        let s = canal.s[k]
        if s < canal.sacEndS {
            let taper = min(1, ((canal.sacEndS - s) / 8).squareRoot())
            let nc = (canal.sacAnt[k] + canal.sacPost[k]) / 2
            let a = (canal.sacAnt[k] - canal.sacPost[k]) / 2 * taper, b = canal.sacHalfWidth[k] * taper
            let dn = n - nc
            if a > 0, b > 0, (dn / a) * (dn / a) + (x / b) * (x / b) <= 1 {
                let sc = parameters.bodyScale
                if s < canal.conusTipS {
                    let cr = min(1, ((canal.conusTipS - s) / 18).squareRoot())
                    let ca = 3.6 * sc * cr, cb = 4.4 * sc * cr
                    if (dn / ca) * (dn / ca) + (x / cb) * (x / cb) <= 1 { return Self.neural }
                }
                if s > canal.conusTipS - 35 {
                    let rr = 1.0 * sc
                    for j in 0..<8 where s < rootEndS[j] {
                        let rn = -a * Self.rootSin[j], rxp = b * Self.rootCos[j]
                        let ddx = abs(x) - rxp, ddn = dn - rn
                        if ddx * ddx + ddn * ddn <= rr * rr { return Self.neural }
                    }
                }
                return Self.csf
            }
        }
        let bulge = canal.bulgeDepth[k]
        if bulge > 0.05, n > ac - bulge, abs(x) < bc * 0.85, canal.disc[k] >= 0 { return discs[canal.disc[k]].annulus }
        if n < -ac + 2 * parameters.bodyScale + canal.flavum[k], abs(x) > 2.5 { return Self.ligament }
        return Self.epiduralFat
    }

    /// Aorta, inferior vena cava, iliac vessels and psoas.
    @inline(__always) func softTissueNearColumn(x: Double, y: Double, z: Double, ti: Int) -> UInt16? {
        let sc = parameters.bodyScale
        let by = table.bodyY[ti], bhd = table.bodyHalfDepth[ti], bhw = table.bodyHalfWidth[ti]
        let front = by - bhd
        // Arteries: the aorta left of the midline, bifurcating at L4 into the common iliacs.
        let ra = 10.5 * sc
        if z > vesselBifurcationZ {
            let dx = x - 12 * sc, dy = y - (front - 2 - ra)
            if dx * dx + dy * dy <= ra * ra { return Self.artery }
        } else if z > -110 {
            let dz = vesselBifurcationZ - z
            let ri = 6.5 * sc
            // Left, then right common iliac artery (two checks, not an array: this runs per sample).
            let dy = y - (front - 2 - ri)
            let dxL = x - (12 * sc + 0.5 * dz)
            if dxL * dxL + dy * dy <= ri * ri { return Self.artery }
            let dxR = x - (12 * sc - 0.7 * dz)
            if dxR * dxR + dy * dy <= ri * ri { return Self.artery }
        }
        // Veins: the IVC right of the midline, formed at L5 by the common iliac veins.
        if z > veinConfluenceZ {
            let dx = (x + 17 * sc) / (13 * sc), dy = (y - (front - 2 - 9 * sc)) / (9 * sc)
            if dx * dx + dy * dy <= 1 { return Self.vein }
        } else if z > -110 {
            let dz = veinConfluenceZ - z
            let ri = 7 * sc
            let dy = y - (front - 1 - ri)
            let dxL = x - (-17 * sc + 0.75 * dz)
            if dxL * dxL + dy * dy <= ri * ri { return Self.vein }
            let dxR = x - (-17 * sc - 0.55 * dz)
            if dxR * dxR + dy * dy <= ri * ri { return Self.vein }
        }
        // Psoas: from L1 downward, growing to L4-L5, then running anterolaterally into the pelvis.
        if z < psoasTopZ, z > -140 {
            let grow = min(max((psoasTopZ - z) / max(psoasTopZ - vesselBifurcationZ, 1), 0.2), 1)
            let r = 21 * sc * grow
            let below = max(0, -z)
            let cx = bhw + 0.85 * r + 0.45 * below
            let cy = by + 0.1 * bhd - 0.55 * below
            let dx = (abs(x) - cx) / r, dy = (y - cy) / (0.85 * r)
            if dx * dx + dy * dy <= 1 { return Self.psoas }
        }
        return nil
    }
}
