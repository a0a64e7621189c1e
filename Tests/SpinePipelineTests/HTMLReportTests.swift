import Foundation
import SpineAnalysis
import SpineImaging
import Testing

@testable import SpinePipeline

/// `report.html` from a hand-made report and phantom: table rows, images that decode, plots, escaping,
/// and nothing loaded from outside the page.
@Suite struct HTMLReportTests {
    static func page() throws -> String {
        var r = HTMLReport(
            report: try ReportFixture.report(), image: AnyVolume(ReportFixture.image), labels: ReportFixture.labels,
            labelKind: .classes)
        r.foraminalGrades = ["L4-L5": "left 2, right 1"]
        r.notes = ["Input: synthetic test study <none>"]
        return try r.render()
    }

    /// Every `data:image/png;base64,…` payload in the page, decoded.
    static func pngs(in html: String) throws -> [[UInt8]] {
        let regex = try NSRegularExpression(pattern: "data:image/png;base64,([A-Za-z0-9+/=]+)")
        let ns = html as NSString
        return regex.matches(in: html, range: NSRange(location: 0, length: ns.length)).compactMap { m in
            Data(base64Encoded: ns.substring(with: m.range(at: 1))).map { [UInt8]($0) }
        }
    }

    static func count(_ needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

    @Test func foraminalColumnShowsTheMeasuredForamina() throws {
        var report = try ReportFixture.report()
        let n = try #require(report.discs.firstIndex { $0.level == "L3-L4" })
        report.discs[n].foraminal = .init(
            left: .init(heightMM: 18.44, areaMM2: 151.2, widthMM: 9, fatFraction: nil, grade: 0, planeOffsetMM: 14),
            right: .init(heightMM: 11.2, areaMM2: 70.4, widthMM: 7, fatFraction: nil, grade: 2, planeOffsetMM: -14))
        var r = HTMLReport(
            report: report, image: AnyVolume(ReportFixture.image), labels: ReportFixture.labels, labelKind: .classes)
        r.includeAxialOverlays = false
        r.foraminalGrades = ["L4-L5": "left 2, right 1"]
        let html = try r.render()
        let l34 = try #require(html.range(of: "data-level=\"L3-L4\"><th"))
        #expect(String(html[l34.upperBound...].prefix(600)).contains("<td>L 0 (18.4, 151) · R 2 (11.2, 70)</td>"))
        // A level the analysis did not measure keeps the caller's grade.
        let l45 = try #require(html.range(of: "data-level=\"L4-L5\"><th"))
        #expect(String(html[l45.upperBound...].prefix(600)).contains("left 2, right 1"))
        #expect(html.contains("Foraminal grade (Lee 2010): a proxy from the foramen on the parasagittal plane"))
    }

    @Test func hasOneRowPerLumbarLevelWithTheMeasurements() throws {
        let html = try Self.page()
        #expect(Self.count("class=\"level-row\"", in: html) == 5)
        for level in ["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"] {
            #expect(html.contains("<tr class=\"level-row\" data-level=\"\(level)\"><th scope=\"row\">\(level)</th>"))
        }
        let l1 = try #require(html.range(of: "data-level=\"L1-L2\""))
        #expect(html[l1.upperBound...].prefix(200).contains("not found in the label map"))
        let l45 = try #require(html.range(of: "data-level=\"L4-L5\"><th"))
        let row = String(html[l45.upperBound...].prefix(600))
        for cell in [
            "<td>11.5</td>", "<td>10.0</td>", "<td>7.5</td>", "<td>0.53</td>", "<td>62</td>", "<td>13.2</td>",
            "grade-severe\">severe", "left 2, right 1", "<td>6.1 (18)</td>", ">I</td>",
        ] {
            #expect(row.contains(cell), "L4-L5 row lacks \(cell)")
        }
        #expect(html.contains("Central canal narrowing: L3-L4 moderate (88 mm²); L4-L5 severe (62 mm²)."))
        #expect(html.contains("Spondylolisthesis: L4-L5 Meyerding I"))
        #expect(html.contains("Disc height decreased: L5-S1 mildly decreased."))
        #expect(html.contains("L2 Genant 1"))
    }

    @Test func imagesAreEmbeddedPNGsThatDecode() throws {
        let html = try Self.page()
        let images = try Self.pngs(in: html)
        // The sagittal overlay and one axial plane per disc level found (4).
        #expect(images.count == 5)
        for png in images {
            #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) },
                height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width > 50 && height > 50)
        }
        #expect(Self.count("<figure class=\"axial\"", in: html) == 4)
        // Named levels drawn over the sagittal image.
        for name in ["L1", "L5", "S1"] { #expect(html.contains(">\(name)</text>")) }
        for name in ["L2-L3", "L4-L5", "L5-S1"] {
            #expect(html.contains("class=\"dname\"") && html.contains(">\(name)</text>"))
        }
    }

    @Test func plotsAreInlineSVGWithThresholdLines() throws {
        let html = try Self.page()
        #expect(Self.count("<svg class=\"chart\"", in: html) == 2)
        #expect(html.contains("100 mm² relative") && html.contains("75 mm² absolute"))
        #expect(Self.count("class=\"threshold\"", in: html) == 4)
        #expect(Self.count("<rect class=\"bar\"", in: html) == 8, "4 levels with values in each plot; L1-L2 n/a")
        #expect(html.contains(">n/a</text>"))
    }

    @Test func escapesTextAndLoadsNothingFromOutside() throws {
        let html = try Self.page()
        #expect(html.contains("No disc found between L1 and L2 &lt;b&gt;&amp;amp; &quot;check&quot;&lt;/b&gt;"))
        #expect(html.contains("synthetic test study &lt;none&gt;"))
        #expect(!html.contains("<b>&amp;"))
        for external in ["src=", "href=\"http", "url(", "<link", "<script", "@import"] {
            #expect(!html.contains(external), "found \(external)")
        }
    }

    @Test func overlayColoursLabelsOverTheGreyImage() throws {
        let g = ReportFixture.geometry
        let plane = ReportPlane.sagittal(of: g, lateralLPS: 0)
        let overlay = OverlayImage(
            plane: plane, image: ReportFixture.image.converted(to: Float.self), labels: ReportFixture.labels,
            style: { v in StructureClass(rawValue: Int(v)).map { ($0.displayRGB, 0.4) } })
        #expect(overlay.width == 96 && overlay.height == 120)
        // The L3 body centre (y 0, z 5) is tinted with the vertebral body colour; the grey image elsewhere.
        let p = plane.pixel(worldLPS: SIMD3(0, 0, 5))
        let n = (Int(p.y.rounded()) * overlay.width + Int(p.x.rounded())) * 3
        let rgb = Array(overlay.rgb[n..<n + 3])
        #expect(rgb[0] > rgb[2] + 20, "bone colour is warm: \(rgb)")
        var grey = 0
        for q in 0..<overlay.width * overlay.height {
            let r: UInt8 = overlay.rgb[q * 3], g: UInt8 = overlay.rgb[q * 3 + 1], b: UInt8 = overlay.rgb[q * 3 + 2]
            if r == g && g == b { grey += 1 }
        }
        #expect(grey > 0, "unlabelled pixels stay grey")
    }

    @Test func writesThePageAtomically() throws {
        let keep = ProcessInfo.processInfo.environment["SPINEKIT_CHECK_OUT"]
        let dir =
            keep
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-report-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: dir) } }
        var r = HTMLReport(
            report: try ReportFixture.report(), image: AnyVolume(ReportFixture.image), labels: ReportFixture.labels)
        r.foraminalGrades = ["L4-L5": "left 2, right 1"]
        r.notes = [
            "Input: SpinePipelineTests synthetic study (ReportFixture)", "Measurements set by hand, not computed",
        ]
        try r.write(to: dir + "/report.html")
        let text = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(text.hasPrefix("<!DOCTYPE html>") && text.hasSuffix("</html>\n"))
    }

    @Test func chartStepsAreRound() {
        #expect(SVGBarChart.niceStep(23) == 50)
        #expect(SVGBarChart.niceStep(0.13) == 0.2)
        #expect(SVGBarChart.niceStep(10) == 10)
    }
}

/// Renders a report from files, for looking at a real study: set SPINEKIT_REPORT_IMAGE (image),
/// SPINEKIT_REPORT_LABELS (11-class label map), SPINEKIT_REPORT_JSON (`spine measure`'s report.json)
/// and SPINEKIT_CHECK_OUT (where `report-study.html` goes). Skipped otherwise.
@Suite struct HTMLReportFromFiles {
    static let env = ProcessInfo.processInfo.environment
    static var isConfigured: Bool {
        ["SPINEKIT_REPORT_IMAGE", "SPINEKIT_REPORT_LABELS", "SPINEKIT_REPORT_JSON", "SPINEKIT_CHECK_OUT"].allSatisfy {
            env[$0] != nil
        }
    }

    @Test(.enabled(if: isConfigured, "set SPINEKIT_REPORT_IMAGE, _LABELS, _JSON and SPINEKIT_CHECK_OUT"))
    func rendersAStudy() throws {
        let (image, _) = try ImageReader.readVolume(path: Self.env["SPINEKIT_REPORT_IMAGE"]!)
        let (labels, _) = try ImageReader.readVolume(path: Self.env["SPINEKIT_REPORT_LABELS"]!)
        let json = try Data(contentsOf: URL(fileURLWithPath: Self.env["SPINEKIT_REPORT_JSON"]!))
        let report = try JSONDecoder().decode(AnalysisReport.self, from: json)
        var page = HTMLReport(
            report: report, image: image, labels: labels.converted(to: UInt8.self), labelKind: .classes)
        page.notes = ["Image: \((Self.env["SPINEKIT_REPORT_IMAGE"]! as NSString).lastPathComponent)"]
        try page.write(to: Self.env["SPINEKIT_CHECK_OUT"]! + "/report-study.html")
    }
}
