/// The enumeration of a whole-spine view: the vertebral bodies counted down from C2 (the axis) to the sacrum, split into
/// cervical, thoracic and lumbar ones.
///
/// This is how a radiologist settles an enumeration anomaly: count down from C2 on a whole-spine localizer (Carrino et
/// al., "Effect of spinal segment variants on numbering vertebral levels at lumbar MR imaging", Radiology 2011;259(1):
/// 196–202; numbering from the lumbar MRI alone was wrong in 14.1 % of 1,049 patients in Tokgoz et al., Korean J
/// Radiol 2014;15(2):258–266). A lumbar field of view alone cannot tell a thirteenth thoracic vertebra from the
/// twelfth. Seven cervical vertebrae are taken as fixed (C1 has no body, so C2…C7 are six bodies; a different
/// cervical count is exceedingly rare). The lumbar-type bodies
/// (``ThoracolumbarJunction``, from the disc wedges) are lumbar and the rest thoracic; the ribs confirm that split, or
/// move it down when a rib is seen on a body the wedges call lumbar (a rib is positive evidence; a missing one is not:
/// ribs merged with their arches on thick slices go unseen). Without wedges, or with wedges that split the count into
/// no human column, the ribs split it; with neither
/// cue five lumbar bodies are assumed and a count other than the usual is reported as unusual. The usual 23 bodies from
/// C2 are read as the usual column whatever the cues say (two anomalies at once would be needed otherwise).
public struct ColumnCount: Sendable, Hashable {
    /// Cervical bodies from C2: always 6 (C2…C7).
    public static let cervicalBodies = 6
    /// The usual presacral bodies from C2: six cervical, twelve thoracic, five lumbar.
    public static let usualPresacralBodies = 23
    /// The fewest presacral bodies from C2 a human column has: six cervical, eleven thoracic, four lumbar.
    public static let fewestPresacralBodies = 21

    /// What split thoracic from lumbar; the raw value is the phrase findings quote.
    public enum Split: String, Sendable, Hashable {
        case usualCount = "the usual count"
        case discWedges = "disc wedges"
        case ribs
        case assumedFiveLumbar = "assumed five lumbar"
    }

    public let thoracic: Int
    public let lumbar: Int
    public let cue: Split
    /// true when the ribs confirm the wedges' split, false when a rib on a lumbar-type body moved it, nil otherwise.
    public let cuesAgree: Bool?

    /// Bodies from C2 to the one above the sacrum.
    public var presacralBodies: Int { Self.cervicalBodies + thoracic + lumbar }

    /// Splits `presacralBodies` bodies counted from C2.
    ///
    /// - Parameters:
    ///   - lowestRibBearing: 0-based position of the lowest rib-bearing body counted from C2 (C2 = 0), when seen.
    ///   - lumbarTypeCount: lumbar-type bodies above the sacrum from the disc wedges, when read.
    /// - Returns: nil when the count is not that of a human column (thoracic outside 11…13 or lumbar outside 4…6).
    public init?(presacralBodies n: Int, lowestRibBearing: Int?, lumbarTypeCount: Int?) {
        let thoracicAndLumbar = n - Self.cervicalBodies
        // The lowest rib seen marks at least the last thoracic vertebra: lower ribs merged with their arches on thick
        // slices go unseen, so a rib count short of the wedges' is incomplete, not a contradiction.
        let fromRibs = lowestRibBearing.map { $0 - Self.cervicalBodies + 1 }.flatMap {
            (11...13).contains($0) ? $0 : nil
        }
        let fromWedges = lumbarTypeCount.map { thoracicAndLumbar - $0 }
        switch (fromWedges, fromRibs) {
        case _ where n == Self.usualPresacralBodies:
            // The usual count is taken as the usual column: a shifted junction would need two anomalies at once
            // (T13 with four lumbar, or T11 with six), and the wedges misread more often than that.
            thoracic = 12
            cue = .usualCount
            cuesAgree = nil
        case (let w?, let r?) where r > w:
            thoracic = r  // a rib on a body the wedges call lumbar: the rib is positive evidence
            cue = .ribs
            cuesAgree = false
        case (let w?, let r?) where Self.splits(thoracicAndLumbar, thoracic: w):
            thoracic = w
            cue = .discWedges
            cuesAgree = r == w ? true : nil
        case (let w?, nil):
            thoracic = w
            cue = .discWedges
            cuesAgree = nil
        case (_, let r?):
            // No wedge split, or one no human column has (a junction misread far from T12-L1): the ribs split.
            thoracic = r
            cue = .ribs
            cuesAgree = nil
        case (nil, nil):
            thoracic = thoracicAndLumbar - 5
            cue = .assumedFiveLumbar
            cuesAgree = nil
        }
        lumbar = thoracicAndLumbar - thoracic
        guard Self.splits(thoracicAndLumbar, thoracic: thoracic) else { return nil }
    }

    /// Whether `thoracic` of `thoracicAndLumbar` bodies leaves a human column: 11–13 thoracic, 4–6 lumbar.
    static func splits(_ thoracicAndLumbar: Int, thoracic: Int) -> Bool {
        (11...13).contains(thoracic) && (4...6).contains(thoracicAndLumbar - thoracic)
    }

    /// The names of the counted bodies, cranial to caudal: C2…C7, T1…T11/T12/T13, L1…L4/L5/L6.
    public var names: [Vertebra] {
        [.c2, .c3, .c4, .c5, .c6, .c7] + Vertebra.allCases.filter { $0.region == .thoracic }.prefix(thoracic)
            + Vertebra.allCases.filter { $0.region == .lumbar }.prefix(lumbar)
    }

    /// Whether the most cranial body looks like the axis: C2's body with the dens on it spans about 35–40 mm along the
    /// spine, more than twice a lower cervical body (≈ 14 mm), where the bodies of a column otherwise grow steadily
    /// from one level to the next. A SpineKit convention for label maps that give C2 body and dens one label (as the
    /// phantom and VerSe-style maps do), checked on phantoms, not a validated sign.
    ///
    /// - Parameters:
    ///   - extentMM: the top body's extent along the spine (2nd to 98th percentile of its voxels) [mm].
    ///   - nextExtentsMM: the same for the next bodies down (two or three).
    public static func looksLikeAxis(extentMM: Double, nextExtentsMM: [Double], minimumRatio: Double = 1.8) -> Bool {
        guard !nextExtentsMM.isEmpty else { return false }
        let sorted = nextExtentsMM.sorted()
        return extentMM >= minimumRatio * sorted[sorted.count / 2]
    }
}
