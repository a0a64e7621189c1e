import Foundation
import SpineImaging

/// An 8-bit greyscale picture for previews and documentation figures.
public struct PreviewImage: Sendable {
    public var width: Int
    public var height: Int
    /// Rows top to bottom.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The middle sagittal slice of a volume in radiological display: superior up, anterior left,
    /// resampled (nearest) to `mmPerPixel`, windowed from the 0.5th to the 99.5th percentile.
    /// The slice axis is the voxel axis closest to left–right.
    public static func midSagittal<S: VoxelScalar>(_ v: Volume<S>, mmPerPixel: Double = 1) -> PreviewImage {
        Slice.sagittal(v.geometry, mmPerPixel: mmPerPixel).image(v)
    }

    /// Which voxel each pixel of a displayed slice shows (nearest neighbour), so that an image and its label map
    /// on the same grid are displayed alike.
    public struct Slice: Sendable {
        public var width: Int
        public var height: Int
        /// Voxel index per pixel, rows top to bottom.
        public var indices: [SIMD3<Int>]

        /// Rows run along world axis `down` (0 x, 1 y, 2 z of LPS) toward + when `downSign` > 0, columns along
        /// `right`; the remaining voxel axis is fixed at `slice` (nil: its middle). The voxel axes are those closest
        /// to the world axes (`ImageGeometry.axisCodes`).
        public init(
            _ g: ImageGeometry, down: Int, downSign: Int, right: Int, rightSign: Int, slice: Int?, mmPerPixel: Double
        ) {
            let codes = g.axisCodes
            let rowAxis = (0..<3).first { codes.worldAxis[$0] == down }!
            let colAxis = (0..<3).first { codes.worldAxis[$0] == right }!
            let fixed = 3 - rowAxis - colAxis
            let size = g.size, sp = g.spacing
            height = Int(Double(size[rowAxis]) * sp[rowAxis] / mmPerPixel)
            width = Int(Double(size[colAxis]) * sp[colAxis] / mmPerPixel)
            var idx = SIMD3<Int>(0, 0, 0)
            idx[fixed] = min(max(slice ?? size[fixed] / 2, 0), size[fixed] - 1)
            var out: [SIMD3<Int>] = []
            out.reserveCapacity(width * height)
            for r in 0..<height {
                let fr = min(Int(Double(r) * mmPerPixel / sp[rowAxis]), size[rowAxis] - 1)
                idx[rowAxis] = codes.sign[rowAxis] == downSign ? fr : size[rowAxis] - 1 - fr
                for c in 0..<width {
                    let fc = min(Int(Double(c) * mmPerPixel / sp[colAxis]), size[colAxis] - 1)
                    idx[colAxis] = codes.sign[colAxis] == rightSign ? fc : size[colAxis] - 1 - fc
                    out.append(idx)
                }
            }
            indices = out
        }

        /// The middle sagittal slice: superior up, anterior left.
        public static func sagittal(_ g: ImageGeometry, mmPerPixel: Double = 1) -> Slice {
            Slice(g, down: 2, downSign: -1, right: 1, rightSign: 1, slice: nil, mmPerPixel: mmPerPixel)
        }

        /// An axial slice (`slice` along the voxel axis closest to superior–inferior; nil: the middle one) in
        /// radiological display: anterior up, the patient's right at the viewer's left.
        public static func axial(_ g: ImageGeometry, slice: Int? = nil, mmPerPixel: Double = 1) -> Slice {
            Slice(g, down: 1, downSign: 1, right: 0, rightSign: 1, slice: slice, mmPerPixel: mmPerPixel)
        }

        /// The slice of `v`, windowed from the 0.5th to the 99.5th percentile.
        public func image<S: VoxelScalar>(_ v: Volume<S>) -> PreviewImage {
            let values = indices.map { v[$0.x, $0.y, $0.z].doubleValue }
            let sorted = values.sorted()
            let lo = sorted.isEmpty ? 0 : sorted[Int(Double(sorted.count - 1) * 0.005)]
            let hi = sorted.isEmpty ? 1 : max(sorted[Int(Double(sorted.count - 1) * 0.995)], lo + 1e-9)
            return PreviewImage(
                width: width, height: height,
                pixels: values.map { UInt8(clamping: Int(((($0 - lo) / (hi - lo)) * 255).rounded())) })
        }

        /// The labels of `v` on this slice, unchanged.
        public func labels(_ v: Volume<UInt8>) -> [UInt8] { indices.map { v[$0.x, $0.y, $0.z] } }
    }

    /// A radiograph for display (more attenuation brighter), each pixel the mean of `binning`² detector pixels.
    public init(_ r: Radiograph, binning: Int) {
        let b = max(1, binning)
        let w = r.columns / b, h = r.rows / b
        var px = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var sum = 0
                for dy in 0..<b {
                    for dx in 0..<b { sum += Int(r.pixels[(y * b + dy) * r.columns + x * b + dx]) }
                }
                px[y * w + x] = UInt8((sum * 255 + 4095 * b * b / 2) / (4095 * b * b))
            }
        }
        self.init(width: w, height: h, pixels: px)
    }

    /// Images side by side, top-aligned, with a black gap.
    public static func sideBySide(_ images: [PreviewImage], gap: Int = 6) -> PreviewImage {
        let h = images.map(\.height).max() ?? 0
        let w = images.map(\.width).reduce(0, +) + gap * max(images.count - 1, 0)
        var px = [UInt8](repeating: 0, count: w * h)
        var x0 = 0
        for im in images {
            for r in 0..<im.height {
                for c in 0..<im.width { px[r * w + x0 + c] = im.pixels[r * im.width + c] }
            }
            x0 += im.width + gap
        }
        return PreviewImage(width: w, height: h, pixels: px)
    }

    /// Writes the picture as a PNG file.
    public func writePNG(to path: String) throws {
        // Atomic: PNGWriter writes through FileIO.writeAtomically, which replaces an existing file by rename(2).
        try PNGWriter.write(width: width, height: height, channels: 1, samples: pixels, to: path)
    }
}
