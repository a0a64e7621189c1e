import Foundation
import SpineAnalysis
import SpineImaging
import Testing

@testable import SpinePipeline

/// The HTML legend quotes the thresholds the analysis graded with (`AnalysisReport.grading`), not fixed numbers.
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
        var canal = CentralCanalGrade.Thresholds()
        canal.relativeAreaMM2 = 110
        canal.absoluteAPDiameterMM = 9.5
        r.report.grading = .init(centralCanal: canal, foraminal: t)
        let custom = try r.render()
        #expect(defaults.contains("dural sac area &lt; 100 mm² relative, &lt; 75 mm² absolute"))
        #expect(defaults.contains("AP diameter &lt; 12 / &lt; 10 mm"))
        #expect(custom.contains("dural sac area &lt; 110 mm² relative, &lt; 75 mm² absolute"))
        #expect(custom.contains("AP diameter &lt; 12 / &lt; 9.5 mm"))
        #expect(custom.contains("1 below 16.5 mm (Hasegawa 1995) or 80 mm², 2 below 12 mm or 60 mm², 3 below 8 mm"))
        #expect(custom.contains("fat share below 25 % grade 1, below 5 % grade 2"))
    }
}
