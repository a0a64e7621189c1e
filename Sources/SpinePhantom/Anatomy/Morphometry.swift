/// Reference dimensions of one vertebra [mm], adult means before the phantom's body-size scale.
public struct VertebralDimensions: Sendable, Hashable, Codable {
    /// Vertebral body height at the middle of the endplates (not counting endplate concavity) [mm].
    public var bodyHeightMM: Double
    /// Anteroposterior depth of the endplate [mm].
    public var bodyDepthMM: Double
    /// Transverse width of the endplate [mm].
    public var bodyWidthMM: Double
    /// Spinal canal anteroposterior depth [mm] and transverse (interpedicular) width [mm].
    public var canalDepthMM: Double
    public var canalWidthMM: Double
    /// Pedicle transverse width and height [mm].
    public var pedicleWidthMM: Double
    public var pedicleHeightMM: Double
    /// Transverse process tip-to-tip span [mm] and spinous process length (from the lamina) [mm].
    public var transverseSpanMM: Double
    public var spinousLengthMM: Double
    /// Depth of the central endplate concavity [mm].
    public var endplateConcavityMM: Double
}

/// Published morphometry of the thoracolumbar spine, per level.
///
/// Vertebral bodies, canal and pedicles: rounded means of Panjabi MM et al., "Human lumbar
/// vertebrae: quantitative three-dimensional anatomy", Spine 1992;17(3):299–306, and, for T10–T12,
/// Panjabi MM et al., "Thoracic human vertebrae: quantitative three-dimensional anatomy",
/// Spine 1991;16(8):888–901. Endplate concavity depth (≈1–2 mm, deepest centrally):
/// Zhou SH et al., "Geometrical dimensions of the lower lumbar vertebrae — analysis of data from
/// digitised CT images", Eur Spine J 2000;9(3):242–248. Disc heights: Amonoo-Kuofi HS,
/// "Morphometric changes in the heights and anteroposterior diameters of the lumbar intervertebral
/// discs with age", J Anat 1991;175:159–168 (mid-disc ≈ 8–12 mm, increasing caudally).
/// Dural sac cross-sectional area ≈ 150–200 mm² in asymptomatic adults, < 100 mm² relative and
/// < 75 mm² absolute stenosis: Schönström N et al., Spine 1985;10(9):806–811.
public enum Morphometry {
    /// Dimensions of a vertebra (T13 is given T12's, L6 L5's); C2–S1 (C2–T9: `upperVertebra`).
    public static func vertebra(_ v: Vertebra) -> VertebralDimensions {
        if v < .t10, v != .c1 { return upperVertebra(v) }
        return switch v {
        case .t10: d(22.5, 29.5, 36.0, 15.5, 18.0, 7.5, 15.5, 70, 32, 1.2)
        case .t11: d(23.5, 31.0, 38.5, 16.5, 19.5, 8.5, 16.5, 62, 32, 1.3)
        case .t12, .t13: d(24.5, 32.5, 41.0, 17.5, 21.5, 8.5, 15.5, 60, 31, 1.4)
        case .l1: d(25.0, 33.5, 42.5, 18.0, 22.0, 8.7, 15.3, 72, 30, 1.5)
        case .l2: d(26.0, 34.5, 44.0, 17.5, 22.5, 8.9, 15.0, 80, 30, 1.6)
        case .l3: d(26.5, 35.5, 46.5, 17.0, 23.5, 10.3, 14.5, 90, 29, 1.7)
        case .l4: d(26.5, 35.5, 48.0, 17.5, 24.0, 12.9, 14.0, 85, 27, 1.8)
        case .l5, .l6: d(26.0, 35.0, 50.0, 18.5, 26.5, 17.0, 14.0, 95, 24, 1.8)
        case .s1: d(28.0, 36.0, 50.0, 16.0, 28.0, 0, 0, 110, 0, 1.2)
        default: preconditionFailure("the phantom models C2–S1 as vertebral bodies, not \(v)")
        }
    }

    /// Mid-disc height [mm] of the disc below a vertebra (Amonoo-Kuofi 1991; thoracic ≈ 5–7 mm; C2–T9:
    /// `upperDiscHeightBelow`).
    public static func discHeightBelow(_ v: Vertebra) -> Double {
        if v < .t10, v != .c1 { return upperDiscHeightBelow(v) }
        return switch v {
        case .t10: 5.5
        case .t11: 6.0
        case .t12, .t13: 7.0
        case .l1: 8.5
        case .l2: 9.5
        case .l3: 10.5
        case .l4: 11.5
        case .l5, .l6: 11.0
        case .s1: 0
        default: preconditionFailure("the phantom models discs below C2–S1, not \(v)")
        }
    }

    /// Share of the lordosis carried by the disc below each lumbar level and by each lumbar body
    /// (mostly discs, about two thirds at L4–S1: Bernhardt M, Bridwell KH, "Segmental analysis of the
    /// sagittal plane alignment of the normal thoracic and lumbar spines and thoracolumbar junction",
    /// Spine 1989;14(7):717–721).
    static func discLordosisShare(_ v: Vertebra) -> Double {
        switch v {
        case .l1: 0.06
        case .l2: 0.09
        case .l3: 0.12
        case .l4: 0.18
        case .l5, .l6: 0.25
        default: 0
        }
    }

    static func bodyLordosisShare(_ v: Vertebra) -> Double {
        switch v {
        case .l1: -0.02
        case .l2: 0.02
        case .l3: 0.06
        case .l4: 0.09
        case .l5, .l6: 0.15
        default: 0
        }
    }

    /// Normal dural sac dimensions [mm]: anteroposterior and transverse diameters (area π·ab/4 ≈ 150–220 mm²).
    static let sacDepthMM = 13.5
    static let sacWidthMM = 16.5

    static func d(
        _ h: Double, _ depth: Double, _ width: Double, _ cd: Double, _ cw: Double, _ pw: Double, _ ph: Double,
        _ tp: Double, _ sp: Double, _ conc: Double
    ) -> VertebralDimensions {
        VertebralDimensions(
            bodyHeightMM: h, bodyDepthMM: depth, bodyWidthMM: width, canalDepthMM: cd, canalWidthMM: cw,
            pedicleWidthMM: pw, pedicleHeightMM: ph, transverseSpanMM: tp, spinousLengthMM: sp,
            endplateConcavityMM: conc)
    }
}
