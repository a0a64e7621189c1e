import Foundation

extension SpineModel {
    /// The foramen on one parasagittal plane, sampled from the model's own shapes.
    struct ForamenOnPlane {
        var heightMM: Double
        var peakHeightMM: Double
        var areaMM2: Double
        var widthMM: Double
    }

    /// Sampling step of the foraminal truth on its plane [mm].
    static let foramenStepMM = 0.25
    /// Depth [mm] over which a column run must hold to count for the foraminal height.
    static let foramenBandMM = 0.5
    /// An open region larger than this [mm²] is taken as not closed without filling it to the window's edge (the
    /// largest closed lumbar foramen in 40 seeds was 417 mm²).
    static let foramenMaxAreaMM2 = 600.0

    /// Lateral offset [mm, body x] of the middle of the upper vertebra's pedicle on `side` at disc `i`, and the
    /// pedicle's half width.
    func pedicleMiddle(disc i: Int, side: PhantomParameters.Side) -> (x: Double, halfWidth: Double) {
        let v = vertebrae[i]
        return (side.sign * (v.dims.canalWidthMM / 2 + v.dims.pedicleWidthMM / 2), v.dims.pedicleWidthMM / 2)
    }

    /// What SpineKit's foraminal measurement sees at a body-frame point: 0 open (anything that is not bone or disc,
    /// background included), 2 bone (vertebral body, posterior elements, sacrum), 3 disc.
    @inline(__always) func foraminalKind(x: Double, y: Double, z: Double) -> UInt8 {
        // `material(bodyX:y:z:)` less what lies outside the column (trunk outline, fat, muscle, bowel): near the
        // column those are never bone or disc, and `spine` decides everything that is.
        guard let m = spine(x: x, y: y, z: z, ti: table.index(z)) else { return 0 }
        return switch materials[Int(m)].structureClass {
        case .vertebralBody?, .posteriorElements?, .sacrum?: 2
        case .intervertebralDisc?: 3
        default: 0
        }
    }

    /// Measures the foramen at disc `i` on the plane x = `offset` (body frame), parallel to the disc's frame, the
    /// way `SpineAnalysis.ForaminalMeasurement` measures a label map (Hasegawa 1995): the open region behind the
    /// disc, 4-connected, seeded on the rows nearest the disc's mid-plane just behind the disc, must not reach the
    /// edge of the search window (1.6 times the upper body centre's height above and below the disc centre,
    /// 35 mm behind to 25 mm in front of the disc's posterior margin); the peak height is its longest
    /// craniocaudal run with bone directly above and below, the height the longest such run that holds over
    /// `foramenBandMM` of depth (adjacent columns), the area its sample count times the step², the width its
    /// longest anteroposterior run. Nil when the region is not closed (or larger than `foramenMaxAreaMM2`) or has no
    /// bone margins.
    ///
    /// Samples are evaluated lazily (only the region and its border), O(area / step²).
    func foramen(disc i: Int, offset: Double, step: Double = SpineModel.foramenStepMM) -> ForamenOnPlane? {
        let maxCount = Int(Self.foramenMaxAreaMM2 / (step * step))
        guard let g = foramenRegion(disc: i, offset: offset, step: step, maxCount: maxCount) else { return nil }
        let (region, kind, na, nu, count) = (g.region, g.kind, g.na, g.nu, g.count)
        // Every neighbour of the region has been evaluated, so `kind` is known wherever it is read below.
        var columnHeight = [Int](repeating: 0, count: na)
        for c in 0..<na {
            var r = 0
            while r < nu {
                guard region[c + na * r] else {
                    r += 1
                    continue
                }
                let start = r
                while r < nu && region[c + na * r] { r += 1 }
                if start > 0, r < nu, kind[c + na * (start - 1)] == 2, kind[c + na * r] == 2 {
                    columnHeight[c] = max(columnHeight[c], r - start)
                }
            }
        }
        let peak = columnHeight.max() ?? 0
        guard peak > 0 else { return nil }
        // The tallest run that holds over `foramenBandMM` of depth: a sliver narrower than that cannot decide it.
        let band = max(1, Int((Self.foramenBandMM / step).rounded()))
        var height = 0
        for c in 0..<(na - band + 1) { height = max(height, columnHeight[c..<(c + band)].min()!) }
        var width = 0
        for r in 0..<nu {
            var run = 0
            for c in 0..<na {
                if region[c + na * r] {
                    run += 1
                    width = max(width, run)
                } else {
                    run = 0
                }
            }
        }
        return ForamenOnPlane(
            heightMM: Double(height) * step, peakHeightMM: Double(peak) * step, areaMM2: Double(count) * step * step,
            widthMM: Double(width) * step)
    }

    /// The open region of the foramen at disc `i` on the plane x = `offset` (body frame), on a grid of `step` in the
    /// disc's frame: the search window, seed and 4-connected fill that ``foramen(disc:offset:step:)`` measures and
    /// the radiograph's foraminal-stenosis boxes cover. Nil when the region reaches the window's edge (not closed)
    /// or holds more than `maxCount` samples.
    struct ForamenRegion {
        /// Region flags and the sample kinds (`foraminalKind`, 255 where not evaluated; known on the region and
        /// its border), column c (a) fastest.
        var region: [Bool], kind: [UInt8]
        var na: Int, nu: Int, count: Int
        /// The grid: a = aLo + c·step, u = −halfU + r·step [mm, the disc's frame].
        var aLo: Double, halfU: Double, step: Double
        /// Column and row bounds of the region.
        var columns: ClosedRange<Int>, rows: ClosedRange<Int>
    }

    func foramenRegion(disc i: Int, offset: Double, step: Double, maxCount: Int? = nil) -> ForamenRegion? {
        let d = discs[i], f = d.frame
        let upper = vertebrae[i].frame
        let reach = max(d.coronal.local(x: vertebrae[i].coronal.centreX, u: f.local(upper.cy, upper.cz).u).u, 8)
        let wallA = -d.ra * 1.02 * 1.06 - abs(d.slipMM) / 2
        let halfU = 1.6 * reach
        let aLo = wallA - 35, aHi = wallA + 25
        let nu = Int((2 * halfU / step).rounded(.up)) + 1, na = Int(((aHi - aLo) / step).rounded(.up)) + 1
        var kind = [UInt8](repeating: 255, count: nu * na)
        func at(_ c: Int, _ r: Int) -> UInt8 {
            let n = c + na * r
            if kind[n] == 255 {
                let p = bodyPoint(f, d.coronal, a: aLo + Double(c) * step, u: -halfU + Double(r) * step, x: offset)
                kind[n] = foraminalKind(x: p.x, y: p.y, z: p.z)
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
        var count = 0
        var cMin = na, cMax = 0, rMin = nu, rMax = 0
        while let p = stack.popLast() {
            count += 1
            if let maxCount, count > maxCount { return nil }
            let c = p % na, r = p / na
            if c == 0 || r == 0 || c == na - 1 || r == nu - 1 { return nil }
            cMin = min(cMin, c)
            cMax = max(cMax, c)
            rMin = min(rMin, r)
            rMax = max(rMax, r)
            // The four neighbours (c±1, r), (c, r±1), without an array per pixel.
            for k in 0..<4 {
                let cc = k == 0 ? c + 1 : k == 1 ? c - 1 : c, rr = k == 2 ? r + 1 : k == 3 ? r - 1 : r
                let q = cc + na * rr
                if !region[q] && at(cc, rr) <= 1 {
                    region[q] = true
                    stack.append(q)
                }
            }
        }
        return ForamenRegion(
            region: region, kind: kind, na: na, nu: nu, count: count, aLo: aLo, halfU: halfU, step: step,
            columns: cMin...cMax, rows: rMin...rMax)
    }

    /// Truth of the left and right foramen at disc `i`.
    ///
    /// The plane is parallel to the disc's frame through the middle of the upper vertebra's pedicle; where the
    /// model's bone does not close the foramen there, the first of the planes 1.5, 3 and 4.5 mm either side that
    /// stays within the inner 10–90 % of the pedicle's width and does (as `SpineAnalysis` picks its plane).
    func foraminaTruth(disc i: Int) -> [PhantomTruth.ForamenTruth] {
        let d = discs[i]
        guard d.level.upper.region == .lumbar else { return [] }
        return PhantomParameters.Side.allCases.map { side in
            let (centre, halfWidth) = pedicleMiddle(disc: i, side: side)
            var found: (offset: Double, foramen: ForamenOnPlane)? = nil
            for shift in [0, 1.5, -1.5, 3, -3, 4.5, -4.5] where abs(shift) <= 0.69 * halfWidth || shift == 0 {
                let offset = centre + side.sign * shift
                // A 0.5 mm pass first: a region that leaks there leaks at the fine step too (no bone or disc barrier
                // of the model is thinner than 0.5 mm), and costs a sixteenth to find.
                guard foramen(disc: i, offset: offset, step: 0.5) != nil else { continue }
                if let m = foramen(disc: i, offset: offset) {
                    found = (offset, m)
                    break
                }
            }
            let offset = found?.offset ?? centre
            let n = side == .left ? d.foraminalLeft : d.foraminalRight
            let point = worldLPS(body: bodyPoint(d.frame, d.coronal, a: 0, u: 0, x: offset))
            let c = d.coronal
            let lateral = scoliotic ? SIMD3(c.cos, -d.frame.uy * c.sin, -d.frame.uz * c.sin) : SIMD3<Double>(1, 0, 0)
            return PhantomTruth.ForamenTruth(
                side: side, heightMM: found.map { round3($0.foramen.heightMM) },
                peakHeightMM: found.map { round3($0.foramen.peakHeightMM) },
                areaMM2: found.map { round3($0.foramen.areaMM2) }, widthMM: found.map { round3($0.foramen.widthMM) },
                grade: found.map { Self.foraminalGrade(heightMM: $0.foramen.heightMM, areaMM2: $0.foramen.areaMM2) },
                narrowing: n?.fraction ?? 0, protrusionMM: round3(n?.protrusionMM ?? 0),
                facetGrowthMM: round3(n?.facetGrowthMM ?? 0), floorRiseMM: round3(n?.floorRiseMM ?? 0),
                ceilingDropMM: round3(n?.ceilingDropMM ?? 0), planeOffsetMM: round3(offset),
                planePointLPS: lps(point).map(round3),
                planeNormalLPS: lps(worldDirection(body: lateral)),
                planeSuperiorLPS: lps(worldDirection(body: superiorAxis(d.frame, c))),
                planeAnteriorLPS: lps(worldDirection(body: SIMD3(0, -d.frame.uz, d.frame.uy))),
                sampleStepMM: Self.foramenStepMM)
        }
    }

    /// Foraminal stenosis grade 0–3, SpineKit's measured proxy for Lee et al. (AJR 2010;194(4):1095–1098): the
    /// larger of the height band (< 15 mm grade ≥ 1, Hasegawa 1995; < 12 mm ≥ 2; < 8 mm 3) and the area band
    /// (< 80 mm² ≥ 1, < 55 mm² ≥ 2, < 30 mm² 3), the default thresholds of `SpineAnalysis.ForaminalGrade`. The
    /// phantom labels no fat inside foramina, so fat does not count.
    static func foraminalGrade(heightMM: Double, areaMM2: Double) -> Int {
        func band(_ v: Double, _ mild: Double, _ moderate: Double, _ severe: Double) -> Int {
            v < severe ? 3 : v < moderate ? 2 : v < mild ? 1 : 0
        }
        return max(band(heightMM, 15, 12, 8), band(areaMM2, 80, 55, 30))
    }
}
