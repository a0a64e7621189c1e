/// Everything that makes one phantom spine different from another, drawn from a seed or set by hand.
///
/// `PhantomParameters(seed:)` draws a plausible adult; edit fields afterwards to force a finding
/// (a grade II slip at L4-L5, a Genant 3 fracture of L1); `SpineModel(parameters:)` validates them.
public struct PhantomParameters: Sendable, Hashable, Codable {
    /// Degeneration and canal narrowing at one disc level.
    public struct DiscVariation: Sendable, Hashable, Codable {
        public var level: DiscLevel
        /// Fraction of the normal mid-disc height lost (0 = healthy, 0.9 at most).
        public var heightLossFraction: Double = 0
        /// Loss of nucleus T2 signal (0 = healthy, 1 = black disc).
        public var t2Darkening: Double = 0
        /// Posterior disc bulge or protrusion into the canal [mm] (pushes the dural sac back).
        public var bulgeMM: Double = 0
        /// Ligamentum flavum thickening [mm] (pushes the dural sac forward).
        public var flavumThickeningMM: Double = 0
        /// Facet hypertrophy narrowing the dural sac's transverse diameter [mm].
        public var facetNarrowingMM: Double = 0
        /// Foraminal narrowing on the left and right, 0 (none) to 1 (the most the model builds): a posterolateral
        /// disc protrusion, facet hypertrophy filling the foramen from behind, and osteophytes lowering its roof
        /// and raising its floor, each in proportion (see `PhantomTruth.ForamenTruth` for the constructed sizes and
        /// the resulting foraminal height, area and grade). Lumbar levels only.
        public var foraminalNarrowing = PerSide(left: 0, right: 0)
        /// Modic endplate marrow change beside this disc (nil = none); see `ModicChange`.
        public var modic: ModicChange? = nil
        /// A focal herniation of disc material beyond the ring apophyses (nil = none); see `Herniation`.
        public var herniation: Herniation? = nil

        public init(level: DiscLevel) { self.level = level }
    }

    /// A disc herniation: focal displacement of disc material beyond the limits of the disc space (the ring
    /// apophyses), named as in Fardon DF et al., "Lumbar disc nomenclature: version 2.0", Spine J 2014;14(11):
    /// 2525–2545. A protrusion's base (its width where it leaves the disc) is wider than the material beyond the
    /// disc space in every plane; an extrusion's dome is wider than its base in at least one plane and may migrate
    /// cranially or caudally. The shapes the model builds are described at `DiscHerniationShape`.
    public struct Herniation: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            case protrusion, extrusion
        }
        /// Where the material lies in the axial plane (Fardon 2014's zones): in the midline, beside it (the
        /// lateral recess, toward `side`), or in the intervertebral foramen on `side`.
        public enum Zone: String, Sendable, Hashable, Codable, CaseIterable {
            case central, paracentral, foraminal
        }
        public var type: Kind
        public var zone: Zone
        /// The patient's side of a paracentral or foraminal herniation; nil for a central one.
        public var side: Side?
        /// How far the material reaches beyond the disc margin [mm] (2–8 drawn; 1–10 accepted).
        public var sizeMM: Double
        /// Craniocaudal displacement of an extrusion's dome from the disc [mm]: positive cranial, negative caudal
        /// (0 for a protrusion; −6…6 accepted).
        public var migrationMM: Double

        public init(type: Kind, zone: Zone, side: Side?, sizeMM: Double, migrationMM: Double = 0) {
            self.type = type
            self.zone = zone
            self.side = side
            self.sizeMM = sizeMM
            self.migrationMM = migrationMM
        }
    }

    /// A Modic change: a band of vertebral marrow under the endplate(s) next to a degenerated disc with abnormal
    /// signal (Modic MT et al., "Degenerative disk disease: assessment of changes in vertebral body marrow with MR
    /// imaging", Radiology 1988;166(1):193–199): type 1 oedema and vascularised fibrous tissue, dark on T1 and
    /// bright on T2 and STIR; type 2 fatty replacement, bright on T1 and T2 (dark on STIR).
    public struct ModicChange: Sendable, Hashable, Codable {
        /// Which endplates of the disc carry the band: the upper vertebra's inferior, the lower vertebra's superior,
        /// or both. The sacrum's endplate is not modelled: at a disc above the sacrum only `upper` is drawn.
        public enum Endplates: String, Sendable, Hashable, Codable, CaseIterable {
            case upper, lower, both
        }
        /// Modic type, 1 or 2.
        public var type: Int
        public var endplates: Endplates
        /// Depth of the band into the marrow, below the endplate's 0.9 mm cortex [mm] (2–15).
        public var depthMM: Double

        public init(type: Int, endplates: Endplates, depthMM: Double) {
            self.type = type
            self.endplates = endplates
            self.depthMM = depthMM
        }
    }

    /// The patient's left or right (LPS +x is left).
    public enum Side: String, Sendable, Hashable, Codable, CaseIterable {
        case left, right

        /// +1 for left, −1 for right: the sign of body-frame x on this side.
        public var sign: Double { self == .left ? 1 : -1 }
    }

    /// One number for each side of the body.
    public struct PerSide: Sendable, Hashable, Codable {
        public var left: Double
        public var right: Double
        public init(left: Double, right: Double) {
            self.left = left
            self.right = right
        }
        public subscript(side: Side) -> Double {
            get { side == .left ? left : right }
            set { if side == .left { left = newValue } else { right = newValue } }
        }
    }

    /// A vertebral compression fracture graded by Genant's semiquantitative method
    /// (Genant HK et al., J Bone Miner Res 1993;8(9):1137–1148): grade 1 = 20–25 %, 2 = 25–40 %,
    /// 3 = > 40 % loss of anterior, middle or posterior height.
    public struct Fracture: Sendable, Hashable, Codable {
        public enum Shape: String, Sendable, Hashable, Codable, CaseIterable {
            /// Anterior height lost.
            case wedge
            /// Middle height lost (both endplates depressed).
            case biconcave
            /// All heights lost.
            case crush
        }
        public var vertebra: Vertebra
        public var shape: Shape
        /// Fraction of height lost at the deformed site (0.2–0.6).
        public var heightLossFraction: Double
        /// Marrow oedema (dark on T1, bright on STIR), as in a recent fracture.
        public var acute: Bool

        public init(vertebra: Vertebra, shape: Shape, heightLossFraction: Double, acute: Bool) {
            self.vertebra = vertebra
            self.shape = shape
            self.heightLossFraction = heightLossFraction
            self.acute = acute
        }

        /// Genant grade of the constructed height loss (0 below 20 %).
        public var genantGrade: Int { Self.genantGrade(heightLossFraction: heightLossFraction) }

        /// Genant grade for a fractional height loss: < 0.2 → 0, < 0.25 → 1, ≤ 0.4 → 2, else 3.
        public static func genantGrade(heightLossFraction f: Double) -> Int {
            f < 0.2 ? 0 : f < 0.25 ? 1 : f <= 0.4 ? 2 : 3
        }
    }

    /// Anterior slip of the vertebra above `level` over the one below, as a fraction of the lower
    /// vertebra's superior endplate depth (Meyerding HW, Surg Gynecol Obstet 1932;54:371–377:
    /// grade I < 25 %, II 25–50 %, III 50–75 %, IV 75–100 %, V > 100 %).
    public struct Slip: Sendable, Hashable, Codable {
        public var level: DiscLevel
        public var fraction: Double
        public init(level: DiscLevel, fraction: Double) {
            self.level = level
            self.fraction = fraction
        }
        /// Meyerding grade of a slip fraction (0 for none).
        public static func meyerdingGrade(fraction f: Double) -> Int {
            f <= 0 ? 0 : f < 0.25 ? 1 : f < 0.5 ? 2 : f < 0.75 ? 3 : f <= 1 ? 4 : 5
        }
    }

    /// A coronal (scoliotic) curve between two end vertebrae.
    ///
    /// The column is displaced laterally along a half sine between the end vertebrae's centres, convex to
    /// `convexSide`; each vertebra is tilted in the coronal plane by the curve's slope at its centre and each disc
    /// takes the mean tilt of its neighbours with a coronal wedge between them. `cobbDeg` is the target angle
    /// between the end vertebrae (Cobb JR, Instr Course Lect 1948;5:261–275); the constructed tilts and Cobb
    /// angle are in the truth (a vertebra shared by two adjacent curves takes the mean of their slopes).
    public struct ScoliosisCurve: Sendable, Hashable, Codable {
        public var upper: Vertebra
        public var lower: Vertebra
        public var cobbDeg: Double
        public var convexSide: Side
        public init(upper: Vertebra, lower: Vertebra, cobbDeg: Double, convexSide: Side) {
            self.upper = upper
            self.lower = lower
            self.cobbDeg = cobbDeg
            self.convexSide = convexSide
        }
    }

    /// Size and shape of the trunk.
    public struct Habitus: Sendable, Hashable, Codable {
        /// Trunk anteroposterior and transverse diameters [mm].
        public var trunkDepthMM: Double
        public var trunkWidthMM: Double
        /// Subcutaneous fat thickness [mm] over the back (the abdomen carries 1.3× this).
        public var subcutaneousFatMM: Double
        /// Erector spinae depth behind the laminae [mm].
        public var backMuscleDepthMM: Double
    }

    /// Where the patient lies in the scanner's patient LPS frame.
    public struct Pose: Sendable, Hashable, Codable {
        /// Translation of the S1 superior endplate centre from the LPS origin [mm].
        public var translationMM: [Double]
        /// Small rotations about the L/R, P/A and S/I axes [degrees] (patient not perfectly straight).
        public var rotationDeg: [Double]
    }

    public var seed: UInt64
    public var anomaly: EnumerationAnomaly
    /// Lumbar vertebra count requested by the caller; must agree with `anomaly` when set.
    public var lumbarCount: Int?
    /// Thoracic vertebra count requested by the caller; must agree with `anomaly` when set.
    public var thoracicCount: Int?
    /// Scale of every vertebral dimension (1 = published mean adult).
    public var bodyScale: Double
    /// Target L1–S1 Cobb angle [degrees] (the constructed value is in the truth).
    public var lordosisDeg: Double
    /// Sacral slope: S1 superior endplate against the horizontal [degrees].
    public var sacralSlopeDeg: Double
    public var discs: [DiscVariation]
    public var fractures: [Fracture]
    public var slip: Slip?
    public var habitus: Habitus
    public var pose: Pose
    /// Coronal curves, craniocaudally and not overlapping (empty: a straight spine in the coronal plane).
    public var scoliosis: [ScoliosisCurve] = []

    /// The vertebrae from T10 to the sacrum for an anomaly, craniocaudally.
    public static func vertebrae(for anomaly: EnumerationAnomaly) -> [Vertebra] {
        var v: [Vertebra] = [.t10, .t11, .t12]
        if anomaly.thoracicCount == 13 { v.append(.t13) }
        v += [.l1, .l2, .l3, .l4, .l5]
        if anomaly.lumbarCount == 6 { v.append(.l6) }
        return v + [.s1]
    }

    /// The disc levels for an anomaly, craniocaudally.
    public static func discLevels(for anomaly: EnumerationAnomaly) -> [DiscLevel] {
        let v = vertebrae(for: anomaly)
        return zip(v, v.dropFirst()).map { DiscLevel(upper: $0, lower: $1) }
    }

    /// Draws a plausible adult lumbar spine from `seed`.
    public init(seed: UInt64) {
        var rng = PhantomRandom(seed: seed)
        self.seed = seed
        let a = rng.unit()
        anomaly = a < 0.85 ? .none : a < 0.9 ? .sixLumbar : a < 0.95 ? .sacralizedL5 : .thirteenThoracic
        lumbarCount = nil
        thoracicCount = nil
        bodyScale = rng.normal(mean: 1, sd: 0.06, clampedTo: 0.86, 1.14)
        lordosisDeg = rng.normal(mean: 48, sd: 10, clampedTo: 22, 68)
        sacralSlopeDeg = min(max(0.6 * lordosisDeg + 9 + rng.normal(sd: 3), 18), 55)
        let levels = Self.discLevels(for: anomaly)
        discs = []
        for (n, level) in levels.enumerated() {
            var d = DiscVariation(level: level)
            // Degeneration is commoner caudally (most at L4-L5 and L5-S1).
            let caudal = Double(n + 1) / Double(levels.count)
            if rng.chance(0.05 + 0.45 * caudal * caudal) {
                d.heightLossFraction = rng.uniform(0.1, 0.55)
                d.t2Darkening = min(1, d.heightLossFraction + rng.uniform(0.2, 0.5))
                if rng.chance(0.6) { d.bulgeMM = rng.uniform(1, 5) }
            }
            if level.upper.region == .lumbar, rng.chance(0.1 + 0.3 * caudal) {
                d.flavumThickeningMM = rng.uniform(0.5, 3.5)
                d.facetNarrowingMM = rng.uniform(0, 5)
            }
            discs.append(d)
        }
        fractures = []
        if rng.chance(0.12) {
            let candidates = Self.vertebrae(for: anomaly).filter { $0 >= .t11 && $0 <= .l4 }
            let shape = rng.pick(Fracture.Shape.allCases)
            let grade = rng.int(in: 1...3)
            let loss =
                grade == 1 ? rng.uniform(0.205, 0.245) : grade == 2 ? rng.uniform(0.26, 0.39) : rng.uniform(0.42, 0.6)
            fractures.append(
                Fracture(vertebra: rng.pick(candidates), shape: shape, heightLossFraction: loss, acute: rng.chance(0.5))
            )
        }
        slip = nil
        if rng.chance(0.2) {
            let lumbar = levels.filter { $0.upper.region == .lumbar }
            let level = rng.chance(0.6) ? lumbar[lumbar.count - 2] : lumbar[lumbar.count - 1]
            let g = rng.unit()
            let fraction =
                g < 0.6 ? rng.uniform(0.08, 0.24) : g < 0.9 ? rng.uniform(0.26, 0.48) : rng.uniform(0.52, 0.72)
            slip = Slip(level: level, fraction: fraction)
        }
        let fat = rng.normal(mean: 18, sd: 9, clampedTo: 5, 45)
        habitus = Habitus(
            trunkDepthMM: rng.normal(mean: 215, sd: 20, clampedTo: 170, 270) + fat,
            trunkWidthMM: rng.normal(mean: 320, sd: 25, clampedTo: 260, 390) + fat,
            subcutaneousFatMM: fat, backMuscleDepthMM: rng.normal(mean: 48, sd: 6, clampedTo: 35, 62))
        pose = Pose(
            translationMM: [rng.normal(sd: 10), rng.normal(sd: 15), rng.normal(sd: 25)],
            rotationDeg: [rng.normal(sd: 2), rng.normal(sd: 1.5), rng.normal(sd: 2)])
        drawTruthV2Features(seed: seed)
    }

    /// Draws the features added with truth schema 2 from their own random stream, so every value drawn
    /// above (and so the anatomy of a seed where none of these features occurs) is what schema 1 drew.
    mutating func drawTruthV2Features(seed: UInt64) {
        var rng = PhantomRandom(seed: seed, stream: 0x5C4E_3A_0002)
        // Foraminal stenosis in a third of spines, at one or a few foramina, commoner at degenerated caudal lumbar
        // levels (disc collapse, bulge and facet arthropathy go together with foraminal stenosis).
        if rng.chance(0.35) {
            let levels = discs.map(\.level)
            let lumbar = discs.indices.filter { levels[$0].upper.region == .lumbar }
            var any = false
            for n in lumbar {
                let d = discs[n]
                let caudal = Double(n + 1) / Double(levels.count)
                let degeneration = min(
                    1, d.heightLossFraction + d.bulgeMM / 8 + d.facetNarrowingMM / 10 + d.flavumThickeningMM / 10)
                for side in Side.allCases where rng.chance(0.05 + 0.15 * caudal + 0.35 * degeneration) {
                    discs[n].foraminalNarrowing[side] = rng.uniform(0.25, 1)
                    any = true
                }
            }
            if !any, let n = lumbar.last {
                discs[n].foraminalNarrowing[rng.chance(0.5) ? .left : .right] = rng.uniform(0.25, 1)
            }
        }
        // Modic changes (schema 3) beside a third of the lumbar discs that lost over 20 % of their height, type 2
        // commoner than type 1 (Modic 1988; Jensen TS et al., Eur Spine J 2008;17(11):1407–1422). Own stream.
        rng = PhantomRandom(seed: seed, stream: 0x5C4E_3A_0004)
        for n in discs.indices where discs[n].level.upper.region == .lumbar && discs[n].heightLossFraction > 0.2 {
            guard rng.chance(0.35) else { continue }
            let type = rng.chance(0.35) ? 1 : 2
            let e = rng.unit()
            var endplates: ModicChange.Endplates = e < 0.5 ? .both : e < 0.75 ? .upper : .lower
            if discs[n].level.lower == .s1 { endplates = .upper }
            discs[n].modic = ModicChange(type: type, endplates: endplates, depthMM: rng.uniform(3, 10))
        }
        drawHerniations(seed: seed)
        // Scoliosis in 15 % of spines: one curve (T10–L5), or two adjacent curves of opposite convexity. Its own
        // stream, so the foramina's draws do not decide it.
        rng = PhantomRandom(seed: seed, stream: 0x5C4E_3A_0003)
        scoliosis = []
        if rng.chance(0.15) {
            let mobile = Array(Self.vertebrae(for: anomaly).dropLast())
            let side: Side = rng.chance(0.5) ? .left : .right
            if rng.chance(0.7) {
                let span = rng.int(in: 3...min(5, mobile.count - 1))
                let start = rng.int(in: 0...(mobile.count - 1 - span))
                scoliosis.append(
                    ScoliosisCurve(
                        upper: mobile[start], lower: mobile[start + span], cobbDeg: rng.uniform(10, 40),
                        convexSide: side))
            } else {
                let middle = mobile.count / 2 + rng.int(in: -1...0)
                let other: Side = side == .left ? .right : .left
                scoliosis.append(
                    ScoliosisCurve(
                        upper: mobile[0], lower: mobile[middle], cobbDeg: rng.uniform(10, 30), convexSide: side))
                scoliosis.append(
                    ScoliosisCurve(
                        upper: mobile[middle], lower: mobile[mobile.count - 1], cobbDeg: rng.uniform(10, 30),
                        convexSide: other))
            }
        }
    }

    /// Draws disc herniations (truth schema 4) from their own random stream, so every other value a seed draws is
    /// unchanged. Herniations are commonest at L4-L5 and L5-S1 and on degenerated discs (Fardon 2014; Jensen MC et
    /// al., N Engl J Med 1994;331(2):69–73: protrusions in about a quarter of asymptomatic adults, extrusions rare):
    /// per lumbar level a chance of 4 % (14 % at the two lowest levels) plus 40 % of the height lost plus 5 % with a
    /// bulge; 75 % protrusions (2–6 mm), 25 % extrusions (4–8 mm, half of them migrating 1–4 mm); zones central
    /// 30 %, paracentral 50 %, foraminal 20 %.
    mutating func drawHerniations(seed: UInt64) {
        var rng = PhantomRandom(seed: seed, stream: 0x5C4E_3A_0005)
        let lumbar = discs.indices.filter { discs[$0].level.upper.region == .lumbar }
        for (rank, n) in lumbar.enumerated() {
            let d = discs[n]
            let low = rank >= lumbar.count - 2
            let p = (low ? 0.14 : 0.04) + 0.4 * d.heightLossFraction + (d.bulgeMM > 0 ? 0.05 : 0)
            // Every level draws the same count of numbers, so one level's outcome never shifts another's.
            let hit = rng.unit() < p
            let extrusion = rng.unit() < 0.25
            let z = rng.unit()
            let side: Side = rng.unit() < 0.5 ? .left : .right
            let size = rng.unit()
            let migrates = rng.unit() < 0.5
            let migration = rng.uniform(1, 4) * (rng.unit() < 0.5 ? 1 : -1)
            guard hit else { continue }
            let zone: Herniation.Zone = z < 0.3 ? .central : z < 0.8 ? .paracentral : .foraminal
            discs[n].herniation = Herniation(
                type: extrusion ? .extrusion : .protrusion, zone: zone, side: zone == .central ? nil : side,
                sizeMM: extrusion ? 4 + 4 * size : 2 + 4 * size, migrationMM: extrusion && migrates ? migration : 0)
        }
    }

    /// Checks every parameter; throws the first impossible or contradictory one.
    public func validate() throws {
        if let n = lumbarCount, n != anomaly.lumbarCount {
            throw PhantomError(
                .contradiction, parameter: "lumbarCount",
                "\(n) lumbar vertebrae contradicts the anomaly '\(anomaly.rawValue)', which has \(anomaly.lumbarCount)")
        }
        if let n = thoracicCount, n != anomaly.thoracicCount {
            throw PhantomError(
                .contradiction, parameter: "thoracicCount",
                "\(n) thoracic vertebrae contradicts the anomaly '\(anomaly.rawValue)', which has \(anomaly.thoracicCount)"
            )
        }
        try PhantomError.check("bodyScale", bodyScale, 0.7, 1.3)
        try PhantomError.check("lordosisDeg", lordosisDeg, 0, 80, unit: "°")
        try PhantomError.check("sacralSlopeDeg", sacralSlopeDeg, 5, 70, unit: "°")
        let vertebrae = Self.vertebrae(for: anomaly)
        let levels = Self.discLevels(for: anomaly)
        for d in discs {
            guard levels.contains(d.level) else {
                throw PhantomError(.noSuchLevel, parameter: "discs", "\(d.level) is not a disc level of this spine")
            }
            let p = "discs[\(d.level)]"
            try PhantomError.check(p + ".heightLossFraction", d.heightLossFraction, 0, 0.9)
            try PhantomError.check(p + ".t2Darkening", d.t2Darkening, 0, 1)
            try PhantomError.check(p + ".bulgeMM", d.bulgeMM, 0, 8, unit: " mm")
            try PhantomError.check(p + ".flavumThickeningMM", d.flavumThickeningMM, 0, 5, unit: " mm")
            try PhantomError.check(p + ".facetNarrowingMM", d.facetNarrowingMM, 0, 10, unit: " mm")
            for side in Side.allCases {
                try PhantomError.check(p + ".foraminalNarrowing.\(side.rawValue)", d.foraminalNarrowing[side], 0, 1)
            }
            if let m = d.modic {
                guard m.type == 1 || m.type == 2 else {
                    throw PhantomError(.outOfRange, parameter: p + ".modic.type", "Modic type \(m.type); expected 1 or 2")
                }
                try PhantomError.check(p + ".modic.depthMM", m.depthMM, 2, 15, unit: " mm")
                if m.endplates != .upper, d.level.lower == .s1 {
                    throw PhantomError(
                        .noSuchLevel, parameter: p + ".modic.endplates",
                        "the sacrum's endplate carries no Modic change in the model; use 'upper' at \(d.level)")
                }
            }
            if let h = d.herniation {
                guard d.level.upper.region == .lumbar else {
                    throw PhantomError(
                        .noSuchLevel, parameter: p + ".herniation",
                        "disc herniations are modelled at lumbar levels only, not at \(d.level)")
                }
                try PhantomError.check(p + ".herniation.sizeMM", h.sizeMM, 1, 10, unit: " mm")
                try PhantomError.check(p + ".herniation.migrationMM", h.migrationMM, -6, 6, unit: " mm")
                if (h.zone == .central) != (h.side == nil) {
                    throw PhantomError(
                        .contradiction, parameter: p + ".herniation.side",
                        "a central herniation has no side; a paracentral or foraminal one needs one")
                }
                if h.type == .protrusion, h.migrationMM != 0 {
                    throw PhantomError(
                        .contradiction, parameter: p + ".herniation.migrationMM",
                        "only an extrusion migrates (Fardon 2014); set migrationMM to 0 or type to extrusion")
                }
            }
            if d.foraminalNarrowing.left + d.foraminalNarrowing.right > 0, d.level.upper.region != .lumbar {
                throw PhantomError(
                    .noSuchLevel, parameter: p + ".foraminalNarrowing",
                    "foraminal narrowing is modelled at lumbar levels only, not at \(d.level)")
            }
        }
        for f in fractures {
            guard vertebrae.contains(f.vertebra), f.vertebra != .s1 else {
                throw PhantomError(
                    .noSuchLevel, parameter: "fractures", "\(f.vertebra) is not a vertebra of this spine")
            }
            try PhantomError.check("fractures[\(f.vertebra)].heightLossFraction", f.heightLossFraction, 0, 0.7)
        }
        if let s = slip {
            guard levels.contains(s.level) else {
                throw PhantomError(
                    .noSuchLevel, parameter: "slip.level", "\(s.level) is not a disc level of this spine")
            }
            try PhantomError.check("slip.fraction", s.fraction, 0, 0.75)
        }
        let mobile = Array(vertebrae.dropLast())
        var previousLower: Int? = nil
        for (n, c) in scoliosis.enumerated() {
            let p = "scoliosis[\(n)]"
            guard let u = mobile.firstIndex(of: c.upper), let l = mobile.firstIndex(of: c.lower) else {
                throw PhantomError(
                    .noSuchLevel, parameter: p,
                    "\(c.upper)–\(c.lower) is not a curve of this spine: "
                        + "end vertebrae must be among \(mobile.first!)–\(mobile.last!)")
            }
            guard l - u >= 2 else {
                throw PhantomError(
                    .outOfRange, parameter: p,
                    "a curve needs its upper end vertebra at least two levels above its lower one")
            }
            if let pl = previousLower, u < pl {
                throw PhantomError(
                    .contradiction, parameter: p,
                    "curves overlap: list them craniocaudally, sharing at most an end vertebra")
            }
            previousLower = l
            try PhantomError.check(p + ".cobbDeg", c.cobbDeg, 5, 50, unit: "°")
        }
        try PhantomError.check("habitus.trunkDepthMM", habitus.trunkDepthMM, 140, 400, unit: " mm")
        try PhantomError.check("habitus.trunkWidthMM", habitus.trunkWidthMM, 200, 500, unit: " mm")
        try PhantomError.check("habitus.subcutaneousFatMM", habitus.subcutaneousFatMM, 1, 80, unit: " mm")
        try PhantomError.check("habitus.backMuscleDepthMM", habitus.backMuscleDepthMM, 20, 90, unit: " mm")
        guard pose.translationMM.count == 3, pose.rotationDeg.count == 3 else {
            throw PhantomError(.outOfRange, parameter: "pose", "translation and rotation need three components each")
        }
        for r in pose.rotationDeg { try PhantomError.check("pose.rotationDeg", r, -30, 30, unit: "°") }
        for t in pose.translationMM { try PhantomError.check("pose.translationMM", t, -500, 500, unit: " mm") }
    }

    /// The variation at a level (a healthy default when none was drawn).
    public func disc(_ level: DiscLevel) -> DiscVariation {
        discs.first { $0.level == level } ?? DiscVariation(level: level)
    }
}
