import Foundation
import SpineImaging

/// An RGB picture of one plane: the image in grey with labels in colour, semi-transparent inside and
/// opaque along their borders, so the anatomy stays visible under the segmentation.
struct OverlayImage: Sendable {
    var width: Int
    var height: Int
    /// Interleaved RGB, rows top to bottom.
    var rgb: [UInt8]

    /// - Parameters:
    ///   - image: grey values, windowed from the 0.5th to the 99.5th percentile of the plane's samples.
    ///   - labels: label map (any grid; sampled in patient space), or nil for the image alone.
    ///   - style: colour and fill opacity (0…1) of a label value, nil to leave it uncoloured; borders are drawn at 0.9.
    init(
        plane: ReportPlane, image: Volume<Float>, labels: Volume<UInt8>?,
        style: (UInt8) -> (rgb: SIMD3<UInt8>, fill: Double)?
    ) {
        width = plane.width
        height = plane.height
        let grey = plane.sample(image)
        let inside = grey.compactMap { $0 }.sorted()
        let lo = inside.isEmpty ? 0 : Double(inside[Int(Double(inside.count - 1) * 0.005)])
        let hi = inside.isEmpty ? 1 : max(Double(inside[Int(Double(inside.count - 1) * 0.995)]), lo + 1e-6)
        let lab = labels.map { plane.sample($0) } ?? Array(repeating: nil, count: width * height)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let p = y * width + x
                let g = grey[p].map { min(255, max(0, (Double($0) - lo) / (hi - lo) * 255)) } ?? 0
                var out = SIMD3<Double>(repeating: g)
                if let l = lab[p], l != 0, let (c, fill) = style(l) {
                    func other(_ q: Int) -> Bool { (lab[q] ?? 0) != l }
                    let border =
                        (x > 0 && other(p - 1)) || (x + 1 < width && other(p + 1))
                        || (y > 0 && other(p - width)) || (y + 1 < height && other(p + width))
                    let a = border ? 0.9 : fill
                    out = out * (1 - a) + SIMD3<Double>(Double(c.x), Double(c.y), Double(c.z)) * a
                }
                rgb[p * 3] = UInt8(out.x.rounded())
                rgb[p * 3 + 1] = UInt8(out.y.rounded())
                rgb[p * 3 + 2] = UInt8(out.z.rounded())
            }
        }
        self.rgb = rgb
    }

    func png() throws -> [UInt8] { try PNGWriter.encode(width: width, height: height, channels: 3, samples: rgb) }

    /// `data:image/png;base64,…`
    func dataURI() throws -> String { "data:image/png;base64," + Data(try png()).base64EncodedString() }
}
