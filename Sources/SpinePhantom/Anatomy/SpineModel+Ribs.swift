import Foundation

extension SpineModel {
    /// Places a proximal rib on each side of every thoracic vertebra (called once by `init`, after the tables).
    ///
    /// The head sits at the posterolateral corner of the body, 4 mm (scaled) below the upper endplate rim and at
    /// 55 % of the half depth behind the centre, just lateral of the body's wall there; the neck runs
    /// posterolaterally to the tubercle in front of the transverse process's tip, the shaft posterolaterally to the
    /// angle (14 mm back, 16 mm out, 4 mm down) and then inferolaterally (6 mm forward, 20 mm out, 16 mm down).
    /// Each rib is then moved out in 0.5 mm steps until nothing of the column's bone or discs (nor an earlier rib)
    /// lies within `RibShape.jointGapMM` of it, checked on sample points through and around the head and tubes.
    /// Lumbar vertebrae get none (their transverse processes are the costal elements' homologues).
    mutating func placeRibs() {
        let sc = parameters.bodyScale
        let gap = RibShape.jointGapMM
        for (i, v) in vertebrae.enumerated() where v.vertebra.region == .thoracic {
            let d = v.dims
            let pedU = v.height / 2 - d.pedicleHeightMM / 2 - 1
            let tpFront = -v.ra - d.canalDepthMM * 0.6 + 4
            let headA = -0.55 * v.ra, headU = v.height / 2 - 4 * sc
            // The body's lateral wall at the head's (a, u): bisection on the body's own outline.
            var lo = 0.0, hi = v.rx + 10
            for _ in 0..<40 {
                let mid = (lo + hi) / 2
                if v.body(a: headA, u: headU, x: mid) != nil { lo = mid } else { hi = mid }
            }
            let headS = lo + gap + 4.5 * sc
            let tubercle = SIMD3(tpFront + gap + 3.5 * sc + 0.5, pedU + 1, max(d.transverseSpanMM / 2, headS + 6 * sc))
            let angle = tubercle + SIMD3(-14, -4, 16) * sc
            let end = angle + SIMD3(6, -16, 20) * sc
            for side in PhantomParameters.Side.allCases {
                var rib = RibShape(
                    vertebraIndex: i, side: side, material: v.posterior, head: SIMD3(headA, headU, headS),
                    tubercle: tubercle, angle: angle, end: end, scale: sc, floating: v.vertebra >= .t11)
                var n = 0
                while n < 60, !ribIsClear(rib, gap: gap) {
                    rib.shiftLaterally(0.5)
                    n += 1
                }
                // Body-frame z band of the rib's local box (its corners through the vertebra's pose).
                var zLo = Double.infinity, zHi = -Double.infinity
                for a in [rib.boxMin.x, rib.boxMax.x] {
                    for u in [rib.boxMin.y, rib.boxMax.y] {
                        for s in [rib.boxMin.z, rib.boxMax.z] {
                            let z = bodyPoint(v.frame, v.coronal, a: a, u: u, x: s * side.sign).z
                            zLo = min(zLo, z)
                            zHi = max(zHi, z)
                        }
                    }
                }
                rib.zMin = zLo - 0.5
                rib.zMax = zHi + 0.5
                ribZMin = min(ribZMin, rib.zMin)
                ribZMax = max(ribZMax, rib.zMax)
                ribMinLateral = min(ribMinLateral, rib.boxMin.z)
                ribs.append(rib)
            }
        }
    }

    /// Whether no sample point in or within `gap` of the rib is bone or disc of the model as it stands (the points
    /// of the head and neck first: that is where the column's bone lies, so a blocked rib fails fast).
    func ribIsClear(_ rib: RibShape, gap: Double) -> Bool {
        let v = vertebrae[rib.vertebraIndex]
        let blocked: Set<StructureClass> = [.vertebralBody, .posteriorElements, .sacrum, .intervertebralDisc]
        func free(_ p: SIMD3<Double>) -> Bool {
            let b = bodyPoint(v.frame, v.coronal, a: p.x, u: p.y, x: p.z * rib.side.sign)
            guard let c = materials[Int(material(bodyX: b.x, y: b.y, z: b.z))].structureClass else { return true }
            return !blocked.contains(c)
        }
        // Head: its centre, and a Fibonacci sphere of directions at three radii.
        if !free(rib.head) { return false }
        for r in [rib.headRadius / 2, rib.headRadius, rib.headRadius + gap] {
            for dir in Self.sphereDirections where !free(rib.head + dir * r) { return false }
        }
        // Tubes: the axis and rings of 12 points at the radius and at the radius plus the gap, every 1.2 mm.
        for (p0, p1, radius) in rib.segments {
            let axis = p1 - p0
            let length = axis.length
            let t = axis / length
            let helper = abs(t.x) < 0.9 ? SIMD3<Double>(1, 0, 0) : SIMD3<Double>(0, 1, 0)
            let e1 = t.cross(helper).normalized, e2 = t.cross(e1)
            let steps = Int((length / 1.2).rounded(.up))
            for k in 0...steps {
                let c = p0 + t * (length * Double(k) / Double(steps))
                if !free(c) { return false }
                for r in [radius, radius + gap] {
                    for j in 0..<12 {
                        let phi = Double(j) * .pi / 6
                        if !free(c + (e1 * cos(phi) + e2 * sin(phi)) * r) { return false }
                    }
                }
            }
        }
        return true
    }

    /// 48 nearly uniform unit directions (a Fibonacci sphere).
    static let sphereDirections: [SIMD3<Double>] = (0..<48).map { k in
        let z = 1 - (Double(k) + 0.5) / 24
        let r = (1 - z * z).squareRoot()
        let phi = Double(k) * Double.pi * (3 - 5.0.squareRoot())
        return SIMD3(r * cos(phi), r * sin(phi), z)
    }

    /// The rib material at a body-frame point, or nil (only called inside the ribs' z band).
    @inline(__always) func ribMaterial(x: Double, y: Double, z: Double) -> UInt16? {
        // In a straight spine the element frame's x is the body's, so a sample nearer the midline than every rib's
        // box is in none of them.
        if !scoliotic, abs(x) < ribMinLateral { return nil }
        for n in 0..<ribs.count where z >= ribs[n].zMin && z <= ribs[n].zMax {
            let e = ribs[n].vertebraIndex
            let l = vertebrae[e].frame.local(y, z)
            if scoliotic {
                let c = vertebrae[e].coronal.local(x: x, u: l.u)
                if ribs[n].contains(a: l.a, u: c.u, x: c.x) { return ribs[n].material }
            } else if ribs[n].contains(a: l.a, u: l.u, x: x) {
                return ribs[n].material
            }
        }
        return nil
    }
}
