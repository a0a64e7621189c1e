import Foundation
import SpineAnalysis
import SpineImaging
import Testing

@testable import SpinePipeline

/// The HTML legend quotes the foraminal thresholds the analysis graded with, not fixed numbers.
@Suite struct HTMLReportThresholdTests {
    @Test func foraminalLegendQuotesTheGradingThresholds() throws {
        var report = try ReportFixture.report()
        let n = try #require(report.discs.firstIndex { $0.level == "L3-L4" })
        report.discs[n].foraminal = .init(
            left: .init(heightMM: 18.4, areaMM2: 151, widthMM: 9, fatFraction: nil, grade: 0, planeOffsetMM: 14),
            right: nil)
        var r = HTMLReport(
            report: report, image: AnyVolume(ReportFixture.image), labels: ReportFixture.labels, labelKind: .classes)
        r.includeAxialOverlays = false
        let defaults = try r.render()
        #expect(
            defaults.contains("1 below 15 mm (Hasegawa 1995) or 80 mm², 2 below 12 mm or 55 mm², 3 below 8 mm or 30 mm²"))
        var t = ForaminalGrade.Thresholds()
        t.mildHeightMM = 16.5
        t.moderateAreaMM2 = 60
        t.mildFatFraction = 0.25
        r.foraminalThresholds = t
        let custom = try r.render()
        #expect(custom.contains("1 below 16.5 mm (Hasegawa 1995) or 80 mm², 2 below 12 mm or 60 mm², 3 below 8 mm"))
        #expect(custom.contains("fat share below 25 % grade 1, below 5 % grade 2"))
    }
}
