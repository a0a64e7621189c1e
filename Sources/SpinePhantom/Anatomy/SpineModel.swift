import Foundation

/// A complete synthetic lumbar spine and trunk, defined analytically in millimetres so that any
/// image grid can sample it: `material(atWorldLPS:)` tells what lies at any point.
///
/// Built deterministically from `PhantomParameters`: the sacrum is placed first (S1 superior
/// endplate at the body-frame origin, tilted by the sacral slope), then discs and vertebral bodies
/// are stacked cranially as wedges whose angles sum to the lordosis; the canal, muscles, vessels
/// and trunk follow the column. The body frame is then posed in patient LPS by a small rotation and
/// a translation (`parameters.pose`).
public struct SpineModel: Sendable {
    public let parameters: PhantomParameters
    /// Material table; `material(…)` returns indices into it. Index 0 is air (background).
    public internal(set) var materials: [Material]
    var vertebrae: [VertebraShape] = []
    var discs: [DiscShape] = []
    var sacrum: [SacralSegment] = []
    var canal: CanalCurve
    /// Per-z (1 mm) tables of the column: body-centre y, half depth, half width; lamina back y.
    var table: ColumnTable
    /// Element candidates per 2 mm z bin: vertebra index i, or `vertebrae.count + disc index`.
    var binOrigin = 0.0
    var binStart: [Int] = []
    var binItems: [Int] = []
    var sacrumZMax = 0.0
    /// k / 255 for k = 0…255 (the bowel lattice's hashed fractions, looked up rather than divided per sample).
    var byteFractions: [Double] = []
    /// Arc length where each of the eight root pairs leaves the sac (lateral pairs first).
    var rootEndS: [Double] = []
    /// Body-frame z of the aortic bifurcation (L4), the caval confluence (L5) and the top of psoas (L1).
    var vesselBifurcationZ = 0.0
    var veinConfluenceZ = 0.0
    var psoasTopZ = 0.0
    /// Body-frame z of the end vertebrae's centres, amplitude [mm, + left] of each coronal curve.
    var coronalCurves: [(zTop: Double, zBottom: Double, amplitude: Double)] = []
    /// Proximal ribs of the thoracic vertebrae (left then right per vertebra, craniocaudally), and the body-frame
    /// z band they occupy (empty band: none).
    var ribs: [RibShape] = []
    var ribZMin = Double.infinity
    var ribZMax = -Double.infinity
    /// The least distance from the midline of any rib's box (straight spines: closer samples skip the ribs).
    var ribMinLateral = Double.infinity
    /// Whether the column has a coronal curve (`parameters.scoliosis`, each resolved: `validate` checks the end
    /// vertebrae); the straight column skips the coronal poses.
    var scoliotic: Bool { !coronalCurves.isEmpty }
    /// Body → world rotation (columns) and translation.
    let rotation: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)
    let translation: SIMD3<Double>
    /// L1–S1 Cobb angle of the constructed spine [degrees].
    public let lordosisDeg: Double
    /// Thoracic kyphosis (T1 superior to the last thoracic inferior endplate) and cervical lordosis (C2 inferior
    /// to C7 inferior endplate) as constructed [degrees], both positive.
    public private(set) var kyphosisDeg = 0.0
    public private(set) var cervicalLordosisDeg = 0.0
    /// The atlas and C2's dens (C2's index in `vertebrae`), and the coccyx with its materials; the body-frame z
    /// above which the first two and below which the last can lie (`columnExtraMaterial`).
    var upperCurves: UpperCurves
    var atlas: AtlasShape?
    var dens: DensShape?
    var c2Index = 0
    var coccyx: [CoccygealSegment] = []
    var coccyxMarrow: UInt16 = 0
    var coccyxCortex: UInt16 = 0
    var craniocervicalZMin = Double.infinity
    var coccyxZMax = -Double.infinity
    /// Sacral slope as constructed [degrees].
    public var sacralSlopeDeg: Double { parameters.sacralSlopeDeg }

    // Shared materials.
    static let air: UInt16 = 0
    static let csf: UInt16 = 1
    static let neural: UInt16 = 2
    static let epiduralFat: UInt16 = 3
    static let ligament: UInt16 = 4
    static let muscle: UInt16 = 5
    static let psoas: UInt16 = 6
    static let subcutaneousFat: UInt16 = 7
    static let artery: UInt16 = 8
    static let vein: UInt16 = 9
    static let viscera: UInt16 = 10
    static let sacrumMarrow: UInt16 = 11
    static let sacrumCortex: UInt16 = 12
    static let bowelFluid: UInt16 = 13
    static let bowelGas: UInt16 = 14
    static let mesentericFat: UInt16 = 15

    /// Builds the spine; throws `PhantomError` for impossible or contradictory parameters.
    public init(parameters p: PhantomParameters) throws {
        try p.validate()
        parameters = p
        let scale = p.bodyScale
        var mats: [Material] = [
            Material(.air, nil),  // background (label 0)
            Material(.csf, .spinalCanal),
            Material(.neural, .caudaEquina),
            Material(.epiduralFat, .epiduralFat),
            Material(.ligament, .otherSoftTissue),
            Material(.muscle, .paraspinalMuscle),
            Material(.muscle, .paraspinalMuscle, pdScale: 0.97, t2Scale: 1.05),
            Material(.subcutaneousFat, .subcutaneousFat),
            Material(.flowingBlood, .bloodVessels, pdScale: 0.08),
            Material(.flowingBlood, .bloodVessels, pdScale: 0.2),
            Material(.viscera, .otherSoftTissue),
            Material(.marrow, .sacrum, instance: UInt8(Vertebra.s1.verseLabel), t1Scale: 0.9),
            Material(.corticalBone, .sacrum, instance: UInt8(Vertebra.s1.verseLabel)),
            Material(.viscera, .otherSoftTissue, pdScale: 1.05, t1Scale: 3, t2Scale: 5, fatScale: 0),
            Material(.air, .otherSoftTissue),
            Material(.subcutaneousFat, .otherSoftTissue),
        ]
        let names = Morphometry.upperColumn + PhantomParameters.vertebrae(for: p.anomaly)
        let mobile = Array(names.dropLast())
        let curves = UpperCurves(seed: p.seed, names: mobile)
        upperCurves = curves
        let lumbar = mobile.filter { $0.region == .lumbar }
        let shareTotal = lumbar.reduce(0) { $0 + Morphometry.discLordosisShare($1) + Morphometry.bodyLordosisShare($1) }
        let lordosis = p.lordosisDeg * .pi / 180
        let rad = Double.pi / 180

        // Sacrum: S1 superior endplate centre at the origin, normal tilted anteriorly by the sacral slope.
        let theta0 = p.sacralSlopeDeg * rad
        let s1 = Morphometry.vertebra(.s1)
        let segH = [28.0, 22, 18, 14, 10], segD = [s1.bodyDepthMM, 29, 23, 17, 12]
        let segW = [s1.bodyWidthMM, 38, 30, 22, 15], kyph = [0.0, 12, 15, 17, 18]
        var top = (y: 0.0, z: 0.0)
        var thetaTop = theta0
        for n in 0..<5 {
            let h = segH[n] * scale
            let theta = thetaTop + kyph[n] * rad / 2
            let u = up(theta)
            let centre = (y: top.y - u.y * h / 2, z: top.z - u.z * h / 2)
            sacrum.append(
                SacralSegment(
                    frame: SagittalFrame(centreY: centre.y, centreZ: centre.z, theta: theta), height: h,
                    ra: segD[n] * scale / 2, rx: segW[n] * scale / 2,
                    concavityTop: n == 0 ? s1.endplateConcavityMM * scale : 0,
                    canalDepth: max(6, (16 - 2.5 * Double(n))) * scale, canalWidth: max(8, 28 - 4 * Double(n)) * scale))
            top = (top.y - u.y * h, top.z - u.z * h)
            thetaTop += kyph[n] * rad
        }

        // Stack discs and vertebrae cranially from S1.
        var point = (y: 0.0, z: 0.0)
        var theta = theta0
        var lowerDepth = s1.bodyDepthMM * scale, lowerWidth = s1.bodyWidthMM * scale
        var lowerConcavity = s1.endplateConcavityMM * scale
        var lower: Vertebra = .s1
        var builtV: [VertebraShape] = []
        var builtD: [DiscShape] = []
        var l1TopTheta = theta0
        for v in mobile.reversed() {
            let ref = Morphometry.vertebra(v)
            var dims = ref
            for kp in [
                \VertebralDimensions.bodyHeightMM, \.bodyDepthMM, \.bodyWidthMM, \.canalDepthMM, \.canalWidthMM,
                \.pedicleWidthMM, \.pedicleHeightMM, \.transverseSpanMM, \.spinousLengthMM, \.endplateConcavityMM,
            ] {
                dims[keyPath: kp] *= scale
            }
            let transitional = p.anomaly == .sacralizedL5 && v == .l5
            if transitional { dims.transverseSpanMM = 112 * scale }
            let ra = dims.bodyDepthMM / 2, rx = dims.bodyWidthMM / 2
            // Body wedge: lordotic share for lumbar levels, slightly kyphotic in the thoracic spine.
            var bodyWedge =
                curves.bodyWedge[v] ?? (v.region == .lumbar ? lordosis * Morphometry.bodyLordosisShare(v) / shareTotal : -2.5 * rad)
            var h = dims.bodyHeightMM
            var tw = tan(bodyWedge / 2)
            var cTop = dims.endplateConcavityMM, cBot = dims.endplateConcavityMM
            if let f = p.fractures.first(where: { $0.vertebra == v }) {
                let ha = h + 2 * ra * tw, hp = h - 2 * ra * tw
                switch f.shape {
                case .wedge:
                    let haF = ha * (1 - f.heightLossFraction)
                    h = (haF + hp) / 2
                    tw = (haF - hp) / (4 * ra)
                case .biconcave:
                    let mid = h - cTop - cBot
                    let extra = mid * f.heightLossFraction / 2
                    cTop += extra
                    cBot += extra
                case .crush:
                    h *= 1 - f.heightLossFraction
                    tw *= 1 - f.heightLossFraction
                    cTop *= 1 - f.heightLossFraction
                    cBot *= 1 - f.heightLossFraction
                }
                bodyWedge = 2 * atan(tw)
            }
            // Disc below v.
            let level = DiscLevel(upper: v, lower: lower)
            var variation = p.disc(level)
            if let loss = curves.cervicalHeightLoss[v] { variation.heightLossFraction = loss }
            // Published mid-disc heights are centre heights, which include both endplate concavities.
            var hm = max(
                Morphometry.discHeightBelow(v) * scale * (1 - variation.heightLossFraction) - cBot - lowerConcavity,
                1.5 * scale)
            if transitional { hm = 3 * scale }
            let dra = (ra + lowerDepth / 2) / 2, drx = (rx + lowerWidth / 2) / 2
            var discWedge =
                curves.discWedge[v]
                ?? (v.region == .lumbar
                    ? lordosis * Morphometry.discLordosisShare(v) / shareTotal : (v == .t10 ? -3 : -1.5) * rad)
            if transitional { discWedge *= 0.3 }
            // Keep at least 1.5 mm of posterior disc height (a very lordotic, collapsed disc cannot wedge more).
            let maxTan = (hm - 1.5 * scale) / (2 * dra)
            var dtw = tan(discWedge / 2)
            if dtw > maxTan { dtw = max(maxTan, 0) }
            discWedge = 2 * atan(dtw)
            var slipMM = 0.0
            if let s = p.slip, s.level == level { slipMM = s.fraction * lowerDepth }
            let thetaD = theta - discWedge / 2
            let ud = up(thetaD), an = anterior(theta)
            let discCentre = (
                y: point.y + ud.y * hm / 2 + an.y * slipMM / 2, z: point.z + ud.z * hm / 2 + an.z * slipMM / 2
            )
            let discIndex = builtD.count
            mats.append(
                Material(
                    .nucleusPulposus, .intervertebralDisc, instance: UInt8(level.verseLabel),
                    pdScale: 1 - 0.3 * variation.t2Darkening, t2Scale: 1 - 0.65 * variation.t2Darkening))
            mats.append(Material(.annulusFibrosus, .intervertebralDisc, instance: UInt8(level.verseLabel)))
            _ = discIndex
            builtD.append(
                DiscShape(
                    level: level, frame: SagittalFrame(centreY: discCentre.y, centreZ: discCentre.z, theta: thetaD),
                    height: hm, tanHalfWedge: dtw, ra: dra, rx: drx, concavityUpper: cBot,
                    concavityLower: lowerConcavity,
                    slipMM: slipMM, nucleus: UInt16(mats.count - 2), annulus: UInt16(mats.count - 1)))
            point = (point.y + ud.y * hm + an.y * slipMM, point.z + ud.z * hm + an.z * slipMM)
            theta -= discWedge
            // Vertebral body v.
            let thetaB = theta - bodyWedge / 2
            let ub = up(thetaB)
            let centre = (y: point.y + ub.y * h / 2, z: point.z + ub.z * h / 2)
            let acute = p.fractures.first(where: { $0.vertebra == v })?.acute ?? false
            mats.append(
                Material(
                    .marrow, .vertebralBody, instance: UInt8(v.verseLabel), pdScale: acute ? 1.08 : 1,
                    t1Scale: acute ? 1.7 : 1, t2Scale: acute ? 1.9 : 1, fatScale: acute ? 0.35 : 1))
            mats.append(Material(.corticalBone, .vertebralBody, instance: UInt8(v.verseLabel)))
            mats.append(Material(.posteriorBone, .posteriorElements, instance: UInt8(v.verseLabel)))
            let m = UInt16(mats.count - 3)
            builtV.append(
                VertebraShape(
                    vertebra: v, frame: SagittalFrame(centreY: centre.y, centreZ: centre.z, theta: thetaB), height: h,
                    tanHalfWedge: tw, ra: ra, rx: rx, concavityTop: cTop, concavityBottom: cBot, dims: dims,
                    transitional: transitional, halfDiscAbove: 4, halfDiscBelow: hm / 2, marrow: m, cortex: m + 1,
                    posterior: m + 2))
            if let modic = variation.modic {
                // The band under v's inferior endplate and under the lower vertebra's superior one (not the sacrum's).
                if modic.endplates != .lower {
                    mats.append(Self.modicMaterial(modic.type, instance: UInt8(v.verseLabel)))
                    builtV[builtV.count - 1].modicBottom = UInt16(mats.count - 1)
                    builtV[builtV.count - 1].modicBottomDepth = modic.depthMM
                }
                if modic.endplates != .upper, builtV.count >= 2 {
                    mats.append(Self.modicMaterial(modic.type, instance: UInt8(lower.verseLabel)))
                    builtV[builtV.count - 2].modicTop = UInt16(mats.count - 1)
                    builtV[builtV.count - 2].modicTopDepth = modic.depthMM
                }
            }
            if variation.foraminalNarrowing.left + variation.foraminalNarrowing.right > 0 {
                // Osteophytes carry the posterior elements' label, so a vertebral body's label keeps its shape.
                let lowerBone = builtV.count >= 2 ? builtV[builtV.count - 2].posterior : Self.sacrumMarrow
                Self.narrowForamina(
                    below: builtV[builtV.count - 1], disc: &builtD[builtD.count - 1],
                    narrowing: variation.foraminalNarrowing, lowerBone: lowerBone)
            }
            point = (point.y + ub.y * h, point.z + ub.z * h)
            theta -= bodyWedge
            if v == .l1 { l1TopTheta = theta }
            lower = v
            lowerDepth = dims.bodyDepthMM
            lowerWidth = dims.bodyWidthMM
            lowerConcavity = cTop
        }
        // Craniocaudal order; tell each vertebra the disc height above it (for its articular processes).
        vertebrae = builtV.reversed()
        discs = builtD.reversed()
        for i in 1..<vertebrae.count { vertebrae[i].halfDiscAbove = discs[i - 1].height / 2 }
        lordosisDeg = (theta0 - l1TopTheta) / rad
        let lastThoracic = vertebrae.last(where: { $0.vertebra.region == .thoracic })?.vertebra ?? .t12
        kyphosisDeg = -Self.cobbDeg(vertebrae, upper: .t1, lower: lastThoracic, upperTop: true)
        cervicalLordosisDeg = Self.cobbDeg(vertebrae, upper: .c2, lower: .c7, upperTop: false)

        // Canal centreline: behind each body, disc and the upper sacrum.
        var controls: [CanalCurve.Control] = []
        var rng = PhantomRandom(seed: p.seed, stream: 0xCA7A1)
        // The levels above T10 draw from their own stream, so T10 and below draw as they did before them.
        var upperRng = PhantomRandom(seed: p.seed, stream: 0xCA7A2)
        func addControl(_ f: SagittalFrame, ra: Double, depth: Double, width: Double, sacScale: Double) {
            let a = -(ra + depth / 2)
            let b = f.body(a: a, u: 0)
            controls.append(
                CanalCurve.Control(
                    y: b.y, z: b.z, ac: depth / 2, bc: width / 2,
                    sacDepth: min(Morphometry.sacDepthMM * scale * sacScale, depth - 4),
                    sacWidth: min(Morphometry.sacWidthMM * scale * sacScale, width - 3)))
        }
        if let t = vertebrae.first {
            var f = t.frame
            f.cy += f.uy * 40
            f.cz += f.uz * 40
            addControl(f, ra: t.ra, depth: t.dims.canalDepthMM, width: t.dims.canalWidthMM, sacScale: 1)
        }
        var discControl: [Int] = []
        for (i, v) in vertebrae.enumerated() {
            let sacScale =
                v.vertebra < .t10
                ? upperRng.normal(mean: 1, sd: 0.05, clampedTo: 0.9, 1.1) : rng.normal(mean: 1, sd: 0.05, clampedTo: 0.9, 1.1)
            addControl(v.frame, ra: v.ra, depth: v.dims.canalDepthMM, width: v.dims.canalWidthMM, sacScale: sacScale)
            let d = discs[i]
            let below = i + 1 < vertebrae.count ? vertebrae[i + 1].dims : Morphometry.vertebra(.s1)
            discControl.append(controls.count)
            addControl(
                d.frame, ra: d.ra,
                depth: (v.dims.canalDepthMM + below.canalDepthMM * (i + 1 < vertebrae.count ? 1 : scale)) / 2,
                width: (v.dims.canalWidthMM + below.canalWidthMM * (i + 1 < vertebrae.count ? 1 : scale)) / 2,
                sacScale: sacScale)
        }
        for (n, seg) in sacrum.prefix(4).enumerated() {
            addControl(
                seg.frame, ra: seg.ra, depth: seg.canalDepth, width: seg.canalWidth, sacScale: n == 0 ? 0.9 : 0.7)
        }
        var curve = CanalCurve(controls: controls)
        for (i, d) in discs.enumerated() {
            let v = p.disc(d.level)
            curve.narrow(
                atIndex: curve.controlIndex[discControl[i]], discIndex: i, bulge: v.bulgeMM,
                flavum: v.flavumThickeningMM,
                facet: v.facetNarrowingMM, sigma: 5 * scale)
        }
        // The sac ends at S2; the conus near L1-L2 (between T12-L1 and L2-L3 in healthy adults).
        let s2 = controls.count - 3
        curve.sacEndS = curve.s[curve.controlIndex[s2]]
        if let l1l2 = discs.firstIndex(where: { $0.level.upper == .l1 }) {
            curve.conusTipS = curve.s[curve.controlIndex[discControl[l1l2]]] + rng.uniform(-20, 12) * scale
        }
        canal = curve

        // Posture of the body in patient LPS.
        let r = p.pose.rotationDeg.map { $0 * rad }
        let rx = (
            SIMD3<Double>(1, 0, 0), SIMD3<Double>(0, cos(r[0]), sin(r[0])), SIMD3<Double>(0, -sin(r[0]), cos(r[0]))
        )
        let ry = (
            SIMD3<Double>(cos(r[1]), 0, -sin(r[1])), SIMD3<Double>(0, 1, 0), SIMD3<Double>(sin(r[1]), 0, cos(r[1]))
        )
        let rz = (
            SIMD3<Double>(cos(r[2]), sin(r[2]), 0), SIMD3<Double>(-sin(r[2]), cos(r[2]), 0), SIMD3<Double>(0, 0, 1)
        )
        func mul(_ a: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>), _ v: SIMD3<Double>) -> SIMD3<Double> {
            a.0 * v.x + a.1 * v.y + a.2 * v.z
        }
        func mm(_ a: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>), _ b: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>))
            -> (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)
        {
            (mul(a, b.0), mul(a, b.1), mul(a, b.2))
        }
        rotation = mm(rz, mm(ry, rx))
        translation = SIMD3(p.pose.translationMM[0], p.pose.translationMM[1], p.pose.translationMM[2])

        materials = mats
        table = ColumnTable()
        placeCraniocervicalJunction(coccyxTop: top, coccyxTheta: thetaTop, curves: curves)
        placeCoronalCurves()
        buildTables()
        placeRibs()
    }

    /// Vertebral marrow with a Modic change (Modic MT et al., Radiology 1988;166(1):193–199): type 1 oedema (fat
    /// largely replaced by water with long T1 and T2: dark on T1, bright on T2 and STIR), type 2 fatty
    /// replacement (fat fraction ≈ 0.9: bright on T1 and T2, dark on STIR).
    static func modicMaterial(_ type: Int, instance: UInt8) -> Material {
        type == 1
            ? Material(.marrow, .vertebralBody, instance: instance, pdScale: 1.05, t1Scale: 1.6, t2Scale: 2.5, fatScale: 0.3)
            : Material(.marrow, .vertebralBody, instance: instance, fatScale: 1.6)
    }

    /// Builds the foraminal narrowing at a disc below vertebra `v` (see `ForaminalNarrowing`), in proportion to
    /// the fraction on each side: facet growth up to the room between the disc's posterior margin and the
    /// articular pillar less 6 mm, a protrusion up to 3 mm deep (so a channel of at least 3 mm stays behind
    /// the disc at its mid-height), a floor rising to 2.5 mm below the mid-height at most and a ceiling dropping
    /// to 1 mm above the disc's upper surface at most.
    static func narrowForamina(
        below v: VertebraShape, disc d: inout DiscShape, narrowing: PhantomParameters.PerSide, lowerBone: UInt16
    ) {
        let cw2 = v.dims.canalWidthMM / 2, pw = v.dims.pedicleWidthMM
        let centreX = cw2 + pw / 2
        // Posterior margin of the disc outline at the pedicle's lateral position (bisection on the outline).
        var lo = -2 * d.ra, hi = 0.0
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if endplateRadius2(a: mid, x: centreX, ra: d.ra * 1.02, rx: d.rx * 1.02) > 1 { lo = mid } else { hi = mid }
        }
        let margin = lo
        func local(_ a: Double, _ u: Double) -> (a: Double, u: Double) {
            let p = v.frame.body(a: a, u: u)
            return d.frame.local(p.y, p.z)
        }
        let canalBack = -v.ra - v.dims.canalDepthMM
        let front = local(canalBack + 7, -v.height / 2 - v.halfDiscBelow).a
        let back = local(canalBack - 4, -v.height / 2 - v.halfDiscBelow).a
        let pedU = v.height / 2 - v.dims.pedicleHeightMM / 2 - 1
        let pedicleBottom = local(-v.ra, pedU - v.dims.pedicleHeightMM / 2).u
        let pedicleMiddle = local(-v.ra, pedU).u
        let half = d.height / 2
        for side in PhantomParameters.Side.allCases where narrowing[side] > 0 {
            let f = narrowing[side]
            let n = ForaminalNarrowing(
                fraction: f, protrusionMM: 3 * f, facetGrowthMM: f * max(margin - front - 6, 0),
                floorRiseMM: f * max(half - 2.5, 0), ceilingDropMM: f * max(pedicleBottom - (half + 1), 0),
                centreX: centreX, halfWidth: pw / 2 + 4, marginA: margin, pillarFrontA: front, pillarBackA: back,
                discHalfHeight: half, floorBaseU: -half - 3, pedicleBottomU: pedicleBottom,
                pedicleMiddleU: pedicleMiddle, annulus: d.annulus, lowerBone: lowerBone,
                posterior: v.posterior)
            if side == .left { d.foraminalLeft = n } else { d.foraminalRight = n }
        }
    }

    /// Places the coronal curves: each a half sine between its end vertebrae's centres whose end slopes give the
    /// target Cobb angle (amplitude L / π · tan(Cobb / 2) for a curve L mm tall); every vertebra and disc is shifted
    /// to the curve and tilted by its slope along the element's superior axis (discs by their neighbours' mean, with
    /// a coronal wedge between them).
    mutating func placeCoronalCurves() {
        guard !parameters.scoliosis.isEmpty else { return }
        for c in parameters.scoliosis {
            guard let top = vertebrae.first(where: { $0.vertebra == c.upper }),
                let bottom = vertebrae.first(where: { $0.vertebra == c.lower })
            else { continue }
            let length = top.frame.cz - bottom.frame.cz
            let amplitude = length / .pi * tan(c.cobbDeg * .pi / 360) * c.convexSide.sign
            coronalCurves.append((top.frame.cz, bottom.frame.cz, amplitude))
        }
        func tilt(_ f: SagittalFrame) -> Double { atan(lateralSlope(z: f.cz) * f.uz) }
        for i in vertebrae.indices {
            let f = vertebrae[i].frame
            vertebrae[i].coronal = CoronalPose(centreX: lateralShift(z: f.cz), tilt: tilt(f))
        }
        for i in discs.indices {
            let upper = vertebrae[i].coronal.tilt
            let lower = i + 1 < vertebrae.count ? vertebrae[i + 1].coronal.tilt : 0
            discs[i].coronal = CoronalPose(centreX: lateralShift(z: discs[i].frame.cz), tilt: (upper + lower) / 2)
            discs[i].coronalTanHalfWedge = tan((upper - lower) / 2)
        }
    }

    /// Lateral shift [mm, + left] of the column at body-frame z.
    func lateralShift(z: Double) -> Double {
        var x = 0.0
        for c in coronalCurves where z >= c.zBottom && z <= c.zTop {
            x += c.amplitude * sin(.pi * (c.zTop - z) / (c.zTop - c.zBottom))
        }
        return x
    }

    /// d(lateral shift)/dz at body-frame z (one-sided at a curve's ends, so an end vertebra takes its curve's slope
    /// and a vertebra shared by two curves the mean of both).
    func lateralSlope(z: Double) -> Double {
        var d = 0.0, n = 0
        for c in coronalCurves where z >= c.zBottom - 1e-9 && z <= c.zTop + 1e-9 {
            let l = c.zTop - c.zBottom
            d -= c.amplitude * .pi / l * cos(.pi * (c.zTop - z) / l)
            n += 1
        }
        return n > 1 ? d / Double(n) : d
    }

    /// Body-frame point of element coordinates (a anterior, u along its tilted superior axis, x along its tilted
    /// lateral axis) of a vertebra's or disc's frame and coronal pose.
    func bodyPoint(_ f: SagittalFrame, _ c: CoronalPose, a: Double, u: Double, x: Double) -> SIMD3<Double> {
        let b = c.body(x: x, u: u)
        let p = f.body(a: a, u: b.u)
        return SIMD3(b.x, p.y, p.z)
    }

    /// World LPS of a body-frame point.
    public func worldLPS(body b: SIMD3<Double>) -> SIMD3<Double> {
        rotation.0 * b.x + rotation.1 * b.y + rotation.2 * b.z + translation
    }

    /// Body-frame point of a world LPS point.
    public func body(worldLPS w: SIMD3<Double>) -> SIMD3<Double> {
        let d = w - translation
        return SIMD3((rotation.0 * d).sum(), (rotation.1 * d).sum(), (rotation.2 * d).sum())
    }

    /// World LPS direction of a body-frame direction.
    func worldDirection(body d: SIMD3<Double>) -> SIMD3<Double> {
        rotation.0 * d.x + rotation.1 * d.y + rotation.2 * d.z
    }

    /// The vertebrae of this spine from T10 to the last lumbar, craniocaudally (the sacrum excluded).
    public var vertebraNames: [Vertebra] { vertebrae.map(\.vertebra) }
    /// The disc levels, craniocaudally.
    public var discLevels: [DiscLevel] { discs.map(\.level) }
}

/// Per-millimetre tables along body z of the column's position, for the soft tissues that follow it.
struct ColumnTable: Sendable {
    var zOrigin = 0.0
    var bodyY: [Double] = []
    var bodyHalfDepth: [Double] = []
    var bodyHalfWidth: [Double] = []
    var laminaY: [Double] = []
    /// Lateral shift of the column [mm] (scoliosis; zero for a straight spine).
    var lateralShift: [Double] = []

    @inline(__always) func index(_ z: Double) -> Int { min(max(roundedToInt(z - zOrigin), 0), bodyY.count - 1) }
}
