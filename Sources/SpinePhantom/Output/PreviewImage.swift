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
        let codes = v.geometry.axisCodes
        let si = (0..<3).first { codes.worldAxis[$0] == 2 }!
        let ap = (0..<3).first { codes.worldAxis[$0] == 1 }!
        let lr = (0..<3).first { codes.worldAxis[$0] == 0 }!
        let size = v.geometry.size, sp = v.geometry.spacing
        let h = Int(Double(size[si]) * sp[si] / mmPerPixel), w = Int(Double(size[ap]) * sp[ap] / mmPerPixel)
        var values = [Double](repeating: 0, count: w * h)
        for r in 0..<h {
            var idx = SIMD3<Int>(0, 0, 0)
            idx[lr] = size[lr] / 2
            let fr = min(Int(Double(r) * mmPerPixel / sp[si]), size[si] - 1)
            idx[si] = codes.sign[si] > 0 ? size[si] - 1 - fr : fr  // superior at the top
            for c in 0..<w {
                let fc = min(Int(Double(c) * mmPerPixel / sp[ap]), size[ap] - 1)
                idx[ap] = codes.sign[ap] > 0 ? fc : size[ap] - 1 - fc  // anterior at the left
                values[r * w + c] = v[idx.x, idx.y, idx.z].doubleValue
            }
        }
        let sorted = values.sorted()
        let lo = sorted[Int(Double(sorted.count - 1) * 0.005)],
            hi = max(sorted[Int(Double(sorted.count - 1) * 0.995)], lo + 1e-9)
        return PreviewImage(
            width: w, height: h, pixels: values.map { UInt8(clamping: Int(((($0 - lo) / (hi - lo)) * 255).rounded())) })
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
        // FileIO.writeAtomically cannot overwrite an existing file on Linux yet: remove it first.
        if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
        try PNGWriter.write(width: width, height: height, channels: 1, samples: pixels, to: path)
    }
}
