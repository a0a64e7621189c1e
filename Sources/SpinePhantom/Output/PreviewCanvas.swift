import Foundation
import SpineImaging

/// An 8-bit RGB picture to draw truth on for documentation figures: label outlines, landmarks, boxes and
/// captions in a 5×7 bitmap font. Drawing clips at the edges; nothing here depends on the system's fonts,
/// so the same inputs give the same bytes everywhere.
public struct PreviewCanvas: Sendable {
    public var width: Int
    public var height: Int
    /// Interleaved RGB, rows top to bottom.
    public var pixels: [UInt8]

    public typealias Colour = (r: UInt8, g: UInt8, b: UInt8)

    /// A black canvas.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
    }

    /// The grey picture in colour.
    public init(_ grey: PreviewImage) {
        width = grey.width
        height = grey.height
        pixels = grey.pixels.flatMap { [$0, $0, $0] }
    }

    @inline(__always) public mutating func set(_ x: Int, _ y: Int, _ c: Colour) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let q = 3 * (y * width + x)
        pixels[q] = c.r
        pixels[q + 1] = c.g
        pixels[q + 2] = c.b
    }

    /// Draws the boundary of each nonzero label in `labels` (`width`×`height`, rows top to bottom): a pixel whose
    /// 4-neighbour has another value, in the colour `colour(label)` gives (nil: not drawn).
    public mutating func outline(labels: [UInt8], colour: (UInt8) -> Colour?) {
        precondition(labels.count == width * height)
        for y in 0..<height {
            for x in 0..<width {
                let l = labels[y * width + x]
                guard l != 0, let c = colour(l) else { continue }
                let edge =
                    x == 0 || y == 0 || x == width - 1 || y == height - 1 || labels[y * width + x - 1] != l
                    || labels[y * width + x + 1] != l || labels[(y - 1) * width + x] != l
                    || labels[(y + 1) * width + x] != l
                if edge { set(x, y, c) }
            }
        }
    }

    /// A straight line between two points [pixels], one pixel wide.
    public mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ c: Colour) {
        let n = max(1, Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)))
        for s in 0...n {
            let t = Double(s) / Double(n)
            set(Int((x0 + (x1 - x0) * t).rounded()), Int((y0 + (y1 - y0) * t).rounded()), c)
        }
    }

    /// The outline of a box `[xMin, yMin, xMax, yMax]` [pixels].
    public mutating func rectangle(_ b: [Double], _ c: Colour) {
        line(b[0], b[1], b[2], b[1], c)
        line(b[2], b[1], b[2], b[3], c)
        line(b[2], b[3], b[0], b[3], c)
        line(b[0], b[3], b[0], b[1], c)
    }

    /// A small filled square centred on a point.
    public mutating func dot(_ x: Double, _ y: Double, radius: Int = 1, _ c: Colour) {
        let cx = Int(x.rounded()), cy = Int(y.rounded())
        for dy in -radius...radius {
            for dx in -radius...radius { set(cx + dx, cy + dy, c) }
        }
    }

    /// Text in the 5×7 font with its top-left corner at (x, y), each font pixel `scale`² pixels, on a black band.
    /// Letters are shown in upper case; characters the font lacks are drawn as spaces.
    public mutating func text(_ s: String, x: Int, y: Int, scale: Int = 1, _ c: Colour) {
        let chars = Array(s.uppercased())
        let advance = 6 * scale
        for yy in (y - scale)..<(y + 8 * scale) {
            for xx in (x - scale)..<(x + chars.count * advance) { set(xx, yy, (0, 0, 0)) }
        }
        for (n, ch) in chars.enumerated() {
            guard let rows = Self.font[ch] else { continue }
            for (r, row) in rows.enumerated() {
                for (k, bit) in row.enumerated() where bit == "#" {
                    for dy in 0..<scale {
                        for dx in 0..<scale { set(x + n * advance + k * scale + dx, y + r * scale + dy, c) }
                    }
                }
            }
        }
    }

    /// Width [pixels] of `text` at `scale`.
    public static func textWidth(_ s: String, scale: Int = 1) -> Int { s.count * 6 * scale }

    /// Canvases side by side, top-aligned, on black, `gap` pixels apart.
    public static func sideBySide(_ canvases: [PreviewCanvas], gap: Int = 6) -> PreviewCanvas {
        let h = canvases.map(\.height).max() ?? 0
        let w = canvases.map(\.width).reduce(0, +) + gap * max(canvases.count - 1, 0)
        var out = PreviewCanvas(width: w, height: h)
        var x0 = 0
        for c in canvases {
            for r in 0..<c.height {
                let src = 3 * r * c.width, dst = 3 * (r * w + x0)
                out.pixels.replaceSubrange(dst..<(dst + 3 * c.width), with: c.pixels[src..<(src + 3 * c.width)])
            }
            x0 += c.width + gap
        }
        return out
    }

    /// This canvas with a black band of `rows` pixels added below (for a legend).
    public func padded(bottom rows: Int) -> PreviewCanvas {
        var out = PreviewCanvas(width: width, height: height + rows)
        out.pixels.replaceSubrange(0..<pixels.count, with: pixels)
        return out
    }

    /// Writes the picture as an RGB PNG file.
    public func writePNG(to path: String) throws {
        // Atomic: PNGWriter writes through FileIO.writeAtomically, which replaces an existing file by rename(2).
        try PNGWriter.write(width: width, height: height, channels: 3, samples: pixels, to: path)
    }

    /// Upper-case letters, digits and a little punctuation, 5×7, rows top to bottom.
    static let font: [Character: [String]] = [
        "A": [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        "B": ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."],
        "C": [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."],
        "D": ["####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."],
        "E": ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
        "F": ["#####", "#....", "#....", "####.", "#....", "#....", "#...."],
        "G": [".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"],
        "H": ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        "I": [".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."],
        "J": ["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."],
        "K": ["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"],
        "L": ["#....", "#....", "#....", "#....", "#....", "#....", "#####"],
        "M": ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"],
        "N": ["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"],
        "O": [".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
        "P": ["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."],
        "Q": [".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"],
        "R": ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"],
        "S": [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
        "T": ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
        "U": ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
        "V": ["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
        "W": ["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."],
        "X": ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"],
        "Y": ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."],
        "Z": ["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"],
        "0": [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
        "1": ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
        "2": [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
        "3": ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
        "4": ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
        "5": ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
        "6": ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
        "7": ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
        "8": [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
        "9": [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
        "-": [".....", ".....", ".....", "#####", ".....", ".....", "....."],
        ".": [".....", ".....", ".....", ".....", ".....", ".##..", ".##.."],
        ":": [".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."],
        "/": [".....", "....#", "...#.", "..#..", ".#...", "#....", "....."],
        "(": ["...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."],
        ")": [".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."],
        "+": [".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."],
        ",": [".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."],
        "=": [".....", ".....", "#####", ".....", "#####", ".....", "....."],
    ]
}
