import Foundation
import SpineImaging
import SpineTestSupport
import Testing

/// The files `spine analyze` writes, checked by independent tools: `segmentation.dcm` and `segmentation.nii.gz`
/// by `Scripts/checks/check_seg.py` (pydicom, highdicom, nibabel), `report.html` parsed here and rendered by
/// headless Chromium (`Scripts/checks/render_report.sh`). The tools are optional on a developer's machine (the
/// tests that need them skip, saying what is missing) and required under CI (`CI=true`), where
/// `Scripts/bootstrap --ci` installs them.
@Suite struct AnalyzeOutputCheckTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs a program in the package root; its stdout and stderr together in `output`.
    static func run(_ program: String, _ args: [String]) throws -> ExternalProgram.Run {
        try ExternalProgram.run(program, args, in: packageRoot, mergingOutput: true)
    }

    static let python = ExternalProgram.which("python3")
    /// True when python3 imports everything check_seg.py needs.
    static let hasSEGCheckTools: Bool = {
        guard let python else { return false }
        return (try? run(python, ["-c", "import pydicom, highdicom, nibabel, numpy"]).status) == 0
    }()
    static let chromium = ExternalProgram.which("chromium", "chromium-browser", "google-chrome")

    /// One `spine analyze` run shared by the tests: the lumbar fixture study (sagittal T1, STIR, T2 and four axial
    /// stacks) with its label map, into `out`.
    struct Analysed {
        var dir: String
        var study: String
        var labels: String
        var out: String
    }

    static let sharedFolder = FileManager.default.temporaryDirectory
        .appendingPathComponent("spinekit-checks-\(UUID().uuidString)").path

    /// Made on first use, removed when the test process exits.
    static let analysed: Result<Analysed, any Error> = Result {
        let dir = sharedFolder
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: AnalyzeOutputCheckTests.sharedFolder) }
        try StudyFixture.lumbarStudy(in: dir + "/study")
        let labels = try StudyFixture.labels(in: dir)
        let r = try AnalyzeCLITests.run(["analyze", dir + "/study", "--labels", labels, "--out", dir + "/out"])
        guard r.status == 0 else { throw ImagingError(.invalidArgument, "spine analyze failed: \(r.stderr)") }
        return Analysed(dir: dir, study: dir + "/study", labels: labels, out: dir + "/out")
    }

    @Test(
        .enabled(
            if: hasSEGCheckTools || TestData.isCI,
            "needs python3 with pydicom, highdicom, nibabel and numpy (Scripts/bootstrap --peers)"))
    func segmentationPassesPydicomHighdicomAndNibabel() throws {
        let a = try Self.analysed.get()
        let python = try #require(Self.python, "python3 not found")
        let r = try Self.run(
            python,
            [
                "Scripts/checks/check_seg.py", "--out", a.out, "--source", a.study + "/SAG_T2", "--labels",
                a.labels,
            ])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("all checks passed"), "\(r.output)")
        // What the script checked, so a silently shortened script fails here.
        for line in [
            "highdicom reads it", "nibabel reads it", "affine equals the source series' (RAS)",
            "every source instance referenced once", "frame count", "segment 11 mask equals label value 11",
        ] {
            #expect(r.output.contains(line), "check_seg.py no longer reports \"\(line)\"")
        }
    }

    /// Every `data:image/png;base64,…` payload in a text, decoded.
    static func pngs(in html: String) throws -> [[UInt8]] { try HTMLReportTests.pngs(in: html) }

    @Test func reportPageHasTheLevelTableAndTheImages() throws {
        let a = try Self.analysed.get()
        let html = try String(contentsOfFile: a.out + "/report.html", encoding: .utf8)
        // The per-level table: a row for each lumbar level, with its name as the row header.
        for level in ["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"] {
            #expect(
                html.contains("<tr class=\"level-row\" data-level=\"\(level)\"><th scope=\"row\">\(level)</th>"),
                "no table row for \(level)")
        }
        // The mid-sagittal overlay: inline SVG around an embedded PNG, with the levels named on it.
        let sagittal = try #require(Self.element("figure class=\"sagittal\"", in: html))
        #expect(sagittal.contains("<svg class=\"overlay\"") && sagittal.contains("href=\"data:image/png;base64,"))
        #expect(try Self.pngs(in: sagittal).count == 1)
        for name in ["L1", "L5", "L4-L5"] { #expect(sagittal.contains(">\(name)</text>"), "\(name) not drawn") }
        // One axial overlay per disc level found, each an embedded PNG.
        let doc = try StudyFixture.reportJSON(a.out)
        let levels = try #require(doc["discs"] as? [[String: Any]]).compactMap { $0["level"] as? String }
        #expect(levels.count >= 4)
        for level in levels {
            let figure = try #require(
                Self.element("figure class=\"axial\" data-level=\"\(level)\"", in: html), "no axial figure for \(level)"
            )
            #expect(try Self.pngs(in: figure).count == 1)
        }
        // Every image decodes as a PNG of a sensible size.
        for png in try Self.pngs(in: html) {
            let v = try RasterImageReader.read(bytes: png)
            #expect(v.geometry.size.x > 50 && v.geometry.size.y > 50)
        }
        // The plots: canal area and disc height index, inline SVG with bars and threshold lines.
        #expect(HTMLReportTests.count("<svg class=\"chart\"", in: html) == 2)
        #expect(HTMLReportTests.count("class=\"threshold\"", in: html) == 4)
        #expect(HTMLReportTests.count("<rect class=\"bar\"", in: html) >= 2 * 4)
        // Self-contained: nothing loaded from elsewhere.
        for external in ["src=\"http", "href=\"http", "url(http", "<script src", "<link "] {
            #expect(!html.contains(external), "page loads \(external)…")
        }
        // The series used and the axial pairing are stated on the page.
        #expect(
            html.contains("Series used: #3 &quot;T2 sagittal (fixture)&quot;")
                || html.contains("Series used: #3 \"T2 sagittal (fixture)\""))
    }

    /// The text from `<tag attributes…` to its closing tag (not nested in a like-named element).
    static func element(_ opening: String, in html: String) -> String? {
        guard let start = html.range(of: "<" + opening) else { return nil }
        let name = String(opening.prefix { $0 != " " })
        guard let end = html.range(of: "</\(name)>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }

    @Test(.enabled(if: chromium != nil || TestData.isCI, "needs Chromium (apt-get install chromium)"))
    func reportRendersInHeadlessChromium() throws {
        let a = try Self.analysed.get()
        let png = a.dir + "/report.png"
        let r = try Self.run(
            "/bin/bash", ["Scripts/checks/render_report.sh", a.out + "/report.html", png, "1180x2400"])
        #expect(r.status == 0, "\(r.output)")
        let image = try RasterImageReader.read(path: png)
        #expect(image.geometry.size.x == 1180 && image.geometry.size.y == 2400, "\(image.geometry.size)")
        // Not blank: a white page with dark text, tables and the black-backed overlays.
        let grey = image.converted(to: Float.self).voxels
        let dark = grey.filter { $0 < 128 }.count, white = grey.filter { $0 > 250 }.count
        #expect(Double(dark) > 0.02 * Double(grey.count), "dark pixels: \(dark) of \(grey.count)")
        #expect(Double(white) > 0.3 * Double(grey.count), "white pixels: \(white) of \(grey.count)")
        #expect(Double(dark + white) < 0.99 * Double(grey.count), "only black and white: no images drawn")
    }
}
