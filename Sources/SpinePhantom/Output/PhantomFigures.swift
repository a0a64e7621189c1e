import SpineImaging

/// The documentation figures of a phantom (docs/Phantom.md): its images with their truth drawn on them.
///
/// Every figure is a pure function of the rendered study or radiographs, so the same seed gives the same PNG.
public enum PhantomFigures {
    public typealias Colour = PreviewCanvas.Colour

    /// Outline colour of each structure class (label value 1–10); other soft tissue (11) is not outlined.
    public static let classColours: [UInt8: Colour] = [
        1: (230, 60, 60),  // vertebral body
        2: (255, 150, 40),  // posterior elements
        3: (40, 220, 230),  // intervertebral disc
        4: (60, 110, 255),  // spinal canal
        5: (250, 240, 60),  // cauda equina
        6: (160, 255, 120),  // epidural fat
        7: (255, 110, 200),  // sacrum
        8: (170, 120, 80),  // paraspinal muscle
        9: (200, 200, 200),  // subcutaneous fat
        10: (200, 60, 255),  // blood vessels
    ]

    /// Box colour of each VinDr-SpineXR lesion class.
    public static func colour(_ c: RadiographTruth.LesionClass) -> Colour {
        switch c {
        case .osteophytes: (255, 150, 40)
        case .surgicalImplant: (255, 60, 255)
        case .spondylolisthesis: (255, 60, 60)
        case .foraminalStenosis: (60, 230, 60)
        case .discSpaceNarrowing: (250, 240, 60)
        case .vertebralCollapse: (60, 200, 255)
        case .otherLesions: (255, 255, 255)
        }
    }

    static let bodyOutline: Colour = (60, 230, 230)
    static let landmark: Colour = (255, 255, 0)
    static let title: Colour = (255, 255, 255)

    /// A legend of the class colours in a band under `canvas`.
    static func withClassLegend(_ canvas: PreviewCanvas) -> PreviewCanvas {
        let entries = StructureClass.allCases.filter { classColours[$0.labelValue] != nil }
        var rows: [[StructureClass]] = [[]]
        var x = 4
        for c in entries {
            let w = PreviewCanvas.textWidth(c.displayName) + 14
            if x + w > canvas.width, !rows[rows.count - 1].isEmpty {
                rows.append([])
                x = 4
            }
            rows[rows.count - 1].append(c)
            x += w
        }
        var out = canvas.padded(bottom: 12 * rows.count + 4)
        for (n, row) in rows.enumerated() {
            var x = 4
            let y = canvas.height + 4 + 12 * n
            for c in row {
                let colour = classColours[c.labelValue]!
                for dy in 0..<7 {
                    for dx in 0..<7 { out.set(x + dx, y + dy, colour) }
                }
                out.text(c.displayName, x: x + 10, y: y, colour)
                x += PreviewCanvas.textWidth(c.displayName) + 14
            }
        }
        return out
    }

    /// Mid-sagittal T1, T2 and STIR of a study (as rendered), then the T2 slice with the outline of each
    /// structure class of the label map, and a legend.
    public static func sagittal(_ study: MRStudy, mmPerPixel: Double = 1) -> PreviewCanvas {
        let series = study.sagittal
        let slice = PreviewImage.Slice.sagittal(series.rendered.classLabels.geometry, mmPerPixel: mmPerPixel)
        var panels: [PreviewCanvas] = []
        for (q, seq) in series.sequences.enumerated() {
            var c = PreviewCanvas(slice.image(series.rendered.images[q]))
            c.text(seq.name, x: 4, y: 4, scale: 2, title)
            panels.append(c)
        }
        let t2 = series.sequences.firstIndex { $0.name == "T2" } ?? 0
        var overlay = PreviewCanvas(slice.image(series.rendered.images[t2]))
        overlay.outline(labels: slice.labels(series.rendered.classLabels)) { classColours[$0] }
        overlay.text("\(series.sequences[t2].name) + CLASSES", x: 4, y: 4, scale: 2, title)
        panels.append(overlay)
        return withClassLegend(PreviewCanvas.sideBySide(panels))
    }

    /// The middle slice of an axial stack, plain and with its class outlines, and a legend.
    public static func axial(_ series: MRSeries, mmPerPixel: Double = 0.75) -> PreviewCanvas {
        let slice = PreviewImage.Slice.axial(series.rendered.classLabels.geometry, mmPerPixel: mmPerPixel)
        let image = slice.image(series.rendered.images[0])
        var plain = PreviewCanvas(image)
        let name = "\(series.sequences[0].name) \(series.discLevel?.name ?? series.name)"
        plain.text(name, x: 4, y: 4, scale: 2, title)
        var overlay = PreviewCanvas(image)
        overlay.outline(labels: slice.labels(series.rendered.classLabels)) { classColours[$0] }
        overlay.text("+ CLASSES", x: 4, y: 4, scale: 2, title)
        return withClassLegend(PreviewCanvas.sideBySide([plain, overlay]))
    }

    /// A radiograph binned `binning`×`binning` with its truth: the outline of each projected vertebral body, its
    /// name, its four corner landmarks (lateral views) and every lesion box with its class and level.
    public static func radiograph(_ r: Radiograph, binning: Int, overlay: Bool = true) -> PreviewCanvas {
        let b = Double(max(1, binning))
        var c = PreviewCanvas(PreviewImage(r, binning: binning))
        // Detector pixel (x, y) → canvas pixel.
        func at(_ p: [Double]) -> (Double, Double) { ((p[0] + 0.5) / b - 0.5, (p[1] + 0.5) / b - 0.5) }
        let t = r.truth
        c.text(r.view == .anteroposterior ? "AP" : r.view == .lateral ? "LATERAL" : "C-SPINE", x: 4, y: 4, scale: 2, title)
        guard overlay else { return c }
        var labels = [UInt8](repeating: 0, count: c.width * c.height)
        let k = max(1, binning)
        for y in 0..<c.height {
            for x in 0..<c.width { labels[y * c.width + x] = r.bodyLabels[(y * k + k / 2) * r.columns + x * k + k / 2] }
        }
        c.outline(labels: labels) { _ in bodyOutline }
        for v in t.vertebrae {
            for p in v.corners?.all ?? [] {
                let q = at(p)
                c.dot(q.0, q.1, radius: 1, landmark)
            }
            let q = at(v.centre)
            c.text(v.name.name, x: Int(q.0) - 5, y: Int(q.1) - 3, bodyOutline)
        }
        for lesion in t.lesions {
            for box in lesion.boxes {
                let lo = at([box.box[0], box.box[1]]), hi = at([box.box[2], box.box[3]])
                let colour = colour(lesion.lesionClass)
                c.rectangle([lo.0, lo.1, hi.0, hi.1], colour)
                let caption = "\(lesion.lesionClass.rawValue) \(box.level)"
                // Above the box, or below it at the top edge.
                let x = min(Int(lo.0), c.width - PreviewCanvas.textWidth(caption) - 1)
                let y = Int(lo.1) - 10 >= 1 ? Int(lo.1) - 10 : Int(hi.1) + 3
                c.text(caption, x: max(x, 1), y: y, colour)
            }
        }
        return c
    }
}
