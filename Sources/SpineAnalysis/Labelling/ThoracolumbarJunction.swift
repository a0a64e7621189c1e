/// Where the kyphotic thoracic spine meets the lordotic lumbar spine, read from the wedge of each disc.
///
/// Thoracic discs are kyphotic (thinner in front), lumbar discs lordotic from L1-L2 down (Bernhardt M, Bridwell KH,
/// Spine 1989;14(7):717–721: the lumbar lordosis starts at L1-L2, the thoracolumbar junction T12-L1 is straight to
/// slightly kyphotic). The lumbar-type bodies above the sacrum are those caudal to the junction, so their count tells
/// six lumbar vertebrae (an L6) from five without a count from C2. It cannot tell T13 from T12: both are
/// thoracic-type, and only the ribs or a count from C2 separate them.
///
/// A SpineKit convention checked on phantoms (see README, `spine evaluate --task phantom --labels truth`), not a
/// validated radiological sign: a flat or lordotic T12-L1 in a real spine would read as one more lumbar body.
public enum ThoracolumbarJunction {
    /// The number of lumbar-type bodies above the sacrum, or nil when the image does not show the junction clearly.
    ///
    /// Each disc votes kyphotic (angle below −`neutralBandDeg`), lordotic (above +`neutralBandDeg`) or not at all
    /// (within the band, or not measured). The junction is the disc that splits the column into a kyphotic part above
    /// (it included) and a lordotic part below with the most votes agreeing; one degenerate, flattened or kyphotic
    /// lumbar disc costs its split a vote but does not move it. Splits within `minimumMargin` votes of the best are
    /// told apart by the signs of all discs (the neutral band's included), else undecided.
    ///
    /// - Parameters:
    ///   - discAnglesDeg: for bodies ordered cranial → caudal with the sacrum below the last, the angle between each
    ///     body's caudal endplate and the next body's cranial endplate [degrees], positive lordotic (anterior wider,
    ///     `Alignment.cobbAngleDeg`); nil where an endplate was not measured. One entry fewer than the bodies.
    ///   - neutralBandDeg: discs flatter than this vote for neither side.
    ///   - minimumMargin: votes by which the best split must beat every other.
    /// - Returns: the bodies caudal to the junction; nil without a kyphotic disc above it and a lordotic one below,
    ///   or when another split is within `minimumMargin` votes and the discs' signs do not tell them apart.
    public static func lumbarTypeCount(
        discAnglesDeg: [Double?], neutralBandDeg: Double = 0.3, minimumMargin: Int = 2
    ) -> Int? {
        let votes = discAnglesDeg.map { a -> Int in
            guard let a else { return 0 }
            return a > neutralBandDeg ? 1 : a < -neutralBandDeg ? -1 : 0
        }
        guard !votes.isEmpty else { return nil }
        // Agreement of the split at disc j: kyphotic votes at or above j, lordotic votes below.
        let agreement = votes.indices.map { j in
            votes[...j].reduce(0) { $0 - $1 } + votes[(j + 1)...].reduce(0, +)
        }
        guard let best = agreement.indices.max(by: { agreement[$0] < agreement[$1] }) else { return nil }
        func split(_ j: Int) -> Int? {
            votes[...j].contains(-1) && votes[(j + 1)...].contains(1) ? discAnglesDeg.count - j : nil
        }
        if agreement.indices.allSatisfy({ $0 == best || agreement[$0] <= agreement[best] - minimumMargin }) {
            return split(best)
        }
        // Splits within the margin of the best differ by discs in the neutral band (a flat junction: T12-L1 is
        // straight to slightly kyphotic, L1-L2 the first lordotic disc): those discs decide by their sign alone.
        // Found on whole-spine phantoms, where an L6 with a flat (+0.06 to +0.26°) L1-L2 under a kyphotic T12-L1
        // left the count undecided on 5 of 40 (session 7); still nil when the signs tie too.
        let signs = discAnglesDeg.map { a in a.map { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 } ?? 0 }
        let contenders = agreement.indices.filter { agreement[$0] > agreement[best] - minimumMargin }
        let bySign = contenders.map { j in signs[...j].reduce(0) { $0 - $1 } + signs[(j + 1)...].reduce(0, +) }
        guard let top = bySign.max(), bySign.filter({ $0 == top }).count == 1 else { return nil }
        return split(contenders[bySign.firstIndex(of: top)!])
    }
}
