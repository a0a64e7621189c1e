/// Published morphometry of the cervical and upper thoracic spine (C2–T9), and of the atlas, the dens and
/// the coccyx, which the phantom builds above T10 and below the sacrum.
///
/// Cervical bodies, canal and pedicles (C2–C7): rounded means of Panjabi MM et al., "Cervical human vertebrae:
/// quantitative three-dimensional anatomy of the middle and lower regions", Spine 1991;16(8):861–869 (endplate
/// width ≈ 15–22 mm and depth ≈ 15–17 mm, growing caudally; body height ≈ 13–15 mm; canal ≈ 14–15 mm deep
/// and ≈ 23–25 mm wide; pedicles ≈ 5–6.5 mm wide and ≈ 7 mm high). Thoracic T1–T9: Panjabi MM et al.,
/// "Thoracic human vertebrae: quantitative three-dimensional anatomy", Spine 1991;16(8):888–901 (endplate width
/// ≈ 27 → 34 mm and depth ≈ 16 → 28 mm from T1 to T9, body height ≈ 15 → 21 mm; the canal narrowest,
/// ≈ 15 mm wide, at T4–T6; pedicles narrowest, ≈ 5 mm, at T4–T5). Cervical and upper thoracic disc heights
/// (≈ 4–6 mm, thinnest in the upper thoracic spine): Gilad I, Nissan M, "A study of vertebra and disc
/// geometric relations of the human cervical and lumbar spine", Spine 1986;11(2):154–157, and Pooni JS et al.,
/// "Comparison of the structure of human intervertebral discs in the cervical, thoracic and lumbar regions of
/// the spine", Surg Radiol Anat 1986;8(3):175–182. Values are rounded means for the phantom, not a table to
/// quote: the model scales them by the body size and perturbs nothing else.
extension Morphometry {
    /// Dimensions of C2…T9 (the atlas, which has no body, is `AtlasShape`).
    static func upperVertebra(_ v: Vertebra) -> VertebralDimensions {
        switch v {
        // Height, depth, width, canal depth, canal width, pedicle width, pedicle height, transverse span, spinous
        // length, endplate concavity.
        case .c2: d(20.0, 15.5, 17.0, 16.0, 24.5, 5.5, 7.5, 55, 26, 0.6)
        case .c3: d(14.0, 15.5, 16.5, 14.5, 23.5, 5.2, 7.3, 50, 16, 0.7)
        case .c4: d(13.5, 15.5, 17.0, 14.0, 24.0, 5.3, 7.2, 52, 17, 0.7)
        case .c5: d(13.5, 15.8, 17.5, 14.0, 24.5, 5.5, 7.0, 55, 18, 0.8)
        case .c6: d(13.5, 16.5, 19.5, 14.0, 24.5, 5.7, 7.0, 60, 22, 0.8)
        case .c7: d(14.5, 17.0, 22.0, 14.5, 24.0, 6.5, 7.5, 70, 32, 0.8)
        case .t1: d(15.5, 16.5, 27.0, 15.0, 20.5, 8.5, 9.5, 78, 36, 0.9)
        case .t2: d(17.0, 18.0, 26.5, 15.0, 17.5, 7.0, 11.0, 72, 38, 0.9)
        case .t3: d(17.5, 19.5, 26.5, 14.5, 16.0, 5.5, 11.5, 70, 38, 1.0)
        case .t4: d(18.0, 21.0, 27.0, 14.5, 15.5, 5.0, 11.5, 68, 38, 1.0)
        case .t5: d(18.5, 23.0, 28.0, 14.5, 15.5, 5.0, 11.5, 68, 37, 1.0)
        case .t6: d(19.0, 25.0, 29.0, 14.5, 15.5, 5.5, 12.0, 68, 36, 1.1)
        case .t7: d(20.0, 26.5, 30.5, 15.0, 16.0, 6.0, 12.5, 68, 35, 1.1)
        case .t8: d(20.5, 27.5, 32.0, 15.0, 16.5, 6.5, 13.0, 68, 34, 1.1)
        case .t9: d(21.5, 28.5, 34.0, 15.0, 17.0, 7.0, 14.0, 68, 33, 1.2)
        default: preconditionFailure("upperVertebra covers C2–T9, not \(v)")
        }
    }

    /// Mid-disc height [mm] of the disc below C2…T9 (Gilad & Nissan 1986; Pooni et al. 1986).
    static func upperDiscHeightBelow(_ v: Vertebra) -> Double {
        switch v {
        case .c2: 4.5
        case .c3: 5.0
        case .c4, .c5, .c6: 5.5
        case .c7: 5.0
        case .t1: 4.0
        case .t2, .t3, .t4, .t5, .t6: 4.5
        case .t7, .t8: 5.0
        case .t9: 5.5
        default: preconditionFailure("upperDiscHeightBelow covers C2–T9, not \(v)")
        }
    }

    /// The vertebrae above T10 that the model stacks as bodies, craniocaudally (the atlas sits on C2's dens).
    static let upperColumn: [Vertebra] = [
        .c2, .c3, .c4, .c5, .c6, .c7, .t1, .t2, .t3, .t4, .t5, .t6, .t7, .t8, .t9,
    ]

    /// Dens (odontoid process) above C2's body [mm]: height from the body's upper endplate to the tip and
    /// anteroposterior / transverse diameters at its waist (Schaffler MB et al., "Morphology of the dens: a
    /// quantitative study", Spine 1992;17(7):738–743: ≈ 10.5 mm AP, ≈ 9.5 mm transverse).
    static let densHeightMM = 15.0
    static let densDepthMM = 10.5
    static let densWidthMM = 9.5

    /// Atlas (C1) ring [mm]: outer transverse width of the lateral masses' span, the ring's anteroposterior
    /// diameter, the lateral masses' height, the transverse processes' tip-to-tip span (Doherty BJ, Heggeness
    /// MH, "The quantitative anatomy of the atlas", Spine 1994;19(22):2497–2500: ring ≈ 45 mm AP, lateral masses
    /// ≈ 15–20 mm high; transverse processes ≈ 75–80 mm tip to tip).
    static let atlasDepthMM = 45.0
    static let atlasLateralMassHeightMM = 16.0
    static let atlasTransverseSpanMM = 76.0

    /// Coccygeal segments [mm] (height, depth, width), cranially first: three to five small fused segments
    /// shrinking caudally, the coccyx ≈ 30–35 mm long in all (Woon JTK, Stringer MD, "Clinical anatomy of the coccyx:
    /// a systematic review", Clin Anat 2012;25(2):158–167).
    static let coccyxSegments: [(height: Double, depth: Double, width: Double)] = [
        (9, 11, 20), (8, 9, 14), (7, 8, 10), (6, 7, 8), (5, 6, 6),
    ]
}
