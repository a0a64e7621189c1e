import Foundation
import SpineAnalysis
import SpineImaging

/// A small sagittal study whose anatomy is known by construction: image, 11-class label map, and an
/// analysis report with hand-set measurements (decoded from JSON, as `report.json` would be read).
///
/// Grid: 96 (anterior → posterior) × 120 (superior → inferior) × 9 (left → right) voxels of
/// 1 × 1 × 4 mm; voxel (i, j, k) lies at x = 16 − 4k, y = −40 + i, z = 60 − j [mm, LPS].
enum ReportFixture {
    static let geometry = ImageGeometry(
        size: SIMD3(96, 120, 9), spacing: SIMD3(1, 1, 4), origin: SIMD3(16, -40, 60),
        direction: Matrix3(columns: SIMD3(0, 1, 0), SIMD3(0, 0, -1), SIMD3(-1, 0, 0)))

    /// Vertebral body centres (z, LPS mm) of L1…L5, and S1 (the sacrum's top).
    static let vertebrae: [(String, Int, Double)] = [
        ("L1", 20, 45), ("L2", 21, 25), ("L3", 22, 5), ("L4", 23, -15), ("L5", 24, -35), ("S1", 26, -52),
    ]
    /// Disc centres (z) between them.
    static let discs: [(String, Int, Double)] = [
        ("L2-L3", 121, 15), ("L3-L4", 122, -5), ("L4-L5", 123, -25), ("L5-S1", 124, -44),
    ]

    /// The class at a world point.
    static func structure(_ p: SIMD3<Double>) -> StructureClass? {
        let (x, y, z) = (p.x, p.y, p.z)
        let midline = abs(x) <= 10
        if midline && abs(y) <= 8 {
            if z < -47 { return .sacrum }
            if discs.contains(where: { abs(z - $0.2) <= 3 }) || abs(z - 35) <= 3 { return .intervertebralDisc }
            if vertebrae.dropLast().contains(where: { abs(z - $0.2) <= 7 }) { return .vertebralBody }
        }
        if midline && y >= 10 && y < 12 { return .epiduralFat }
        if midline && y >= 17 && y <= 21 { return .caudaEquina }
        if midline && y >= 12 && y <= 26 { return .spinalCanal }
        if midline && y >= 28 && y <= 40 && z > -47 { return .posteriorElements }
        if y >= 42 && y < 50 { return .paraspinalMuscle }
        if y >= 50 { return .subcutaneousFat }
        if y >= -20 && y <= -14 && abs(x) <= 6 { return .bloodVessels }
        if y < -22 { return .otherSoftTissue }
        return nil
    }

    static let labels: Volume<UInt8> = {
        var v = Volume<UInt8>(geometry: geometry)
        let g = geometry
        for k in 0..<g.size.z {
            for j in 0..<g.size.y {
                for i in 0..<g.size.x {
                    let p = g.worldLPS(voxelIJK: SIMD3(Double(i), Double(j), Double(k)))
                    v[i, j, k] = UInt8(structure(p)?.rawValue ?? 0)
                }
            }
        }
        return v
    }()

    static let image: Volume<Int16> = {
        let brightness: [StructureClass: Int16] = [
            .vertebralBody: 420, .posteriorElements: 380, .intervertebralDisc: 700, .spinalCanal: 900,
            .caudaEquina: 500,
            .epiduralFat: 820, .sacrum: 400, .paraspinalMuscle: 260, .subcutaneousFat: 850, .bloodVessels: 120,
            .otherSoftTissue: 330,
        ]
        return Volume<Int16>(
            geometry: geometry,
            voxels: labels.voxels.enumerated().map { n, l in
                (StructureClass(rawValue: Int(l)).flatMap { brightness[$0] } ?? 60) + Int16(n % 7) * 6
            })
    }()

    /// Measurements set by hand: L1-L2 is missing; L3-L4 moderate and L4-L5 severe stenosis; L4-L5 slips 18 %.
    static func report() throws -> AnalysisReport {
        func v(_ name: String, _ verse: Int, _ z: Double) -> [String: Any] {
            [
                "label": name, "verseLabel": verse, "confidence": 0.95, "cue": "test", "centroidLPS": [0, 0, z],
                "volumeMM3": 21000, "anteriorHeightMM": 26.0, "middleHeightMM": 24.5, "posteriorHeightMM": 27.0,
                "depthMM": 34.0, "wedgeAngleDeg": 1.5, "heightReduction": name == "L2" ? 0.22 : 0.05,
                "genantGrade": name == "L2" ? 1 : 0,
            ]
        }
        func d(
            _ name: String, _ verse: Int, _ z: Double, area: Double, grade: String, slip: Double, meyerding: String,
            dhiClass: String
        ) -> [String: Any] {
            [
                "level": name, "verseLabel": verse, "confidence": 0.9, "cue": "test", "centroidLPS": [0, 0, z],
                "volumeMM3": 9000,
                "anteriorHeightMM": 11.5, "middleHeightMM": 10.0, "posteriorHeightMM": 7.5, "depthMM": 36.0,
                "discHeightIndex": dhiClass == "normal" ? 0.53 : 0.36, "discHeightClass": dhiClass,
                "canal": ["areaMM2": area, "apDiameterMM": 13.2, "grade": grade],
                "slip": ["distanceMM": slip, "percent": slip / 34 * 100, "meyerdingGrade": meyerding],
            ]
        }
        let json: [String: Any] = [
            "schemaVersion": 1, "generator": "SpineKit SpineAnalysis", "classMap": "spinekit@1",
            "input": [
                "sizeVoxels": [96, 120, 9], "spacingMM": [1, 1, 4], "axisCodes": "PIR", "labelValues": Array(1...11),
            ],
            "vertebrae": vertebrae.map { v($0.0, $0.1, $0.2) },
            "discs": [
                d("L2-L3", 121, 15, area: 145, grade: "normal", slip: 0.4, meyerding: "none", dhiClass: "normal"),
                d("L3-L4", 122, -5, area: 88, grade: "moderate", slip: 0.8, meyerding: "none", dhiClass: "normal"),
                d("L4-L5", 123, -25, area: 62, grade: "severe", slip: 6.1, meyerding: "I", dhiClass: "normal"),
                d(
                    "L5-S1", 124, -44, area: 131, grade: "normal", slip: 1.0, meyerding: "none",
                    dhiClass: "mildlyDecreased"),
            ],
            "alignment": ["lordosisL1S1Deg": 48.2, "segmentalAnglesDeg": ["L4-L5": 9.5]],
            "findings": [
                [
                    "code": "missing-disc", "severity": "warning",
                    "message": "No disc found between L1 and L2 <b>&amp; \"check\"</b>", "level": "L1-L2",
                ]
            ],
        ]
        let data = try JSONSerialization.data(withJSONObject: json)
        return try JSONDecoder().decode(AnalysisReport.self, from: data)
    }
}
