import Foundation

/// Projects the model's known anatomy and findings onto one radiograph's detector.
struct RadiographTruthBuilder {
    let model: SpineModel
    let geometry: RadiographGeometry
    /// Open field `[xMin, yMin, xMax, yMax]` [pixels].
    let field: [Double]
    let findings: RadiographFindingShapes

    /// Disc height loss from which a disc counts as "disc space narrowing" (a visible loss of a quarter).
    static let narrowingThreshold = 0.25

    /// Midsagittal corners of a body outline in the body frame: anterior-superior, posterior-superior,
    /// posterior-inferior, anterior-inferior. The posterior corners are taken at one half depth behind
    /// the centre, where the posterior wall already has a chord of about a third of the body's width:
    /// `endplateRadius2` bulges the midline 6 % further back, but that sliver is too thin to show on a
    /// projection. Endplate rims carry no concavity.
    /// `x` moves them to the left (+) or right (−) of the body's own midline [mm], for boxes that cover the body's
    /// width.
    func bodyCorners(_ v: VertebraShape, x: Double = 0) -> [SIMD3<Double>] {
        let front = v.ra, back = -v.ra
        let local: [(Double, Double)] = [
            (front, v.height / 2 + front * v.tanHalfWedge), (back, v.height / 2 + back * v.tanHalfWedge),
            (back, -v.height / 2 - back * v.tanHalfWedge), (front, -v.height / 2 - front * v.tanHalfWedge),
        ]
        // Through the vertebra's coronal pose: on a scoliotic spine the body is shifted and tilted in the coronal plane.
        return local.map { a, u in model.worldLPS(body: model.bodyPoint(v.frame, v.coronal, a: a, u: u, x: x)) }
    }

    /// Endplate corners of a body on an AP view in world LPS: right-superior, left-superior, left-inferior,
    /// right-inferior. The lateral ends of the endplate rims at the body's widest (its half width `rx`, at the
    /// centre's depth, where `endplateRadius2` reaches it), through the body's coronal pose.
    func apBodyCorners(_ v: VertebraShape) -> [SIMD3<Double>] {
        [(-v.rx, v.height / 2), (v.rx, v.height / 2), (v.rx, -v.height / 2), (-v.rx, -v.height / 2)].map { x, u in
            model.worldLPS(body: model.bodyPoint(v.frame, v.coronal, a: 0, u: u, x: x))
        }
    }

    /// `corners(x)` at the midline and at both sides `halfWidth` away: boxes from these span the body's full width
    /// on AP views (and its far side's larger magnification on lateral views).
    func across(_ halfWidth: Double, _ corners: (Double) -> [SIMD3<Double>]) -> [SIMD3<Double>] {
        [-halfWidth, 0, halfWidth].flatMap(corners)
    }

    /// Superior corners (anterior, posterior) of S1's body, in world LPS.
    func sacralSuperiorCorners(x: Double = 0) -> [SIMD3<Double>] {
        guard let s = model.sacrum.first else { return [] }
        return [s.ra, -s.ra].map { a in
            let b = s.frame.body(a: a, u: s.height / 2)
            return model.worldLPS(body: SIMD3(x, b.y, b.z))
        }
    }

    func inField(_ p: [Double]) -> Bool { p[0] >= field[0] && p[0] <= field[2] && p[1] >= field[1] && p[1] <= field[3] }

    /// Bounding box of projected points, padded by `padMM` at the detector; nil if any point is outside the field.
    func box(_ points: [SIMD3<Double>], padMM: Double) -> [Double]? {
        let px = points.map(geometry.project)
        guard !px.isEmpty, px.allSatisfy(inField) else { return nil }
        let pad = padMM / geometry.pixelMM
        func r(_ v: Double) -> Double { (v * 100).rounded() / 100 }
        return [
            r(max(px.map { $0[0] }.min()! - pad, field[0])), r(max(px.map { $0[1] }.min()! - pad, field[1])),
            r(min(px.map { $0[0] }.max()! + pad, field[2])), r(min(px.map { $0[1] }.max()! + pad, field[3])),
        ]
    }

    func imageTruth(photometric: String, sideMarker: String, markerBox: [Double], dose: Double, scatterWeight: Double)
        -> RadiographTruth.ImageTruth
    {
        let g = geometry
        func r(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
        func arr(_ v: SIMD3<Double>) -> [Double] { [r(v.x), r(v.y), r(v.z)] }
        var bodies: [RadiographTruth.BodyTruth] = []
        // The cervical view annotates C2–C7 (C2's body without the dens), the lumbar views every body in the field.
        let annotated = model.vertebrae.filter { g.view != .cervicalLateral || ($0.vertebra >= .c2 && $0.vertebra <= .c7) }
        for v in annotated {
            let corners = bodyCorners(v).map { g.project($0).map { ($0 * 100).rounded() / 100 } }
            guard corners.allSatisfy(inField) else { continue }
            let ap = apBodyCorners(v).map { g.project($0).map { ($0 * 100).rounded() / 100 } }
            let centre = g.project(model.worldLPS(body: model.bodyPoint(v.frame, v.coronal, a: 0, u: 0, x: 0))).map {
                ($0 * 100).rounded() / 100
            }
            bodies.append(
                .init(
                    name: v.vertebra, label: UInt8(v.vertebra.verseLabel), centre: centre,
                    corners: g.view.isLateral
                        ? .init(
                            anteriorSuperior: corners[0], posteriorSuperior: corners[1],
                            posteriorInferior: corners[2], anteriorInferior: corners[3]) : nil,
                    apCorners: g.view == .anteroposterior && ap.allSatisfy(inField)
                        ? .init(rightSuperior: ap[0], leftSuperior: ap[1], leftInferior: ap[2], rightInferior: ap[3])
                        : nil))
        }
        var boxes: [RadiographTruth.LesionClass: [RadiographTruth.Box]] = [:]
        let p = model.parameters
        let vertebrae = model.vertebrae
        func lowerSuperior(_ i: Int) -> [SIMD3<Double>] {
            if i + 1 < vertebrae.count {
                let w = vertebrae[i + 1]
                return across(w.rx) { Array(bodyCorners(w, x: $0)[0..<2]) }
            }
            return across(model.sacrum.first?.rx ?? 0) { sacralSuperiorCorners(x: $0) }
        }
        for f in p.fractures where f.genantGrade > 0 {
            if let v = vertebrae.first(where: { $0.vertebra == f.vertebra }),
                let b = box(across(v.rx) { bodyCorners(v, x: $0) }, padMM: 2)
            {
                boxes[.vertebralCollapse, default: []].append(.init(box: b, level: f.vertebra.name))
            }
        }
        for (i, v) in vertebrae.enumerated() {
            let level = DiscLevel(upper: v.vertebra, lower: i + 1 < vertebrae.count ? vertebrae[i + 1].vertebra : .s1)
            let inferior = across(v.rx) { Array(bodyCorners(v, x: $0)[2..<4]) }
            // An anterior slip shows on lateral views only.
            if geometry.view.isLateral, let s = p.slip, s.level == level, s.fraction > 0,
                let b = box(across(v.rx) { bodyCorners(v, x: $0) } + lowerSuperior(i), padMM: 3)
            {
                boxes[.spondylolisthesis, default: []].append(.init(box: b, level: level.name))
            }
            if model.discHeightLossFraction(level) >= Self.narrowingThreshold,
                let b = box(inferior + lowerSuperior(i), padMM: 3)
            {
                boxes[.discSpaceNarrowing, default: []].append(.init(box: b, level: level.name))
            }
        }
        // Osteophytes: the whole spur, beak and lips. On lateral views the lips lie over the body near the endplate,
        // on AP views the beak does, so the box reaches from there to the tips that stand clear of the body.
        for s in findings.spurs {
            let degrees = RadiographFindingShapes.Spur.maxTheta * 180 / Double.pi
            if let b = box(s.outline(thetas: -degrees...degrees).map(model.worldLPS(body:)), padMM: 1) {
                boxes[.osteophytes, default: []].append(.init(box: b, level: s.osteophyte.vertebra.name))
            }
        }
        if let level = findings.fixationLevel,
            let b = box(findings.metalOutline.map(model.worldLPS(body:)), padMM: 2)
        {
            boxes[.surgicalImplant, default: []].append(.init(box: b, level: level.name))
        }
        // Other lesions: the whole sphere.
        for l in findings.lesions {
            if let b = box(l.outline.map(model.worldLPS(body:)), padMM: 1) {
                boxes[.otherLesions, default: []].append(.init(box: b, level: l.lesion.vertebra.name))
            }
        }
        if geometry.view == .lateral {
            for (level, b) in foraminalStenosisBoxes() {
                boxes[.foraminalStenosis, default: []].append(.init(box: b, level: level.name))
            }
        }
        let lesions = RadiographTruth.LesionClass.allCases.map {
            RadiographTruth.LesionBoxes(lesionClass: $0, boxes: boxes[$0] ?? [])
        }
        let spacing = (g.pixelMM / g.magnification * 1e6).rounded() / 1e6
        return .init(
            view: g.view, dicomFile: nil, labelFile: nil, rows: g.rows, columns: g.columns,
            imagerPixelSpacingMM: [g.pixelMM, g.pixelMM], pixelSpacingMM: [spacing, spacing],
            sourceImageDistanceMM: g.sourceImageDistanceMM, sourceIsocentreDistanceMM: r(g.sourceIsocentreDistanceMM),
            magnification: (g.magnification * 1e6).rounded() / 1e6, sourceLPS: arr(g.source),
            detectorOriginLPS: arr(g.detectorOrigin),
            rowDirectionLPS: arr(g.rowDirection), columnDirectionLPS: arr(g.columnDirection),
            photometricInterpretation: photometric, collimationBox: field, sideMarker: sideMarker,
            sideMarkerBox: markerBox, exposureQuantaPerMM2: r(dose), scatterWeight: r(scatterWeight),
            vertebrae: bodies, label: lesions.contains { !$0.boxes.isEmpty } ? "abnormal" : "normal",
            lesions: lesions)
    }
}
