import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

/// A straight lumbar spine in SpineKit classes with pedicles and articular columns, so that each disc level
/// has a left and a right foramen of known size.
///
/// Body frame (before `tiltDeg`): +z superior, a = −y anterior, x left. L1 top at z = 0; going down: body
/// 24 mm, disc 10 mm (L1 … L5), then the sacrum (25 mm). Bodies and discs are 30 mm deep (|a| ≤ 15) and
/// 36 mm wide. Each vertebra (and the sacrum) has a pedicle on each side at 8 ≤ |x| ≤ 16, −27 ≤ a < −15,
/// from 2 mm below its top down `pedicleHeightMM`; a column of posterior elements (the articular
/// processes) runs the whole length at −33 ≤ a < −27 on each side. So each foramen, on the plane |x| = 12,
/// is the rectangle −27 ≤ a < −15 (12 mm deep) between the upper pedicle's bottom and the lower pedicle's
/// top: 34 − `pedicleHeightMM` mm high. The sacrum's pedicle is sacrum (label 7), the others label 2.
enum SyntheticForaminalSpine {
    static let widthMM = 12.0

    static func heightMM(pedicleHeightMM: Double) -> Double { 34 - pedicleHeightMM }

    /// - Parameters:
    ///   - fatFill: epidural fat (label 6) in the posterior `fatFill` share of each foramen's depth (0 = none;
    ///     the dural sac then has a fat rim inside the canal only when `fatInCanal`).
    ///   - tiltDeg: the anatomy rotated about the patient's left–right axis (a sagittal tilt).
    static func make(
        pedicleHeightMM: Double = 10, fatFill: Double = 0, fatInCanal: Bool = false, tiltDeg: Double = 0,
        spacing: Double = 1
    ) -> Volume<UInt8> {
        // A tilted spine needs room front to back (100 mm from the pivot at 20° is 34 mm).
        let depth = tiltDeg == 0 ? 90.0 : 160
        let size = SIMD3(Int(60 / spacing), Int(depth / spacing), Int(220 / spacing))
        let rot = Phantoms.rotationX(-tiltDeg)
        let origin = SIMD3<Double>(-29.5, -(depth - 1) / 2, -205.5)
        let fatBackA = -27.0 + widthMM * fatFill
        return Phantoms.labelMap(size: size, spacing: SIMD3(repeating: spacing), origin: origin) { w in
            let p = rot * (w - SIMD3(0, 0, -100)) + SIMD3(0, 0, -100)
            let a = -p.y, ax = abs(p.x), z = p.z
            // Canal: a dural sac tube in the midline, in a fat sleeve when asked.
            let dc = (a + 21) * (a + 21) + p.x * p.x
            if dc <= 25 && z < 0 && z > -190 { return 4 }
            if fatInCanal && dc <= 36 && z < 0 && z > -190 { return 6 }
            guard ax <= 18 else { return 0 }
            var top = 0.0
            for n in 0...5 {
                let sacrum = n == 5
                let h = sacrum ? 25.0 : 24
                if z <= top && z > top - h {
                    if abs(a) <= 15 { return sacrum ? 7 : 1 }
                    if ax >= 8, ax <= 16, a >= -27, a < -15, z <= top - 2, z > top - 2 - pedicleHeightMM {
                        return sacrum ? 7 : 2
                    }
                }
                top -= h
                if !sacrum {
                    if z <= top && z > top - 10 && abs(a) <= 15 { return 3 }
                    top -= 10
                }
            }
            if ax >= 8, ax <= 16, z <= 0, z > -195 {
                if a >= -33, a < -27 { return 2 }
                if a >= -27, a < fatBackA, a < -15 { return 6 }
            }
            return 0
        }
    }
}

@Suite struct ForaminalTests {
    @Test(arguments: [10.0, 22.0])
    func foraminaOfKnownSizeAreMeasured(pedicleHeightMM: Double) throws {
        let map = SyntheticForaminalSpine.make(pedicleHeightMM: pedicleHeightMM)
        let report = try SpineAnalyzer.analyze(labelMap: AnyVolume(map), classMap: .spineKit)
        let h = SyntheticForaminalSpine.heightMM(pedicleHeightMM: pedicleHeightMM)
        let area = h * SyntheticForaminalSpine.widthMM
        #expect(report.discs.map(\.level) == ["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"])
        for d in report.discs {
            for (side, f) in [("left", d.foraminal?.left), ("right", d.foraminal?.right)] {
                let f = try #require(f, "\(d.level) \(side)")
                #expect(abs(f.heightMM - h) <= 0.5, "\(d.level) \(side) height \(f.heightMM) vs \(h)")
                #expect(
                    abs(f.widthMM - SyntheticForaminalSpine.widthMM) <= 0.5, "\(d.level) \(side) width \(f.widthMM)")
                #expect(abs(f.areaMM2 - area) / area < 0.04, "\(d.level) \(side) area \(f.areaMM2) vs \(area)")
                #expect(abs(abs(f.planeOffsetMM) - 12) <= 1, "\(d.level) \(side) plane \(f.planeOffsetMM)")
                #expect((f.planeOffsetMM > 0) == (side == "left"))
                #expect(f.fatFraction == nil)
                // 24 mm, 288 mm²: grade 0; 12 mm (< 15, not < 12), 144 mm²: grade 1.
                #expect(f.grade == (pedicleHeightMM == 10 ? 0 : 1), "\(d.level) \(side)")
            }
        }
        let csv = report.csv()
        #expect(csv.contains("disc,L4-L5,foraminal_height_left,"))
        #expect(csv.contains("disc,L5-S1,foraminal_grade_right,"))
    }

    @Test func tiltedSpineGivesTheSameForamina() throws {
        let map = SyntheticForaminalSpine.make(tiltDeg: 20)
        let report = try SpineAnalyzer.analyze(labelMap: AnyVolume(map), classMap: .spineKit)
        #expect(report.discs.count == 5)
        for d in report.discs {
            for f in [d.foraminal?.left, d.foraminal?.right] {
                let f = try #require(f, "\(d.level)")
                #expect(abs(f.heightMM - 24) <= 1.2, "\(d.level) height \(f.heightMM)")
                #expect(abs(f.areaMM2 - 288) / 288 < 0.08, "\(d.level) area \(f.areaMM2)")
            }
        }
    }

    @Test func foraminalFatRaisesTheGradeOnlyWhenLabelled() throws {
        // Fat in the posterior half of every foramen: fraction 0.5, grade unchanged (0).
        let half = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(SyntheticForaminalSpine.make(fatFill: 0.5)), classMap: .spineKit)
        for d in half.discs {
            let f = try #require(d.foraminal?.left)
            #expect(abs((f.fatFraction ?? -1) - 0.5) < 0.05, "\(d.level) \(String(describing: f.fatFraction))")
            #expect(f.grade == 0)
        }
        // Fat only in the canal: the map does not label foraminal fat, so fat does not count (else every
        // foramen would read as obliterated).
        let canalOnly = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(SyntheticForaminalSpine.make(fatInCanal: true)), classMap: .spineKit)
        #expect(canalOnly.discs.allSatisfy { $0.foraminal?.left?.fatFraction == nil && $0.foraminal?.left?.grade == 0 })
        #expect(canalOnly.findings.contains { $0.code == "foraminal-fat-not-labelled" })
    }

    @Test func gradeFollowsItsThresholds() {
        #expect(ForaminalGrade(heightMM: 20, areaMM2: 120, fatFraction: nil) == .normal)
        #expect(ForaminalGrade(heightMM: 14, areaMM2: 120, fatFraction: nil) == .mild)
        #expect(ForaminalGrade(heightMM: 11, areaMM2: 120, fatFraction: nil) == .moderate)
        #expect(ForaminalGrade(heightMM: 7, areaMM2: 120, fatFraction: nil) == .severe)
        #expect(ForaminalGrade(heightMM: 20, areaMM2: 50, fatFraction: nil) == .moderate)
        #expect(ForaminalGrade(heightMM: 20, areaMM2: 120, fatFraction: 0.1) == .mild)
        #expect(ForaminalGrade(heightMM: 20, areaMM2: 120, fatFraction: 0.02) == .moderate)
        var t = ForaminalGrade.Thresholds()
        t.mildHeightMM = 22
        #expect(ForaminalGrade(heightMM: 20, areaMM2: 120, fatFraction: nil, thresholds: t) == .mild)
    }

    @Test func narrowForamenIsAFindingWithConfigurableThresholds() throws {
        // Pedicles 22 mm tall (the whole body below its top 2 mm) leave 12 mm: grade 1 by default (it is
        // not below 12 mm); with the moderate height raised to 13 mm, grade 2 and a finding per foramen.
        var options = AnalysisOptions()
        options.foraminalThresholds.moderateHeightMM = 13
        let r = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(SyntheticForaminalSpine.make(pedicleHeightMM: 22)), classMap: .spineKit,
            options: options)
        for d in r.discs {
            let f = try #require(d.foraminal?.right, "\(d.level): \(r.findings.map(\.message))")
            #expect(abs(f.heightMM - 12) <= 0.5 && f.grade == 2, "\(d.level) \(f)")
        }
        #expect(r.findings.filter { $0.code == "foraminal-stenosis" }.count == 10)
        // The report records the thresholds it was graded with.
        #expect(r.grading?.foraminal.moderateHeightMM == 13)
    }

    @Test func noPosteriorElementsMeansNoForamina() throws {
        let r = try SpineAnalyzer.analyze(labelMap: AnyVolume(SyntheticSpine.make()), classMap: .spineKit)
        #expect(r.discs.allSatisfy { $0.foraminal == nil })
        #expect(r.findings.contains { $0.code == "foramina-not-measured" })
    }
}
