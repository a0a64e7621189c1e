import Foundation

/// The sagittal curves of the column above T10, drawn from the seed on their own random stream (so that a seed's
/// lumbar spine is the same with or without them).
struct UpperCurves: Sendable {
    /// Target thoracic kyphosis, T1 superior to the last thoracic inferior endplate [degrees], 20–50° (normal
    /// adult range, Fon GT et al., "Thoracic kyphosis: range in normal subjects", AJR 1980;134(5):979–983).
    var kyphosisDeg: Double
    /// Target cervical lordosis, C2 inferior to C7 inferior endplate [degrees], 5–40° (Hardacker JW et al.,
    /// "Radiographic standing cervical segmental alignment in adult volunteers without neck symptoms", Spine
    /// 1997;22(13):1472–1480).
    var cervicalLordosisDeg: Double
    /// Number of coccygeal segments, 3…5.
    var coccygealSegments: Int
    /// Height loss fraction of the degenerated cervical discs, by the vertebra above (C4–C5, C5–C6, C6–C7: the
    /// levels where cervical spondylosis is commonest): one level with probability 0.35, a second with 0.15, each
    /// losing 30–60 % of its height. Absent: healthy.
    var cervicalHeightLoss: [Vertebra: Double] = [:]
    /// Body wedge (positive: lordotic, taller anteriorly) of each upper vertebra, and of the disc below it [rad].
    var bodyWedge: [Vertebra: Double] = [:]
    var discWedge: [Vertebra: Double] = [:]

    /// Draws the curves for a seed and spreads them over the levels `names` (the mobile vertebrae, craniocaudally):
    /// the kyphosis not already carried by the fixed wedges of T10 and below (2.5° per body, 3° below T10 and 1.5°
    /// below the other lower thoracic levels) goes 60 % to the bodies and 40 % to the discs of T1–T9; the
    /// lordosis 70 % to the discs C2–C3…C6–C7 and 30 % to the bodies C3–C7 (most cervical lordosis is discal).
    init(seed: UInt64, names: [Vertebra]) {
        var rng = PhantomRandom(seed: seed, stream: 0xC0_1A_0001)
        kyphosisDeg = rng.normal(mean: 36, sd: 7, clampedTo: 20, 50)
        cervicalLordosisDeg = rng.normal(mean: 22, sd: 8, clampedTo: 5, 40)
        coccygealSegments = 3 + Int(rng.uniform(0, 2.999))
        var degenerate = PhantomRandom(seed: seed, stream: 0xC0_1A_0002)
        var levels: [Vertebra] = [.c4, .c5, .c6]
        for probability in [0.35, 0.15] where degenerate.chance(probability) {
            let v = levels.remove(at: min(Int(degenerate.uniform(0, Double(levels.count))), levels.count - 1))
            cervicalHeightLoss[v] = degenerate.uniform(0.3, 0.6)
        }
        let rad = Double.pi / 180
        let lowerThoracic = names.filter { $0.region == .thoracic && $0 >= .t10 }
        var fixed = 2.5 * Double(lowerThoracic.count)
        for v in lowerThoracic.dropLast() { fixed += v == .t10 ? 3 : 1.5 }
        let rest = max(kyphosisDeg - fixed, 0)
        for v in Morphometry.upperColumn where v.region == .thoracic {
            bodyWedge[v] = -0.6 * rest / 9 * rad
            discWedge[v] = -0.4 * rest / 9 * rad
        }
        for v in Morphometry.upperColumn where v.region == .cervical {
            bodyWedge[v] = v == .c2 ? 0 : 0.3 * cervicalLordosisDeg / 5 * rad
            discWedge[v] = v == .c7 ? 0 : 0.7 * cervicalLordosisDeg / 5 * rad
        }
    }
}

extension SpineModel {
    /// Places the dens on C2, the atlas around it and the coccyx below the sacrum (called once by `init`, after
    /// the column and before the tables). Dimensions: `Morphometry` (Schaffler 1992; Doherty & Heggeness 1994;
    /// Woon & Stringer 2012), scaled by the body size.
    ///
    /// The atlas's lateral masses sit 1.5 mm (the atlantoaxial joint space) above C2's upper endplate, their centre
    /// 3 mm behind the body's centre and 17 mm from the midline; the anterior arch clears the dens by 1.5 mm
    /// (the atlantodental interval, normally < 3 mm in adults), the posterior arch lies 2 mm behind C2's canal.
    mutating func placeCraniocervicalJunction(coccyxTop: (y: Double, z: Double), coccyxTheta: Double, curves: UpperCurves)
    {
        var mats = materials
        defer { materials = mats }
        let sc = parameters.bodyScale
        if let i = vertebrae.firstIndex(where: { $0.vertebra == .c2 }) {
            let c2 = vertebrae[i]
            let top = c2.height / 2
            let densRa = Morphometry.densDepthMM / 2 * sc, densRx = Morphometry.densWidthMM / 2 * sc
            let baseA = 0.15 * c2.ra
            // The dens's own copies of C2's body materials (same class and instance), so a radiograph's projected
            // body masks can leave it out.
            mats.append(mats[Int(c2.marrow)])
            mats.append(mats[Int(c2.cortex)])
            dens = DensShape(
                baseA: baseA, baseU: top, length: Morphometry.densHeightMM * sc, ra: densRa, rx: densRx,
                marrow: UInt16(mats.count - 2), cortex: UInt16(mats.count - 1))
            mats.append(Material(.posteriorBone, .posteriorElements, instance: UInt8(Vertebra.c1.verseLabel)))
            let archHalf = 3.5 * sc
            let front = baseA + densRa + 1.5 * sc + 2 * archHalf
            let back = -c2.ra - c2.dims.canalDepthMM - 2 * sc - 2 * archHalf
            let massHalf = SIMD3(8.0, Morphometry.atlasLateralMassHeightMM / 2, 6.5) * sc
            atlas = AtlasShape(
                centreA: (front + back) / 2, centreU: top + 1.5 * sc + massHalf.y, halfDepth: (front - back) / 2,
                halfWidth: 25 * sc, archHalfThickness: archHalf, archHalfHeight: 5 * sc, massA: -3 * sc,
                massX: 17 * sc, massHalf: massHalf, transverseHalfSpan: Morphometry.atlasTransverseSpanMM / 2 * sc,
                bone: UInt16(mats.count - 1))
            c2Index = i
            // Body-frame z below which neither reaches (the frame may lean: take the lowest corner).
            var zLo = Double.infinity
            for a in [back - 2, front + 2] {
                for u in [top - 3, top + 40 * sc] { zLo = min(zLo, c2.frame.body(a: a, u: u).z) }
            }
            craniocervicalZMin = zLo
        }
        // Coccyx: segments continuing the sacrum's curve, 15° more kyphosis per joint.
        mats.append(
            Material(.marrow, .sacrum, instance: UInt8(Vertebra.coccyx.verseLabel), t1Scale: 0.9))
        mats.append(Material(.corticalBone, .sacrum, instance: UInt8(Vertebra.coccyx.verseLabel)))
        coccyxMarrow = UInt16(mats.count - 2)
        coccyxCortex = UInt16(mats.count - 1)
        var top = coccyxTop, theta = coccyxTheta
        let rad = Double.pi / 180
        var zHi = -Double.infinity
        for n in 0..<curves.coccygealSegments {
            let s = Morphometry.coccyxSegments[n]
            let h = s.height * sc
            let gap = (n == 0 ? 4.5 : -1.5) * sc  // the sacrum's 3 mm overlap plus a 1.5 mm joint; fused below
            theta += (n == 0 ? 10 : 15) * rad
            let u = up(theta)
            let centre = (y: top.y - u.y * (gap + h / 2), z: top.z - u.z * (gap + h / 2))
            coccyx.append(
                CoccygealSegment(
                    frame: SagittalFrame(centreY: centre.y, centreZ: centre.z, theta: theta), height: h,
                    ra: s.depth * sc / 2, rx: s.width * sc / 2))
            top = (top.y - u.y * (gap + h), top.z - u.z * (gap + h))
            zHi = max(zHi, centre.z + h / 2 + s.depth * sc / 2 + 2)
        }
        coccyxZMax = zHi
    }

    /// Material of the atlas, the dens or the coccyx at a body-frame point, or nil (two comparisons elsewhere).
    @inline(__always) func columnExtraMaterial(x: Double, y: Double, z: Double) -> UInt16? {
        if z >= craniocervicalZMin, let d = dens, let a = atlas {
            let l = vertebrae[c2Index].frame.local(y, z)
            if let m = d.material(a: l.a, u: l.u, x: x) { return m }
            if let m = a.material(a: l.a, u: l.u, x: x) { return m }
        }
        if z <= coccyxZMax {
            for seg in coccyx {
                let l = seg.frame.local(y, z)
                if abs(l.u) > seg.height / 2 + 0.75 { continue }
                let r2 = endplateRadius2(a: l.a, x: x, ra: seg.ra, rx: seg.rx)
                // Rounded ends: the section shrinks toward each end's last 1.5 mm.
                let end = max(0, abs(l.u) - (seg.height / 2 - 0.75)) / 1.5
                if r2 + end * end <= 1 {
                    let rim = 1 - 1.0 / min(seg.ra, seg.rx)
                    return r2 > rim * rim ? coccyxCortex : coccyxMarrow
                }
            }
        }
        return nil
    }

    /// Height loss fraction of a disc as built: the parameters' for T10 and below, the drawn cervical degeneration
    /// (`UpperCurves.cervicalHeightLoss`) above.
    public func discHeightLossFraction(_ level: DiscLevel) -> Double {
        if level.upper < .t10 { return upperCurves.cervicalHeightLoss[level.upper] ?? 0 }
        return parameters.disc(level).heightLossFraction
    }

    /// Sagittal Cobb angle as constructed [degrees] from `upper`'s superior (`upperTop`) or inferior endplate to
    /// `lower`'s inferior endplate: positive lordotic, negative kyphotic; 0 when either is missing.
    static func cobbDeg(_ vertebrae: [VertebraShape], upper: Vertebra, lower: Vertebra, upperTop: Bool) -> Double {
        guard let u = vertebrae.first(where: { $0.vertebra == upper }),
            let l = vertebrae.first(where: { $0.vertebra == lower })
        else { return 0 }
        let tu = u.frame.theta + (upperTop ? -1 : 1) * atan(u.tanHalfWedge)
        let tl = l.frame.theta + atan(l.tanHalfWedge)
        return (tl - tu) * 180 / .pi
    }
}
