/// Findings that only the radiographs draw, on top of the model's anatomy: osteophytes at degenerated
/// levels and posterior instrumentation (pedicle screws and rods) across a slipped level.
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

    public var osteophytes: [Osteophyte]
    public var fixation: Fixation?

    public init(osteophytes: [Osteophyte] = [], fixation: Fixation? = nil) {
        self.osteophytes = osteophytes
        self.fixation = fixation
    }

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
        if let f = fixation, !model.discLevels.contains(f.level) {
            throw PhantomError(
                .noSuchLevel, parameter: "findings.fixation.level", "\(f.level) is not a disc level of this spine")
        }
    }
}
