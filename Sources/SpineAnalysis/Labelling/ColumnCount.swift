/// The enumeration of a whole-spine view: the vertebral bodies counted down from C2 (the axis) to the sacrum, split into
/// cervical, thoracic and lumbar ones.
///
/// This is how a radiologist settles an enumeration anomaly: count down from C2 on a whole-spine localizer (Carrino et
/// al., "Effect of spinal segment variants on numbering vertebral levels at lumbar MR imaging", Radiology 2011;259(1):
/// 196–202; numbering from the lumbar MRI alone was wrong in 14.1 % of 1,049 patients in Tokgoz et al., Korean J
/// Radiol 2014;15(2):258–266). A lumbar field of view alone cannot tell a thirteenth thoracic vertebra from the twelfth. Seven cervical vertebrae are taken as fixed (C1
/// has no body, so C2…C7 are six bodies; a different cervical count is exceedingly rare). The thoracic bodies are the
/// rib-bearing ones when the ribs are seen; otherwise the lumbar-type bodies (``ThoracolumbarJunction``) are lumbar and
/// the rest thoracic; with neither cue, five lumbar bodies are assumed and only a plain count beyond the usual is
/// reported.
public struct ColumnCount: Sendable, Hashable {
    /// Cervical bodies from C2: always 6 (C2…C7).
    public static let cervicalBodies = 6
    /// The usual presacral bodies from C2: six cervical, twelve thoracic, five lumbar.
    public static let usualPresacralBodies = 23

    public var thoracic: Int
    public var lumbar: Int
    /// What split thoracic from lumbar: "ribs", "disc wedges" or "assumed five lumbar".
    public var cue: String
    /// Whether two cues (ribs and disc wedges) were read and gave the same split.
    public var cuesAgree: Bool?

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
        let fromRibs = lowestRibBearing.map { $0 - Self.cervicalBodies + 1 }
        let fromWedges = lumbarTypeCount.map { thoracicAndLumbar - $0 }
        if let t = fromRibs {
            thoracic = t
            cue = "ribs"
        } else if let t = fromWedges {
            thoracic = t
            cue = "disc wedges"
        } else {
            thoracic = thoracicAndLumbar - 5
            cue = "assumed five lumbar"
        }
        lumbar = thoracicAndLumbar - thoracic
        cuesAgree = fromRibs.flatMap { r in fromWedges.map { $0 == r } }
        guard (11...13).contains(thoracic), (4...6).contains(lumbar) else { return nil }
    }

    /// The names of the counted bodies, cranial to caudal: C2…C7, T1…T11/T12/T13, L1…L4/L5/L6.
    public var names: [Vertebra] {
        let thoracicNames: [Vertebra] = [.t1, .t2, .t3, .t4, .t5, .t6, .t7, .t8, .t9, .t10, .t11, .t12, .t13]
        let lumbarNames: [Vertebra] = [.l1, .l2, .l3, .l4, .l5, .l6]
        return [.c2, .c3, .c4, .c5, .c6, .c7] + thoracicNames.prefix(thoracic) + lumbarNames.prefix(lumbar)
    }

    /// Whether a body outline looks like the axis: C2's body with the dens on it stands about twice as tall as it is
    /// deep (≈ 35–40 mm over ≈ 15 mm), where every other vertebral body is at most about as tall as it is deep. A
    /// SpineKit convention for label maps that give C2 body and dens one label, not a validated sign.
    public static func looksLikeAxis(middleHeightMM: Double, depthMM: Double, minimumRatio: Double = 1.6) -> Bool {
        depthMM > 0 && middleHeightMM >= minimumRatio * depthMM
    }
}
