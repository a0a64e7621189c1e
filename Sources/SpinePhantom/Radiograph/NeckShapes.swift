import Foundation

/// The head and neck around the cervical column for the lateral cervical radiograph, which the model's trunk
/// (an abdomen-sized ellipse that follows the column) does not have: above T1 the trunk's soft tissues give way
/// to a neck, and a skull, a mandible and the airway are added, all in the body frame (mm, x left, y posterior,
/// z superior).
///
/// Simple attenuating shapes, so the view looks like one, not anatomy to measure: the neck an elliptic cylinder
/// (≈ 110 mm wide, ≈ 120 mm deep) around the column; the skull an ellipsoid shell (7 mm of cortical bone around
/// brain) whose base clears the atlas by 6 mm; the mandible a U-shaped bar (radius 6 mm) in front of C2–C3 with
/// two rami up to the skull; the airway (pharynx and trachea) a 9 mm radius air tube 12 mm in front of the
/// bodies from C2 down.
struct NeckShapes: Sendable {
    /// Body-frame z above which the neck replaces the trunk (T1's upper endplate), and the column's y and the
    /// bodies' front at each level (from the model's column table).
    let neckBottomZ: Double
    let skullCentre: SIMD3<Double>
    let skullRadii: SIMD3<Double>
    let skullShellMM: Double
    let mandible: [(SIMD3<Double>, SIMD3<Double>)]
    let mandibleRadius: Double
    let airwayTopZ: Double
    let scale: Double
    let table: ColumnTable

    init(model: SpineModel) {
        let sc = model.parameters.bodyScale
        scale = sc
        table = model.table
        let t1 = model.vertebrae.first { $0.vertebra == .t1 } ?? model.vertebrae[0]
        neckBottomZ = t1.frame.cz + t1.height / 2
        let c2 = model.vertebrae[model.c2Index]
        let atlasTop: (y: Double, z: Double)
        if let a = model.atlas {
            atlasTop = c2.frame.body(a: a.centreA, u: a.uMax)
        } else {
            atlasTop = c2.frame.body(a: 0, u: c2.height / 2 + 20)
        }
        skullRadii = SIMD3(72, 92, 80) * sc
        skullShellMM = 7 * sc
        // The skull's base (its lowest point) 6 mm above the atlas, its centre 15 mm in front of the canal.
        skullCentre = SIMD3(0, atlasTop.y - 15 * sc, atlasTop.z + 6 * sc + skullRadii.z)
        // Mandible: the body's U in front of C2–C3, rami up to the skull's base.
        let c3 = model.vertebrae.first { $0.vertebra == .c3 } ?? c2
        let front = c3.frame.body(a: c3.ra, u: c3.height / 2)
        let zJaw = front.z + 4 * sc
        let chin = SIMD3(0, front.y - 62 * sc, zJaw - 6 * sc)
        var pts: [SIMD3<Double>] = []
        for k in 0...8 {
            let t = Double(k) / 8 * 2 - 1  // −1 … 1, right to left
            pts.append(SIMD3(t * 46 * sc, chin.y + t * t * 48 * sc, chin.z + t * t * 6 * sc))
        }
        var bars: [(SIMD3<Double>, SIMD3<Double>)] = []
        for k in 0..<8 { bars.append((pts[k], pts[k + 1])) }
        for end in [pts[0], pts[8]] {
            bars.append((end, SIMD3(end.x, end.y + 6 * sc, skullCentre.z - skullRadii.z * 0.55)))
        }
        mandible = bars
        mandibleRadius = 6 * sc
        airwayTopZ = c2.frame.cz + c2.height / 2
    }

    /// The attenuation [1/mm] at a body-frame point where the model's material is `m` with attenuation `modelMu`:
    /// the column's own tissues (bone, discs, canal) as they are; above `neckBottomZ` the trunk's soft tissues only
    /// inside the neck (muscle-like), air outside; plus skull, mandible and airway.
    @inline(__always) func mu(at p: SIMD3<Double>, material: Material, modelMu: Double) -> Double {
        let d = (p - skullCentre) / skullRadii
        let r = (d * d).sum()
        if r <= 1 {
            let inner = (p - skullCentre) / (skullRadii - SIMD3(repeating: skullShellMM))
            return (inner * inner).sum() <= 1 ? Self.softMu : Self.boneMu
        }
        for (a, b) in mandible where RibShape.inTube(p, a, b, mandibleRadius) { return Self.boneMu }
        if p.z < neckBottomZ { return modelMu }
        if let c = material.structureClass, Self.isColumn(c) { return modelMu }
        let ti = table.index(p.z)
        let by = table.bodyY[ti], front = by - table.bodyHalfDepth[ti]
        // Airway in front of the bodies.
        if p.z <= airwayTopZ {
            let dx = p.x / (9 * scale), dy = (p.y - (front - 12 * scale - 9 * scale)) / (9 * scale)
            if dx * dx + dy * dy <= 1 { return 0 }
        }
        // The neck: centred 10 mm behind the bodies' centre, 55 mm wide and 60 mm deep each side.
        let nx = p.x / (55 * scale), ny = (p.y - (by + 10 * scale)) / (60 * scale)
        return nx * nx + ny * ny <= 1 ? Self.softMu : 0
    }

    /// The column's own classes, kept as the model draws them (a switch: this runs per ray step).
    @inline(__always) static func isColumn(_ c: StructureClass) -> Bool {
        switch c {
        case .vertebralBody, .posteriorElements, .intervertebralDisc, .spinalCanal, .caudaEquina, .epiduralFat, .sacrum:
            true
        default: false
        }
    }
    static let softMu = XRayAttenuation.muPerMM(.muscle)
    static let boneMu = XRayAttenuation.muPerMM(.corticalBone)
}
