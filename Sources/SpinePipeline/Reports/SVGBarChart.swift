import Foundation

/// A bar chart as inline SVG: one bar per category, dashed horizontal threshold lines, axis in the
/// value's unit; missing values are marked "n/a". All text is escaped.
struct SVGBarChart: Sendable {
    struct Threshold: Sendable {
        var value: Double
        var label: String
        var colour: String
    }

    var title: String
    /// Axis label with its unit, e.g. "area [mm²]".
    var axisLabel: String
    var categories: [String]
    var values: [Double?]
    /// CSS colour per bar.
    var colours: [String]
    var thresholds: [Threshold] = []
    var valueFormat = "%.0f"
    /// Width [px] for up to `categories.count × minimumSlotWidth` of plot; wider when there are more categories.
    var width = 560
    var height = 260
    /// Narrowest slot per category [px] that keeps names like "T10-T11" at 11 px apart.
    static let minimumSlotWidth = 60.0

    func render() -> String {
        let left = 62.0, right = 150.0, top = 34.0, bottom = 36.0
        let width = max(self.width, Int((left + right + Self.minimumSlotWidth * Double(categories.count)).rounded(.up)))
        let plotW = Double(width) - left - right, plotH = Double(height) - top - bottom
        let top0 = max(values.compactMap { $0 }.max() ?? 0, thresholds.map(\.value).max() ?? 0, 1e-9) * 1.15
        let step = Self.niceStep(top0 / 5)
        let yMax = (top0 / step).rounded(.up) * step
        func y(_ v: Double) -> Double { top + plotH * (1 - v / yMax) }
        let e = HTMLText.escape
        var s =
            "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(e(title))\">"
        s += "<title>\(e(title))</title>"
        s += "<text x=\"\(left)\" y=\"20\" class=\"chart-title\">\(e(title))</text>"
        // Grid and axis.
        var v = 0.0
        while v <= yMax + step / 2 {
            let yy = f(y(v))
            s += "<line x1=\"\(f(left))\" y1=\"\(yy)\" x2=\"\(f(left + plotW))\" y2=\"\(yy)\" class=\"grid\"/>"
            s +=
                "<text x=\"\(f(left - 6))\" y=\"\(yy)\" class=\"tick\" text-anchor=\"end\" dominant-baseline=\"middle\">\(e(String(format: "%g", v)))</text>"
            v += step
        }
        s +=
            "<text transform=\"translate(16 \(f(top + plotH / 2))) rotate(-90)\" class=\"axis\" text-anchor=\"middle\">\(e(axisLabel))</text>"
        // Bars.
        let n = max(categories.count, 1)
        let slot = plotW / Double(n), barW = slot * 0.6
        for (i, name) in categories.enumerated() {
            let cx = left + slot * (Double(i) + 0.5)
            if let value = values[i], value.isFinite {
                let yy = y(max(0, value))
                s +=
                    "<rect class=\"bar\" x=\"\(f(cx - barW / 2))\" y=\"\(f(yy))\" width=\"\(f(barW))\" height=\"\(f(top + plotH - yy))\" fill=\"\(e(colours[i]))\"><title>\(e(name)): \(e(String(format: valueFormat, value)))</title></rect>"
                s +=
                    "<text x=\"\(f(cx))\" y=\"\(f(yy - 4))\" class=\"value\" text-anchor=\"middle\">\(e(String(format: valueFormat, value)))</text>"
            } else {
                s +=
                    "<text x=\"\(f(cx))\" y=\"\(f(top + plotH - 6))\" class=\"value missing\" text-anchor=\"middle\">n/a</text>"
            }
            s +=
                "<text x=\"\(f(cx))\" y=\"\(f(top + plotH + 16))\" class=\"tick\" text-anchor=\"middle\">\(e(name))</text>"
        }
        // Thresholds over the bars.
        for t in thresholds where t.value.isFinite && t.value <= yMax {
            let yy = f(y(t.value))
            s +=
                "<line x1=\"\(f(left))\" y1=\"\(yy)\" x2=\"\(f(left + plotW))\" y2=\"\(yy)\" class=\"threshold\" stroke=\"\(e(t.colour))\"/>"
            s +=
                "<text x=\"\(f(left + plotW + 6))\" y=\"\(yy)\" class=\"threshold-label\" fill=\"\(e(t.colour))\" dominant-baseline=\"middle\">\(e(t.label))</text>"
        }
        s +=
            "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" class=\"axis-line\"/>"
        return s + "</svg>"
    }

    /// 1, 2 or 5 × 10ⁿ, the smallest not below `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let p = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * p >= raw { return m * p }
        return 10 * p
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
