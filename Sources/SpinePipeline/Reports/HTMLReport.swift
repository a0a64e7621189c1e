import Foundation
import SpineAnalysis
import SpineImaging

/// One self-contained `report.html` for people: findings summary, a per-level table, overlays of the
/// segmentation on the image (mid-sagittal with named levels, one axial plane per disc level) and
/// plots of dural sac area and disc height index per level against their thresholds.
///
/// The page loads nothing from outside (images are PNG data URIs, plots inline SVG, styles inline),
/// escapes every text it shows, and holds no patient identifiers: only what `AnalysisReport` holds
/// and the notes the caller adds.
public struct HTMLReport: Sendable {
    /// What the label map's values mean.
    public enum LabelMapKind: Sendable {
        /// SpineKit's 11 structure classes (1 vertebral body … 11 other soft tissue).
        case classes
        /// Named instances, VerSe / SPINEPS numbering (20 L1 … 24 L5, 26 sacrum, discs 100 + vertebra above).
        case instances
    }

    public var report: AnalysisReport
    /// The image the labels were made from, in any geometry (planes are sampled in patient space).
    public var image: AnyVolume
    public var labels: Volume<UInt8>?
    public var labelKind: LabelMapKind
    public var title = "Lumbar spine MRI: automated analysis"
    /// Lines for the "About this report" section: inputs used, models and versions, timings.
    public var notes: [String] = []
    /// Foraminal stenosis grade per level name ("L4-L5" → "left 1, right 2"), shown where the analysis did not
    /// measure the level's foramina (`DiscReport.foraminal`).
    public var foraminalGrades: [String: String] = [:]
    /// Draw one axial overlay per disc level (resampled from the image; coarse across thick sagittal slices).
    public var includeAxialOverlays = true
    /// Axial stacks measured for the canal, by level name: each level's overlay is drawn from its stack (parallel
    /// to the stack's slices, at full resolution) with the stack's label map in `labelKind`'s values.
    public var axialStacks: [String: (image: AnyVolume, labels: Volume<UInt8>)] = [:]

    public init(report: AnalysisReport, image: AnyVolume, labels: Volume<UInt8>?, labelKind: LabelMapKind = .classes) {
        self.report = report
        self.image = image
        self.labels = labels
        self.labelKind = labelKind
    }

    /// Writes the page atomically.
    public func write(to path: String) throws {
        try FileIO.writeAtomically(Array(try render().utf8), to: path)
    }

    /// The page as one HTML string.
    public func render() throws -> String {
        let e = HTMLText.escape
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="\(e(report.generator))">
            <title>\(e(title))</title>
            <style>\(Self.style)</style>
            </head><body>
            <header><h1>\(e(title))</h1>
            <p class="sub">SpineKit report · schema \(report.schemaVersion) · class map \(e(report.classMap)) · grid \(report.input.sizeVoxels.map(String.init).joined(separator: "×")) voxels, \(report.input.spacingMM.map { String(format: "%.2f", $0) }.joined(separator: " × ")) mm, \(e(report.input.axisCodes))</p>
            </header>

            """
        html += summarySection()
        html += levelTable()
        html += try imageSection()
        html += plotSection()
        html += vertebraTable()
        html += aboutSection()
        html += "</body></html>\n"
        return html
    }

    // MARK: Sections

    func summarySection() -> String {
        let e = HTMLText.escape
        var items: [(String, String)] = []  // (css class, text)
        let names = report.vertebrae.map(\.label)
        items.append(
            (
                "info",
                names.isEmpty
                    ? "No vertebrae were identified."
                    : "Vertebrae identified: \(names.joined(separator: ", ")) (\(names.count))."
            ))
        let stenosis = report.discs.compactMap { d -> String? in
            guard let c = d.canal, c.grade != CentralCanalGrade.normal.rawValue else { return nil }
            return "\(d.level) \(c.grade) (\(String(format: "%.0f", c.areaMM2)) mm²)"
        }
        items.append(
            stenosis.isEmpty
                ? ("ok", "No central canal stenosis by dural sac area and AP diameter.")
                : ("alert", "Central canal narrowing: " + stenosis.joined(separator: "; ") + "."))
        let slips = report.discs.compactMap { d -> String? in
            guard let s = d.slip, s.meyerdingGrade != MeyerdingGrade.none.rawValue else { return nil }
            return
                "\(d.level) Meyerding \(s.meyerdingGrade) (\(String(format: "%.1f", s.distanceMM)) mm, \(String(format: "%.0f", s.percent)) %)"
        }
        items.append(
            slips.isEmpty
                ? ("ok", "No spondylolisthesis (slip below 5 %).")
                : ("alert", "Spondylolisthesis: " + slips.joined(separator: "; ") + "."))
        let narrow = report.discs.compactMap { d -> String? in
            guard let c = d.discHeightClass, c != DiscHeightClass.normal.rawValue else { return nil }
            return "\(d.level) \(Self.words(c))"
        }
        items.append(
            narrow.isEmpty
                ? ("ok", "Disc heights within 75 % of the other levels.")
                : ("alert", "Disc height decreased: " + narrow.joined(separator: "; ") + "."))
        let fractures = report.vertebrae.compactMap { v -> String? in
            guard let g = v.genantGrade, g > 0 else { return nil }
            return "\(v.label) Genant \(g)"
        }
        if !fractures.isEmpty {
            items.append(("alert", "Vertebral height loss: " + fractures.joined(separator: "; ") + "."))
        }
        if let l = report.alignment.lordosisL1S1Deg {
            items.append(("info", "Lumbar lordosis (L1–S1 Cobb): \(String(format: "%.1f", l))°."))
        }
        var s = "<section id=\"summary\"><h2>Findings summary</h2><ul class=\"summary\">"
        for (cls, text) in items { s += "<li class=\"\(cls)\">\(e(text))</li>" }
        s += "</ul>"
        if !report.findings.isEmpty {
            s += "<h3>Notes from the analysis</h3><ul class=\"findings\">"
            for f in report.findings {
                s += "<li class=\"\(e(f.severity.rawValue))\"><span class=\"badge\">\(e(f.severity.rawValue))</span> "
                var message = f.message
                if let level = f.level {
                    s += "<b>\(e(level))</b> "
                    // "L3-L4: moderate …" after a bold "L3-L4" would name the level twice.
                    if message.hasPrefix(level + ": ") { message = String(message.dropFirst(level.count + 2)) }
                }
                s += "\(e(message)) <code>\(e(f.code))</code></li>"
            }
            s += "</ul>"
        }
        return s + "</section>\n"
    }

    /// The rows of the level table: L1-L2 … L5-S1 always, plus any other level the analysis found, cranial to caudal.
    var levelRows: [(name: String, disc: AnalysisReport.DiscReport?)] {
        var names = ["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"]
        for d in report.discs where !names.contains(d.level) { names.append(d.level) }
        let order = { (n: String) -> Int in DiscLevel(name: n).map { $0.upper.anatomicalRank } ?? Int.max }
        names.sort { order($0) < order($1) }
        return names.map { n in (n, report.discs.first { $0.level == n }) }
    }

    func levelTable() -> String {
        let e = HTMLText.escape
        var s = """
            <section id="levels"><h2>Per level</h2>
            <table class="levels"><thead><tr>
            <th rowspan="2">Level</th><th colspan="3">Disc height [mm]</th><th rowspan="2">DHI</th><th rowspan="2">Disc height</th>
            <th colspan="3">Central canal</th><th rowspan="2">Foraminal grade</th><th colspan="2">Slip</th></tr>
            <tr><th>ant.</th><th>mid.</th><th>post.</th><th>area [mm²]</th><th>AP [mm]</th><th>grade</th><th>[mm] (%)</th><th>Meyerding</th></tr>
            </thead><tbody>

            """
        for (name, d) in levelRows {
            s += "<tr class=\"level-row\" data-level=\"\(e(name))\"><th scope=\"row\">\(e(name))</th>"
            guard let d else {
                s += "<td colspan=\"11\" class=\"missing\">not found in the label map</td></tr>\n"
                continue
            }
            s +=
                "<td>\(Self.num(d.anteriorHeightMM, 1))</td><td>\(Self.num(d.middleHeightMM, 1))</td><td>\(Self.num(d.posteriorHeightMM, 1))</td>"
            s += "<td>\(Self.num(d.discHeightIndex, 2))</td>"
            s +=
                "<td class=\"\(d.discHeightClass.map { "grade-" + e($0) } ?? "")\">\(e(d.discHeightClass.map(Self.words) ?? "—"))</td>"
            if let c = d.canal {
                s +=
                    "<td>\(Self.num(c.areaMM2, 0))</td><td>\(Self.num(c.apDiameterMM, 1))</td><td class=\"grade-\(e(c.grade))\">\(e(c.grade))</td>"
            } else {
                s += "<td>—</td><td>—</td><td class=\"missing\">not measured</td>"
            }
            s += "<td>\(e(Self.foraminalCell(d.foraminal) ?? foraminalGrades[name] ?? "—"))</td>"
            if let slip = d.slip {
                s += "<td>\(Self.num(slip.distanceMM, 1)) (\(Self.num(slip.percent, 0)))</td>"
                s +=
                    "<td class=\"grade-\(slip.meyerdingGrade == "none" ? "normal" : "slip")\">\(e(slip.meyerdingGrade))</td>"
            } else {
                s += "<td>—</td><td>—</td>"
            }
            s += "</tr>\n"
        }
        s += "</tbody></table>\n"
        // The thresholds the report was graded with (defaults for reports older than schema 3).
        let grading = report.grading ?? .init()
        let canal = grading.centralCanal
        func mm(_ x: Double) -> String { String(format: "%g", x) }
        s +=
            "<p class=\"legend\">DHI: disc height index, (anterior + posterior height) / disc depth (Farfan 1972); disc height class relative to the mean index of the other levels (≥ 75 % normal, 50–75 % mild, 25–50 % moderate, &lt; 25 % severe). Central canal: dural sac area &lt; \(mm(canal.relativeAreaMM2)) mm² relative, &lt; \(mm(canal.absoluteAreaMM2)) mm² absolute stenosis (Schönström 1985, Hamanishi 1994), AP diameter &lt; \(mm(canal.relativeAPDiameterMM)) / &lt; \(mm(canal.absoluteAPDiameterMM)) mm (Verbiest 1954). Slip: Meyerding 1932 (I 5–25 %, II 25–50 %, III 50–75 %, IV 75–100 %, V &gt; 100 %). Foraminal grade (Lee 2010): "
        if report.discs.contains(where: { $0.foraminal != nil }) {
            let t = grading.foraminal
            s +=
                "a proxy from the foramen on the parasagittal plane through the pedicle, per side: grade (height [mm], area [mm²]); 1 below \(mm(t.mildHeightMM)) mm (Hasegawa 1995) or \(mm(t.mildAreaMM2)) mm², 2 below \(mm(t.moderateHeightMM)) mm or \(mm(t.moderateAreaMM2)) mm², 3 below \(mm(t.severeHeightMM)) mm or \(mm(t.severeAreaMM2)) mm², raised by perineural fat loss when fat is labelled (fat share below \(mm(100 * t.mildFatFraction)) % grade 1, below \(mm(100 * t.moderateFatFraction)) % grade 2).</p>"
        } else {
            s +=
                foraminalGrades.isEmpty ? "not measured for this label map (the findings say why).</p>" : "as given.</p>"
        }
        return s + "</section>\n"
    }

    /// "L 0 (21.5, 240) · R 1 (14.2, 150)": grade, height [mm] and area [mm²] per measured side.
    static func foraminalCell(_ f: AnalysisReport.ForaminalReport?) -> String? {
        guard let f, f.left != nil || f.right != nil else { return nil }
        return [("L", f.left), ("R", f.right)].map { side, r in
            r.map { "\(side) \($0.grade) (\(num($0.heightMM, 1)), \(num($0.areaMM2, 0)))" } ?? "\(side) —"
        }.joined(separator: " · ")
    }

    func imageSection() throws -> String {
        let e = HTMLText.escape
        let picture = image.converted(to: Float.self)
        let xs = (report.vertebrae.map(\.centroidLPS) + report.discs.map(\.centroidLPS)).map(\.x)
        let plane = ReportPlane.sagittal(
            of: picture.geometry, lateralLPS: xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count))
        let sagittal = OverlayImage(plane: plane, image: picture, labels: labels, style: style)
        var s = "<section id=\"images\"><h2>Segmentation overlay</h2><div class=\"figures\">"
        s +=
            "<figure class=\"sagittal\">"
            + overlaySVG(sagittal, uri: try sagittal.dataURI(), plane: plane, displayWidth: 460, names: true)
        s +=
            "<figcaption>Mid-sagittal plane (anterior left, superior up), \(String(format: "%.2f", plane.mmPerPixel)) mm per pixel.</figcaption></figure>"
        s += "</div>"
        s += legend()
        if includeAxialOverlays {
            var axial = ""
            for (name, d) in levelRows {
                guard let d, let level = DiscLevel(name: name) else { continue }
                let upper = report.vertebrae.first { $0.label == level.upper.name }?.centroidLPS
                let lower = report.vertebrae.first { $0.label == level.lower.name }?.centroidLPS
                var axis = (upper != nil && lower != nil) ? upper! - lower! : SIMD3<Double>(0, 0, 1)
                var source = picture, sourceLabels = labels
                let stack = axialStacks[name]
                if let stack {
                    // The stack's own slices: its normal, pointing up the spine.
                    let n = stack.image.geometry.direction.column(2)
                    axis = n.dot(axis) < 0 ? -n : n
                    source = stack.image.converted(to: Float.self)
                    sourceLabels = stack.labels
                }
                let p = ReportPlane.axial(centreLPS: d.centroidLPS, axisLPS: axis)
                // Skip planes that mostly miss the volume.
                let covered = p.sample(source).lazy.filter { $0 != nil }.count
                guard covered * 5 >= p.width * p.height else { continue }
                let o = OverlayImage(plane: p, image: source, labels: sourceLabels, style: style)
                axial +=
                    "<figure class=\"axial\" data-level=\"\(e(name))\"\(stack == nil ? "" : " data-source=\"axial-stack\"")>"
                    + overlaySVG(o, uri: try o.dataURI(), plane: p, displayWidth: 220, names: false)
                axial += "<figcaption>\(e(name))\(stack == nil ? "" : " (axial stack)")</figcaption></figure>"
            }
            if !axial.isEmpty {
                s += "<h3>Axial planes through the disc levels</h3><div class=\"figures\">\(axial)</div>"
                s +=
                    "<p class=\"legend\">Each plane is perpendicular to the spine at the disc's centre, resampled from the image above, or, marked \"axial stack\", a plane of the axial stack through the level with the axial model's segmentation (dural sac, epidural fat, disc, bone), on which the canal was graded; patient left on the right, anterior up.</p>"
            }
        }
        return s + "</section>\n"
    }

    /// The overlay PNG inside an SVG, with vertebra and disc names at their centroids (sagittal only).
    func overlaySVG(_ o: OverlayImage, uri: String, plane: ReportPlane, displayWidth: Int, names: Bool) -> String {
        let e = HTMLText.escape
        let w = o.width, h = o.height
        let displayHeight = Int((Double(displayWidth) * Double(h) / Double(w)).rounded())
        var s =
            "<svg class=\"overlay\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(w) \(h)\" width=\"\(displayWidth)\" height=\"\(displayHeight)\">"
        s += "<image href=\"\(uri)\" x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\"/>"
        if names {
            // About 13 CSS pixels whatever the image size.
            let size = 13 * Double(w) / Double(displayWidth)
            func inside(_ p: SIMD2<Double>) -> Bool { p.x >= 0 && p.y >= 0 && p.x < Double(w) && p.y < Double(h) }
            for v in report.vertebrae {
                let p = plane.pixel(worldLPS: v.centroidLPS)
                guard inside(p) else { continue }
                s +=
                    "<text class=\"vname\" x=\"\(String(format: "%.1f", p.x))\" y=\"\(String(format: "%.1f", p.y))\" font-size=\"\(String(format: "%.1f", size))\" text-anchor=\"middle\" dominant-baseline=\"middle\">\(e(v.label))</text>"
            }
            for d in report.discs {
                let p = plane.pixel(worldLPS: d.centroidLPS)
                guard inside(p) else { continue }
                let tx = max(size * 2.6, p.x - Double(w) * 0.16)
                s +=
                    "<line class=\"leader\" x1=\"\(String(format: "%.1f", tx + 2))\" y1=\"\(String(format: "%.1f", p.y))\" x2=\"\(String(format: "%.1f", p.x - size))\" y2=\"\(String(format: "%.1f", p.y))\" stroke-width=\"\(String(format: "%.2f", size / 10))\"/>"
                s +=
                    "<text class=\"dname\" x=\"\(String(format: "%.1f", tx))\" y=\"\(String(format: "%.1f", p.y))\" font-size=\"\(String(format: "%.1f", size * 0.85))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(e(d.level))</text>"
            }
        }
        return s + "</svg>"
    }

    func legend() -> String {
        let e = HTMLText.escape
        var entries: [(String, SIMD3<UInt8>)] = []
        switch labelKind {
        case .classes:
            let present = Set(report.input.labelValues)
            entries = StructureClass.allCases.filter { present.isEmpty || present.contains($0.rawValue) }.map {
                ($0.displayName, $0.displayRGB)
            }
        case .instances:
            entries = [
                ("Vertebrae (alternating)", SIMD3(241, 214, 145)), ("Sacrum", StructureClass.sacrum.displayRGB),
                ("Discs", StructureClass.intervertebralDisc.displayRGB),
            ]
        }
        var s = "<ul class=\"legend-swatches\">"
        for (name, c) in entries {
            s += "<li><span class=\"swatch\" style=\"background:rgb(\(c.x),\(c.y),\(c.z))\"></span>\(e(name))</li>"
        }
        return s + "</ul>"
    }

    func plotSection() -> String {
        let rows = levelRows
        let names = rows.map(\.name)
        func gradeColour(_ g: String?) -> String {
            switch g {
            case "normal": "#4c9a5b"
            case "mild", "mildlyDecreased": "#d8b235"
            case "moderate", "moderatelyDecreased": "#e07b28"
            case "severe", "severelyDecreased": "#c62f2f"
            default: "#8a8a8a"
            }
        }
        let canal = SVGBarChart(
            title: "Dural sac cross-sectional area per level", axisLabel: "area [mm²]", categories: names,
            values: rows.map { $0.disc?.canal?.areaMM2 }, colours: rows.map { gradeColour($0.disc?.canal?.grade) },
            thresholds: [
                .init(value: 100, label: "100 mm² relative", colour: "#e07b28"),
                .init(value: 75, label: "75 mm² absolute", colour: "#c62f2f"),
            ])
        let dhis = rows.compactMap { $0.disc?.discHeightIndex }
        let mean = dhis.isEmpty ? nil : dhis.reduce(0, +) / Double(dhis.count)
        let disc = SVGBarChart(
            title: "Disc height index per level", axisLabel: "DHI (ratio)", categories: names,
            values: rows.map { $0.disc?.discHeightIndex }, colours: rows.map { gradeColour($0.disc?.discHeightClass) },
            thresholds: mean.map { m in
                [
                    .init(value: 0.75 * m, label: "75 % of mean", colour: "#d8b235"),
                    .init(value: 0.5 * m, label: "50 % of mean", colour: "#e07b28"),
                ]
            } ?? [], valueFormat: "%.2f")
        return "<section id=\"plots\"><h2>Per-level plots</h2><div class=\"figures\">" + canal.render() + disc.render()
            + "</div></section>\n"
    }

    func vertebraTable() -> String {
        guard !report.vertebrae.isEmpty else { return "" }
        let e = HTMLText.escape
        var s =
            "<section id=\"vertebrae\"><h2>Vertebrae</h2><table class=\"vertebrae\"><thead><tr><th>Vertebra</th><th>ant. [mm]</th><th>mid. [mm]</th><th>post. [mm]</th><th>wedge [°]</th><th>height loss</th><th>Genant</th><th>volume [cm³]</th></tr></thead><tbody>"
        for v in report.vertebrae {
            s +=
                "<tr><th scope=\"row\">\(e(v.label))</th><td>\(Self.num(v.anteriorHeightMM, 1))</td><td>\(Self.num(v.middleHeightMM, 1))</td><td>\(Self.num(v.posteriorHeightMM, 1))</td><td>\(Self.num(v.wedgeAngleDeg, 1))</td><td>\(Self.num(v.heightReduction.map { $0 * 100 }, 0))\(v.heightReduction == nil ? "" : " %")</td><td>\(v.genantGrade.map(String.init) ?? "—")</td><td>\(Self.num(v.volumeMM3 / 1000, 1))</td></tr>"
        }
        return s
            + "</tbody></table><p class=\"legend\">Genant grade from the height reduction: 0 &lt; 20 %, 1 20–25 %, 2 25–40 %, 3 &gt; 40 % (Genant 1993).</p></section>\n"
    }

    func aboutSection() -> String {
        let e = HTMLText.escape
        var s = "<section id=\"about\"><h2>About this report</h2><ul>"
        for n in notes { s += "<li>\(e(n))</li>" }
        s +=
            "<li>Measurements are automated from the segmentation shown above; check them against the images before clinical use.</li>"
        s += "</ul></section>\n"
        return s
    }

    // MARK: Helpers

    /// Colour and fill opacity of a label value: the spine's structures filled, the tissues around them
    /// (muscle, fat, other soft tissue) mostly outlined so that the image stays readable.
    func style(_ value: UInt8) -> (rgb: SIMD3<UInt8>, fill: Double)? {
        guard let c = colour(value) else { return nil }
        if labelKind == .classes, let cls = StructureClass(rawValue: Int(value)),
            [.paraspinalMuscle, .subcutaneousFat, .otherSoftTissue, .epiduralFat].contains(cls)
        {
            return (c, 0.12)
        }
        return (c, 0.38)
    }

    /// The overlay colour of a label value.
    func colour(_ value: UInt8) -> SIMD3<UInt8>? {
        switch labelKind {
        case .classes:
            return StructureClass(rawValue: Int(value))?.displayRGB
        case .instances:
            let v = Int(value)
            if v == 26 { return StructureClass.sacrum.displayRGB }
            if v > 100 { return v % 2 == 0 ? SIMD3(70, 150, 255) : SIMD3(40, 95, 215) }
            if Vertebra(verseLabel: v) != nil { return v % 2 == 0 ? SIMD3(241, 214, 145) : SIMD3(225, 170, 95) }
            return SIMD3(150, 150, 150)
        }
    }

    static func num(_ v: Double?, _ digits: Int) -> String {
        guard let v, v.isFinite else { return "—" }
        return String(format: "%.\(digits)f", v)
    }

    /// "mildlyDecreased" → "mildly decreased".
    static func words(_ camel: String) -> String {
        var out = ""
        for c in camel {
            if c.isUppercase { out += " " + c.lowercased() } else { out.append(c) }
        }
        return out
    }

    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1d2329;padding:0 16px}
        h1{font-size:22px;margin:0}h2{font-size:18px;border-bottom:1px solid #d5dbe1;padding-bottom:4px;margin-top:28px}h3{font-size:15px}
        .sub{color:#5b6670;margin:4px 0 0}
        ul.summary{list-style:none;padding:0}ul.summary li{padding:6px 10px;margin:4px 0;border-left:4px solid #8a8a8a;background:#f5f7f9}
        ul.summary li.ok{border-color:#4c9a5b}ul.summary li.alert{border-color:#c62f2f;background:#fdf1f1}ul.summary li.info{border-color:#3b78c4}
        ul.findings li{margin:3px 0}.badge{display:inline-block;font-size:11px;text-transform:uppercase;padding:1px 6px;border-radius:3px;background:#e4e8ec}
        ul.findings li.warning .badge{background:#f7d774}ul.findings li.error .badge{background:#f19a9a}
        table{border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{border:1px solid #d5dbe1;padding:4px 8px;text-align:right}
        thead th{background:#eef1f4;text-align:center}tbody th{text-align:left}td.missing{color:#8a8a8a;text-align:left;font-style:italic}
        .grade-normal{color:#2f7a3f}.grade-mild,.grade-mildlyDecreased{color:#9a7a00}.grade-moderate,.grade-moderatelyDecreased{color:#c25d0c;font-weight:600}
        .grade-severe,.grade-severelyDecreased,.grade-slip{color:#b01f1f;font-weight:700}
        .legend{color:#5b6670;font-size:12px}.figures{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
        figure{margin:0}figcaption{font-size:12px;color:#5b6670;max-width:460px}figure.axial figcaption{font-weight:600;color:#1d2329;text-align:center}
        svg.overlay{background:#000;display:block}svg.overlay text{font-family:system-ui,sans-serif;font-weight:700;paint-order:stroke;stroke:#000;stroke-width:0.35em}
        svg.overlay text.vname{fill:#fff}svg.overlay text.dname{fill:#9fd0ff}svg.overlay line.leader{stroke:#9fd0ff}
        ul.legend-swatches{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px}
        .swatch{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-2px;border:1px solid #0003}
        svg.chart{font-family:system-ui,sans-serif;background:#fff}svg.chart .chart-title{font-weight:600;font-size:13px}
        svg.chart .tick,svg.chart .axis,svg.chart .value,svg.chart .threshold-label{font-size:11px}svg.chart .missing{fill:#8a8a8a}
        svg.chart .grid{stroke:#e4e8ec}svg.chart .threshold{stroke-dasharray:5 4;stroke-width:1.5}svg.chart .axis-line{stroke:#5b6670}
        @media print{body{margin:0}}
        """
}
