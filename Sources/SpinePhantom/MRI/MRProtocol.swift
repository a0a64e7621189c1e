import Foundation
import SpineImaging

/// Image grids of clinical lumbar MRI protocols, placed on a phantom with random position and obliquity.
public enum MRProtocol {
    /// A sagittal stack: 0.5–0.9 mm in-plane, 3–4.5 mm slices, 11–19 slices, FOV 240–320 mm
    /// (matrix ≤ 512), rows running posterior, columns inferior, slightly oblique, centred near L3.
    public static func sagittal(_ model: SpineModel, _ rng: inout PhantomRandom) -> ImageGeometry {
        let inPlane = (rng.uniform(0.5, 0.9) * 100).rounded() / 100
        let thickness = (rng.uniform(3, 4.5) * 10).rounded() / 10
        let slices = rng.int(in: 11...19)
        let fov = rng.uniform(240, 320)
        let matrix = min(512, Int((fov / inPlane / 16).rounded()) * 16)
        let rows = min(512, Int((Double(matrix) * rng.uniform(1.0, 1.15) / 16).rounded()) * 16)
        let rad = Double.pi / 180
        let tilt = SIMD3(rng.normal(sd: 3), rng.normal(sd: 2), rng.normal(sd: 3)) * rad
        let row = rotate(SIMD3(0, 1, 0), tilt), col = rotate(SIMD3(0, 0, -1), tilt)
        let l3 = model.vertebrae.first { $0.vertebra == .l3 } ?? model.vertebrae[model.vertebrae.count / 2]
        let centre = SIMD3(rng.uniform(-3, 3), l3.frame.cy + rng.uniform(-5, 25), l3.frame.cz + rng.uniform(-5, 25))
        return grid(
            model, centreBody: centre, rowBody: row, colBody: col, size: SIMD3(matrix, rows, slices),
            spacing: SIMD3(inPlane, inPlane, thickness))
    }

    /// A whole-spine sagittal localizer grid, C1 to the coccyx: 1 mm in-plane, 13 slices of 4 mm, rows running
    /// posterior and columns inferior, not oblique, the field fitted to the column with 60 mm to spare in front, 80 mm
    /// behind, 60 mm above C2 and 150 mm below the last lumbar body. Deterministic (no random draw): for counting the
    /// vertebrae from C2 (`spine evaluate --view whole-spine`).
    public static func wholeSpine(_ model: SpineModel) -> ImageGeometry {
        let ys = model.vertebrae.map(\.frame.cy), zs = model.vertebrae.map(\.frame.cz)
        let (y0, y1) = (ys.min()! - 60, ys.max()! + 80), (z0, z1) = (zs.min()! - 150, zs.max()! + 60)
        let spacing = SIMD3(1.0, 1.0, 4.0)
        let size = SIMD3(Int(((y1 - y0) / spacing.x).rounded(.up)), Int(((z1 - z0) / spacing.y).rounded(.up)), 13)
        return grid(
            model, centreBody: SIMD3(0, (y0 + y1) / 2, (z0 + z1) / 2), rowBody: SIMD3(0, 1, 0),
            colBody: SIMD3(0, 0, -1), size: size, spacing: spacing)
    }

    /// An axial stack angled through a disc: plane parallel to the disc's mid-plane, 3–5 slices of 3–4 mm.
    public static func axial(_ model: SpineModel, disc index: Int, _ rng: inout PhantomRandom) -> ImageGeometry {
        let d = model.discs[index]
        let inPlane = (rng.uniform(0.55, 0.8) * 100).rounded() / 100
        let thickness = (rng.uniform(3, 4) * 10).rounded() / 10
        let slices = rng.pick([3, 4, 5])
        let matrix = min(384, Int((rng.uniform(180, 220) / inPlane / 16).rounded()) * 16)
        let upAxis = SIMD3(0, d.frame.uy, d.frame.uz)
        let row = SIMD3<Double>(1, 0, 0)
        let col = upAxis.cross(row).normalized
        let c = d.frame.body(a: -d.ra * 0.4, u: 0)
        return grid(
            model, centreBody: SIMD3(rng.uniform(-2, 2), c.y, c.z), rowBody: row, colBody: col,
            size: SIMD3(matrix, matrix, slices), spacing: SIMD3(inPlane, inPlane, thickness))
    }

    /// A grid with given body-frame centre and in-plane axes; k runs along row × column.
    public static func grid(
        _ model: SpineModel, centreBody: SIMD3<Double>, rowBody: SIMD3<Double>, colBody: SIMD3<Double>,
        size: SIMD3<Int>,
        spacing: SIMD3<Double>
    ) -> ImageGeometry {
        let r = model.worldDirection(body: rowBody.normalized), c = model.worldDirection(body: colBody.normalized)
        let n = r.cross(c).normalized
        let centre = model.worldLPS(body: centreBody)
        let half = SIMD3(Double(size.x - 1), Double(size.y - 1), Double(size.z - 1)) * spacing / 2
        let origin = centre - r * half.x - c * half.y - n * half.z
        return ImageGeometry(size: size, spacing: spacing, origin: origin, direction: Matrix3(columns: r, c, n))
    }

    /// Rotates a vector by small angles about x, then y, then z [radians].
    static func rotate(_ v: SIMD3<Double>, _ a: SIMD3<Double>) -> SIMD3<Double> {
        var p = v
        p = SIMD3(p.x, p.y * cos(a.x) - p.z * sin(a.x), p.y * sin(a.x) + p.z * cos(a.x))
        p = SIMD3(p.x * cos(a.y) + p.z * sin(a.y), p.y, -p.x * sin(a.y) + p.z * cos(a.y))
        p = SIMD3(p.x * cos(a.z) - p.y * sin(a.z), p.x * sin(a.z) + p.y * cos(a.z), p.z)
        return p
    }
}
