import Foundation
import SpineImaging

/// A rectangle of pixels placed in patient space, on which the report samples volumes (nearest voxel).
///
/// Pixel (x, y) lies at `originLPS + x · mmPerPixel · rightLPS + y · mmPerPixel · downLPS` [mm, LPS];
/// rows run top to bottom.
struct ReportPlane: Sendable {
    var originLPS: SIMD3<Double>
    /// Unit vector along +x (image right).
    var rightLPS: SIMD3<Double>
    /// Unit vector along +y (image down).
    var downLPS: SIMD3<Double>
    var mmPerPixel: Double
    var width: Int
    var height: Int

    func worldLPS(x: Double, y: Double) -> SIMD3<Double> {
        originLPS + rightLPS * (x * mmPerPixel) + downLPS * (y * mmPerPixel)
    }

    /// Pixel coordinates of the projection of a world point onto the plane.
    func pixel(worldLPS p: SIMD3<Double>) -> SIMD2<Double> {
        let d = p - originLPS
        return SIMD2(d.dot(rightLPS) / mmPerPixel, d.dot(downLPS) / mmPerPixel)
    }

    /// Distance of a world point from the plane [mm].
    func distance(worldLPS p: SIMD3<Double>) -> Double { abs((p - originLPS).dot(rightLPS.cross(downLPS))) }

    /// Samples a volume at every pixel (nearest voxel); nil outside the volume.
    func sample<S: VoxelScalar>(_ volume: Volume<S>) -> [S?] {
        let g = volume.geometry
        guard let inverse = g.indexToWorldLinear.inverse else { return Array(repeating: nil, count: width * height) }
        var out = [S?](repeating: nil, count: width * height)
        let di = inverse * (rightLPS * mmPerPixel), dj = inverse * (downLPS * mmPerPixel)
        let start = inverse * (originLPS - g.origin)
        for y in 0..<height {
            var ijk = start + dj * Double(y)
            for x in 0..<width {
                let i = Int(ijk.x.rounded()), j = Int(ijk.y.rounded()), k = Int(ijk.z.rounded())
                if i >= 0, j >= 0, k >= 0, i < g.size.x, j < g.size.y, k < g.size.z {
                    out[y * width + x] = volume.voxels[g.linearIndex(i, j, k)]
                }
                ijk += di
            }
        }
        return out
    }

    /// The mid-sagittal plane of a volume in radiological display: superior up, anterior left, through
    /// `lateralLPS` (x) when given, else the volume's centre; at most `maxPixels` along either side.
    static func sagittal(of g: ImageGeometry, lateralLPS: Double?, maxPixels: Int = 560) -> ReportPlane {
        let corners = g.cornersLPS
        let ys = corners.map(\.y), zs = corners.map(\.z), xs = corners.map(\.x)
        let (yMin, yMax) = (ys.min() ?? 0, ys.max() ?? 0), (zMin, zMax) = (zs.min() ?? 0, zs.max() ?? 0)
        let x = lateralLPS ?? ((xs.min() ?? 0) + (xs.max() ?? 0)) / 2
        let extent = max(yMax - yMin, zMax - zMin, 1)
        let finest = min(g.spacing.x, g.spacing.y, g.spacing.z)
        let mm = max(finest, extent / Double(maxPixels))
        return ReportPlane(
            originLPS: SIMD3(x, yMin, zMax), rightLPS: SIMD3(0, 1, 0), downLPS: SIMD3(0, 0, -1), mmPerPixel: mm,
            width: Int((yMax - yMin) / mm) + 1, height: Int((zMax - zMin) / mm) + 1)
    }

    /// An axial plane through `centreLPS` perpendicular to `axisLPS` (the spine's direction there), in
    /// radiological display: patient left on the image right, anterior up; `fieldMM` square.
    static func axial(
        centreLPS c: SIMD3<Double>, axisLPS: SIMD3<Double>, fieldMM: Double = 90, mmPerPixel: Double = 0.5
    ) -> ReportPlane {
        var n = axisLPS.length > 0 ? axisLPS / axisLPS.length : SIMD3(0, 0, 1)
        if abs(n.x) > 0.9 { n = SIMD3(0, 0, 1) }
        var right = SIMD3<Double>(1, 0, 0) - n * n.x
        right /= right.length
        var down = SIMD3<Double>(0, 1, 0) - n * n.y - right * SIMD3<Double>(0, 1, 0).dot(right)
        down = down.length > 1e-6 ? down / down.length : n.cross(right)
        let side = Int(fieldMM / mmPerPixel)
        // Centre a little posterior of the disc so that the canal and facets are in view.
        let centre = c + down * 12
        let origin = centre - right * (fieldMM / 2) - down * (fieldMM / 2)
        return ReportPlane(
            originLPS: origin, rightLPS: right, downLPS: down, mmPerPixel: mmPerPixel, width: side, height: side)
    }
}
