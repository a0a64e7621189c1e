import Foundation

/// Point-source projection geometry of one radiograph, in patient LPS [mm].
///
/// The central ray passes through the isocentre (the L3 body, shifted posteriorly on lateral views to
/// include the posterior elements; on the cervical view the C4 body, shifted 10 mm posteriorly and raised a
/// quarter of the way to the atlas) perpendicular to the detector. Magnification at the isocentre is
/// `sourceImageDistanceMM / sourceIsocentreDistanceMM`.
struct RadiographGeometry: Sendable {
    var view: RadiographView
    var rows: Int
    var columns: Int
    /// Detector pixel pitch [mm].
    var pixelMM: Double
    var sourceImageDistanceMM: Double
    var sourceIsocentreDistanceMM: Double
    /// Unit beam direction (source → detector), detector row direction (increasing column) and
    /// column direction (increasing row), in LPS.
    var beam: SIMD3<Double>
    var rowDirection: SIMD3<Double>
    var columnDirection: SIMD3<Double>
    var source: SIMD3<Double>
    /// Centre of pixel (0, 0).
    var detectorOrigin: SIMD3<Double>

    var magnification: Double { sourceImageDistanceMM / sourceIsocentreDistanceMM }

    init(model: SpineModel, view: RadiographView, options: RadiographOptions, rng: inout PhantomRandom) {
        self.view = view
        pixelMM = options.detectorPixelMM
        let cervical = view == .cervicalLateral
        // The cervical view is collimated to the neck and taken at 150 cm (the shoulder keeps the neck off the
        // detector): its field is at most 240 × 300 mm.
        let widthMM = cervical ? min(options.detectorWidthMM, 240) : options.detectorWidthMM
        let heightMM = cervical ? min(options.detectorHeightMM, 300) : options.detectorHeightMM
        columns = max(1, Int((widthMM / pixelMM).rounded()))
        rows = max(1, Int((heightMM / pixelMM).rounded()))
        sourceImageDistanceMM = cervical ? max(options.sourceImageDistanceMM, 1500) : options.sourceImageDistanceMM
        let v = model.vertebrae
        let centreIndex = v.firstIndex { $0.vertebra == (cervical ? .c4 : .l3) } ?? v.count / 2
        let f = v[centreIndex].frame
        let h = model.parameters.habitus
        let ti = model.table.index(f.cz)
        let oid: Double
        var isoBody = SIMD3(0, f.cy, f.cz)
        switch view {
        case .lateral:
            beam = SIMD3(1, 0, 0)
            rowDirection = SIMD3(0, 1, 0)
            isoBody.y += 20
            oid = h.trunkWidthMM / 2 + options.tableGapMM
        case .cervicalLateral:
            beam = SIMD3(1, 0, 0)
            rowDirection = SIMD3(0, 1, 0)
            isoBody.y += 10
            if let a = model.atlas {
                let top = v[model.c2Index].frame.body(a: 0, u: a.centreU)
                isoBody.z += (top.z - f.cz) / 4
            }
            oid = h.trunkWidthMM / 2 + options.tableGapMM
        case .anteroposterior:
            beam = SIMD3(0, 1, 0)
            rowDirection = SIMD3(1, 0, 0)
            let back = model.table.laminaY[ti] + h.backMuscleDepthMM + h.subcutaneousFatMM
            oid = back - f.cy + options.tableGapMM
        }
        columnDirection = SIMD3(0, 0, -1)
        // Centring is never perfect: ±8 mm in the detector plane, ±3 mm craniocaudally more.
        isoBody.z += rng.uniform(-11, 11) * (cervical ? 0.5 : 1)
        if view.isLateral { isoBody.y += rng.uniform(-8, 8) } else { isoBody.x += rng.uniform(-8, 8) }
        let iso = model.worldLPS(body: isoBody)
        sourceIsocentreDistanceMM = sourceImageDistanceMM - oid
        source = iso - beam * sourceIsocentreDistanceMM
        let centre = iso + beam * oid
        detectorOrigin =
            centre - rowDirection * ((Double(columns) - 1) / 2 * pixelMM)
            - columnDirection * ((Double(rows) - 1) / 2 * pixelMM)
    }

    /// World LPS of a detector pixel centre (column i, row j; fractional allowed).
    @inline(__always) func detectorLPS(_ i: Double, _ j: Double) -> SIMD3<Double> {
        detectorOrigin + rowDirection * (i * pixelMM) + columnDirection * (j * pixelMM)
    }

    /// Pixel coordinates `[column, row]` where the ray from the source through a world point meets the detector.
    func project(_ w: SIMD3<Double>) -> [Double] {
        let d = w - source
        let t = sourceImageDistanceMM / (d * beam).sum()
        let q = source + d * t - detectorOrigin
        return [(q * rowDirection).sum() / pixelMM, (q * columnDirection).sum() / pixelMM]
    }
}

/// Traces the line integrals of attenuation (and the projected body labels) for every pixel.
struct RadiographTracer: Sendable {
    let model: SpineModel
    let geometry: RadiographGeometry
    let options: RadiographOptions
    let findings: RadiographFindingShapes

    /// Per pixel: ∫μ ds (dimensionless) and the projected vertebral-body label.
    func trace() -> (lineIntegral: [Double], labels: [UInt8]) {
        let g = geometry
        let mu = model.materials.map { XRayAttenuation.muPerMM($0.tissue) }
        let vertebraIndex: [Int: Int] = Dictionary(
            uniqueKeysWithValues: model.vertebrae.enumerated().map { (Int($0.element.vertebra.verseLabel), $0.offset) })
        // The dens is C2's bone but not its body: projected body masks leave it out (VertXNet-style annotations).
        let densMaterials: Set<Int> = model.dens.map { [Int($0.marrow), Int($0.cortex)] } ?? []
        let bodySlot = model.materials.enumerated().map { n, m -> Int in
            m.structureClass == .vertebralBody && !densMaterials.contains(n) ? vertebraIndex[Int(m.instance)] ?? -1 : -1
        }
        let verse = model.vertebrae.map { UInt8($0.vertebra.verseLabel) }
        // Slabs along the body axis nearest the beam: the spine (fine) inside the trunk (coarse).
        let t = model.table
        let h = model.parameters.habitus
        let axis = g.view.isLateral ? 0 : 1
        let neck = g.view == .cervicalLateral ? NeckShapes(model: model) : nil
        let spine: (Double, Double), trunk: (Double, Double)
        if axis == 0 {
            // The cervical view's fine slab holds the skull (72 mm half width).
            let half = (neck == nil ? 75 : 80) * model.parameters.bodyScale
            spine = (-half, half)
            trunk = (-max(h.trunkWidthMM / 2 + 5, half + 5), max(h.trunkWidthMM / 2 + 5, half + 5))
        } else {
            let front = zip(t.bodyY, t.bodyHalfDepth).map { $0 - $1 }.min() ?? -50
            let back = t.laminaY.max() ?? 50
            spine = (front - 25, back + 50)
            let post = back + h.backMuscleDepthMM + h.subcutaneousFatMM
            trunk = (post - h.trunkDepthMM - 40, post + 5)
        }
        let sourceBody = model.body(worldLPS: g.source)
        let step = options.stepMM, coarseStep = options.coarseStepMM

        let marcher = RayMarcher(
            model: model, mu: mu, bodySlot: bodySlot, sourceBody: sourceBody, axis: axis, findings: findings,
            neck: neck)
        // Coarse grid: the trunk outside the spine slab.
        let k = max(1, Int((options.coarseGridMM / g.pixelMM).rounded()))
        let cc = (g.columns - 1) / k + 2, cr = (g.rows - 1) / k + 2
        var coarse = [Double](repeating: 0, count: cc * cr)
        coarse.withUnsafeMutableBufferPointer { buf in
            let out = SendableMutableBuffer(buf)
            MRRenderer.parallelRows(cr) { b in
                var unused: [Double] = []
                for a in 0..<cc {
                    let target = model.body(worldLPS: g.detectorLPS(Double(a * k), Double(b * k)))
                    out[b * cc + a] = marcher.integral(
                        to: target, range: trunk, excluding: spine, step: coarseStep, bodyLength: &unused)
                }
            }
        }
        // Fine: the spine slab per pixel, plus the coarse part interpolated.
        let n = g.rows * g.columns
        var lineIntegral = [Double](repeating: 0, count: n)
        var labels = [UInt8](repeating: 0, count: n)
        let nv = verse.count
        let coarseGrid = coarse
        lineIntegral.withUnsafeMutableBufferPointer { lb in
            labels.withUnsafeMutableBufferPointer { lab in
                let out = SendableMutableBuffer(lb), outLabels = SendableMutableBuffer(lab)
                MRRenderer.parallelRows(g.rows) { j in
                    var lengths = [Double](repeating: 0, count: nv)
                    let b = j / k, fy = Double(j % k) / Double(k)
                    for i in 0..<g.columns {
                        for s in 0..<nv { lengths[s] = 0 }
                        let target = model.body(worldLPS: g.detectorLPS(Double(i), Double(j)))
                        // Rays that cross the slab's midplane away from the column meet soft tissue only.
                        let fine = marcher.integral(
                            to: target, range: spine, excluding: nil,
                            step: marcher.nearColumn(to: target, slab: spine) ? step : coarseStep,
                            bodyLength: &lengths)
                        let a = i / k, fx = Double(i % k) / Double(k)
                        let c =
                            (coarseGrid[b * cc + a] * (1 - fx) + coarseGrid[b * cc + a + 1] * fx) * (1 - fy)
                            + (coarseGrid[(b + 1) * cc + a] * (1 - fx) + coarseGrid[(b + 1) * cc + a + 1] * fx) * fy
                        out[j * g.columns + i] = fine + c
                        var best = 0.0, label: UInt8 = 0
                        for s in 0..<nv where lengths[s] > best {
                            best = lengths[s]
                            label = verse[s]
                        }
                        outLabels[j * g.columns + i] = label
                    }
                }
            }
        }
        return (lineIntegral, labels)
    }
}

/// Marches rays from the source through the phantom, in the body frame.
struct RayMarcher: Sendable {
    let model: SpineModel
    /// Attenuation [1/mm] and vertebra index (−1: not a vertebral body) of each material.
    let mu: [Double]
    let bodySlot: [Int]
    let sourceBody: SIMD3<Double>
    /// Body axis (0 = x, 1 = y) along which the slabs are bounded.
    let axis: Int
    /// Osteophytes and metal, whose attenuation replaces the material's where they lie.
    let findings: RadiographFindingShapes
    /// The head and neck of the cervical view (nil: the model's trunk as it is).
    var neck: NeckShapes? = nil

    /// Whether the ray to `target` crosses the middle of `slab` within 25 mm in front of the vertebral
    /// bodies and 55 mm behind the laminae (lateral views), or within 80 mm of the midline (AP views).
    func nearColumn(to target: SIMD3<Double>, slab: (Double, Double)) -> Bool {
        if neck != nil { return true }  // the cervical view: skull and mandible need the fine step too
        let d = target - sourceBody
        let t = ((slab.0 + slab.1) / 2 - sourceBody[axis]) / d[axis]
        let p = sourceBody + d * t
        let table = model.table
        let ti = table.index(p.z)
        if axis == 0 {
            return p.y > table.bodyY[ti] - table.bodyHalfDepth[ti] - 25 && p.y < table.laminaY[ti] + 55
        }
        return abs(p.x) < 80 * model.parameters.bodyScale
    }

    /// ∫μ ds along the ray from the source to `target` over the part inside the slab `outer` but outside
    /// `inner`, sampled at the midpoints of steps of at most `step` [mm]. Without `inner`, also adds each
    /// vertebral body's path length [mm] to `bodyLength`.
    func integral(
        to target: SIMD3<Double>, range outer: (Double, Double), excluding inner: (Double, Double)?,
        step: Double, bodyLength: inout [Double]
    ) -> Double {
        let d = target - sourceBody
        let length = (d * d).sum().squareRoot()
        func tRange(_ r: (Double, Double)) -> (Double, Double) {
            let a = (r.0 - sourceBody[axis]) / d[axis], b = (r.1 - sourceBody[axis]) / d[axis]
            return (max(min(a, b), 0), min(max(a, b), 1))
        }
        let o = tRange(outer)
        var pieces: [(Double, Double)] = [o]
        if let inner {
            let i = tRange(inner)
            pieces = [(o.0, min(o.1, i.0)), (max(o.0, i.1), o.1)]
        }
        // Locals, so that debug builds do not copy the model (and retain its tables) at every sample.
        let model = self.model, mu = self.mu, bodySlot = self.bodySlot
        let findings = self.findings, hasFindings = !findings.isEmpty
        let neck = self.neck, materials = model.materials
        var sum = 0.0
        for (t0, t1) in pieces where t1 > t0 {
            let count = max(1, Int(((t1 - t0) * length / step).rounded(.up)))
            let dt = (t1 - t0) / Double(count), ds = dt * length
            for s in 0..<count {
                let p = sourceBody + d * (t0 + (Double(s) + 0.5) * dt)
                let m = Int(model.material(bodyX: p.x, y: p.y, z: p.z))
                if hasFindings, let extra = findings.mu(at: p) {
                    sum += extra * ds
                } else if let neck {
                    sum += neck.mu(at: p, material: materials[m], modelMu: mu[m]) * ds
                } else {
                    sum += mu[m] * ds
                }
                if inner == nil, bodySlot[m] >= 0 { bodyLength[bodySlot[m]] += ds }
            }
        }
        return sum
    }
}
