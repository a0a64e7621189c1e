/// Findings that only the radiographs draw, on top of the model's anatomy: osteophytes at degenerated
/// levels, posterior instrumentation (pedicle screws and rods) across a slipped level and focal sclerotic or lytic
/// bone lesions.
///
/// They live in the attenuation rendering only: `SpineModel` (and so the MRI series of the same seed)
/// has no spurs and no metal. `xray-truth.json` lists them under `findings`.
public struct RadiographFindings: Sendable, Hashable, Codable {
    /// A bony spur on the rim of one vertebral endplate: a beak at the anterior rim, curving toward the disc,
    /// tapering into a lip along the lateral rim (it shows anteriorly on lateral views and at the sides on AP views).
    public struct Osteophyte: Sendable, Hashable, Codable {
        public var vertebra: Vertebra
        /// On the superior endplate (else the inferior one).
        public var superior: Bool
        /// How far the spur reaches beyond the anterior rim [mm].
        public var lengthMM: Double

        public init(vertebra: Vertebra, superior: Bool, lengthMM: Double) {
            self.vertebra = vertebra
            self.superior = superior
            self.lengthMM = lengthMM
        }
    }

    /// Posterior fixation of one level: a 6.5 mm titanium pedicle screw through each pedicle of the vertebra above
    /// and below the disc (S1 included), joined by a 5.5 mm rod on each side.
    public struct Fixation: Sendable, Hashable, Codable {
        public var level: DiscLevel
        public init(level: DiscLevel) { self.level = level }
    }

    /// A focal bone lesion inside a vertebral body: a sphere of dense bone (a sclerotic lesion: bone island or
    /// osteoblastic metastasis) or of soft tissue replacing the marrow (a lytic one: osteolytic metastasis, myeloma,
    /// haemangioma). VinDr-SpineXR's "Other lesions".
    public struct BoneLesion: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            /// Attenuates as cortical bone.
            case sclerotic
            /// Attenuates as water-like soft tissue (CSF's coefficient).
            case lytic
        }

        public var vertebra: Vertebra
        public var kind: Kind
        public var radiusMM: Double
        /// Centre offset from the body's centre [mm] along its own axes (through its sagittal and coronal pose):
        /// anterior, superior and to the patient's left.
        public var anteriorMM: Double
        public var superiorMM: Double
        public var leftMM: Double

        public init(
            vertebra: Vertebra, kind: Kind, radiusMM: Double, anteriorMM: Double = 0, superiorMM: Double = 0,
            leftMM: Double = 0
        ) {
            self.vertebra = vertebra
            self.kind = kind
            self.radiusMM = radiusMM
            self.anteriorMM = anteriorMM
            self.superiorMM = superiorMM
            self.leftMM = leftMM
        }
    }

    public var osteophytes: [Osteophyte]
    public var fixation: Fixation?
    /// Focal sclerotic and lytic lesions (schema 3).
    public var boneLesions: [BoneLesion]

    public init(osteophytes: [Osteophyte] = [], fixation: Fixation? = nil, boneLesions: [BoneLesion] = []) {
        self.osteophytes = osteophytes
        self.fixation = fixation
        self.boneLesions = boneLesions
    }

    enum CodingKeys: String, CodingKey { case osteophytes, fixation, boneLesions }

    /// Reads schema 2 files too (no `boneLesions`: none).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        osteophytes = try c.decode([Osteophyte].self, forKey: .osteophytes)
        fixation = try c.decodeIfPresent(Fixation.self, forKey: .fixation)
        boneLesions = try c.decodeIfPresent([BoneLesion].self, forKey: .boneLesions) ?? []
    }

    /// Probability that a phantom's radiographs show a focal bone lesion.
    public static let boneLesionProbability = 0.06

    /// Disc height loss from which the endplates next to a disc may carry osteophytes.
    public static let degeneratedHeightLoss = 0.2

    /// Draws the findings of a phantom from its seed (a stream of its own, so the anatomy's draws are unchanged):
    /// each mobile endplate next to a disc that lost at least 20 % of its height carries a 2.5–7 mm spur with
    /// probability 0.6; a slipped level is fused with probability 0.35.
    public init(drawnFor p: PhantomParameters) {
        var rng = PhantomRandom(seed: p.seed, stream: 0x05_7E0F)
        var spurs: [Osteophyte] = []
        for level in PhantomParameters.discLevels(for: p.anomaly)
        where p.disc(level).heightLossFraction >= Self.degeneratedHeightLoss {
            for (vertebra, superior) in [(level.upper, false), (level.lower, true)] where vertebra != .s1 {
                let drawn = rng.chance(0.6)
                let length = rng.uniform(2.5, 7) * p.bodyScale
                if drawn { spurs.append(.init(vertebra: vertebra, superior: superior, lengthMM: length)) }
            }
        }
        osteophytes = spurs
        fixation = nil
        if let s = p.slip, s.fraction > 0, rng.chance(0.35) { fixation = .init(level: s.level) }
        boneLesions = Self.drawnBoneLesions(p)
    }

    /// Draws the findings of a phantom's cervical view (a stream of its own): each endplate next to a cervical disc
    /// that lost at least 20 % of its height (`SpineModel.discHeightLossFraction`, drawn by the model) carries a
    /// 2–4.5 mm spur with probability 0.7 (cervical spondylosis: anterior osteophytes beside narrowed discs, most
    /// often C5–C6 and C6–C7); no fixation and no bone lesion.
    public init(cervicalDrawnFor model: SpineModel) {
        var rng = PhantomRandom(seed: model.parameters.seed, stream: 0x05_7E10)
        var spurs: [Osteophyte] = []
        let names = model.vertebraNames
        for (i, v) in names.enumerated() where v.region == .cervical && i + 1 < names.count {
            let level = DiscLevel(upper: v, lower: names[i + 1])
            guard model.discHeightLossFraction(level) >= Self.degeneratedHeightLoss else { continue }
            for (vertebra, superior) in [(level.upper, false), (level.lower, true)] {
                let drawn = rng.chance(0.7)
                let length = rng.uniform(2, 4.5) * model.parameters.bodyScale
                if drawn { spurs.append(.init(vertebra: vertebra, superior: superior, lengthMM: length)) }
            }
        }
        osteophytes = spurs
        fixation = nil
        boneLesions = []
    }

    /// A focal lesion with probability `boneLesionProbability` (its own stream, so the spurs and fixation above keep
    /// their draws): in an unfractured lumbar body, sclerotic (60 %) or lytic, radius 4–6 mm, its centre within
    /// 3 mm anteroposteriorly, 1.5 mm craniocaudally and 6 mm laterally of the body's centre (all times
    /// `bodyScale`), so that it lies inside the marrow of any lumbar body the generator makes.
    static func drawnBoneLesions(_ p: PhantomParameters) -> [BoneLesion] {
        var rng = PhantomRandom(seed: p.seed, stream: 0x07_4E51)
        guard rng.chance(boneLesionProbability) else { return [] }
        let fractured = Set(p.fractures.filter { $0.genantGrade > 0 }.map(\.vertebra))
        let candidates = PhantomParameters.discLevels(for: p.anomaly).map(\.upper).filter {
            $0.region == .lumbar && !fractured.contains($0)
        }
        let vertebra = rng.pick(candidates.isEmpty ? [Vertebra.l3] : candidates)
        let kind: BoneLesion.Kind = rng.chance(0.6) ? .sclerotic : .lytic
        let s = p.bodyScale
        return [
            BoneLesion(
                vertebra: vertebra, kind: kind, radiusMM: rng.uniform(4, 6) * s, anteriorMM: rng.uniform(-3, 3) * s,
                superiorMM: rng.uniform(-1.5, 1.5) * s, leftMM: rng.uniform(-6, 6) * s)
        ]
    }

    /// Throws for a spur or fixation at a level this spine does not have, or a spur length outside 1–15 mm.
    func validate(for model: SpineModel) throws {
        for o in osteophytes {
            guard model.vertebraNames.contains(o.vertebra) else {
                throw PhantomError(
                    .noSuchLevel, parameter: "findings.osteophytes",
                    "\(o.vertebra) is not a mobile vertebra of this spine")
            }
            try PhantomError.check("findings.osteophytes[\(o.vertebra)].lengthMM", o.lengthMM, 1, 15, unit: " mm")
        }
        for (n, l) in boneLesions.enumerated() {
            let name = "findings.boneLesions[\(n)]"
            guard let v = model.vertebrae.first(where: { $0.vertebra == l.vertebra }) else {
                throw PhantomError(.noSuchLevel, parameter: name, "\(l.vertebra) is not a mobile vertebra of this spine")
            }
            try PhantomError.check(name + ".radiusMM", l.radiusMM, 1, 15, unit: " mm")
            // Inside the marrow: clear of the endplates (their concavity and wedge) and the walls by 1 mm or more.
            let halfHeight =
                v.height / 2 - (abs(l.anteriorMM) + l.radiusMM) * abs(v.tanHalfWedge)
                - max(v.concavityTop, v.concavityBottom) - 1
            guard abs(l.anteriorMM) + l.radiusMM <= 0.85 * v.ra - 1, abs(l.leftMM) + l.radiusMM <= 0.85 * v.rx - 1,
                abs(l.superiorMM) + l.radiusMM <= halfHeight
            else {
                throw PhantomError(
                    .outOfRange, parameter: name,
                    "a \(PhantomError.fmt(l.radiusMM)) mm lesion at that offset does not fit inside \(l.vertebra)'s body")
            }
        }
        if let f = fixation, !model.discLevels.contains(f.level) {
            throw PhantomError(
                .noSuchLevel, parameter: "findings.fixation.level", "\(f.level) is not a disc level of this spine")
        }
    }
}
