import Foundation
import SpineImaging
import Testing

@testable import SpinePhantom

enum PhantomTestSupport {
    /// A healthy spine (no slip, no disc or foraminal narrowing, no fracture), so that only the findings under test
    /// give boxes.
    static func healthy(seed: UInt64 = 22) -> PhantomParameters {
        var p = PhantomParameters(seed: seed)
        p.slip = nil
        p.discs = p.discs.map {
            var d = $0
            d.heightLossFraction = 0
            d.foraminalNarrowing = .init(left: 0, right: 0)
            return d
        }
        p.fractures = []
        return p
    }

    /// A sagittal grid through the spine's midline, in-plane `spacing`, `slices` thin slices,
    /// rotated in plane by a few degrees (and 0.3° out of plane) so voxel axes are not aligned with the anatomy.
    static func midlineGrid(
        _ model: SpineModel, spacing: Double = 0.7, slices: Int = 5, tiltDeg: Double = 4, widthMM: Double = 150,
        sliceMM: Double? = nil
    )
        -> ImageGeometry
    {
        let t = tiltDeg * .pi / 180
        let row = MRProtocol.rotate(SIMD3(0, 1, 0), SIMD3(t, 0.005, 0.005))
        let col = MRProtocol.rotate(SIMD3(0, 0, -1), SIMD3(t, 0.005, 0.005))
        // T10 to the sacrum: the lumbar field of view (the column above T10 would stretch the grid to the neck).
        let lower = model.vertebrae.filter { $0.vertebra >= .t10 }
        let zs = lower.map(\.frame.cz) + model.sacrum.map(\.frame.cz)
        let ys = lower.map(\.frame.cy)
        let zc = (zs.max()! + zs.min()!) / 2, yc = (ys.max()! + ys.min()!) / 2
        let heightMM = zs.max()! - zs.min()! + 60
        return MRProtocol.grid(
            model, centreBody: SIMD3(0, yc - 5 + (widthMM - 150) / 3, zc), rowBody: row, colBody: col,
            size: SIMD3(Int(widthMM / spacing), Int(heightMM / spacing), slices),
            spacing: SIMD3(spacing, spacing, sliceMM ?? spacing))
    }

    /// Label at a world point by nearest voxel, or nil outside the grid.
    static func label(_ v: Volume<UInt8>, _ p: SIMD3<Double>) -> UInt8? {
        guard let ijk = v.geometry.voxelIJK(worldLPS: p) else { return nil }
        let i = Int(ijk.x.rounded()), j = Int(ijk.y.rounded()), k = Int(ijk.z.rounded())
        let s = v.geometry.size
        guard i >= 0, j >= 0, k >= 0, i < s.x, j < s.y, k < s.z else { return nil }
        return v[i, j, k]
    }

    /// Length [mm] of the run of voxels whose label is in `labels` crossed by the line through
    /// `start` along the unit `axis` (0 if `start` is not in the run), stepping 0.05 mm.
    static func runLength(_ v: Volume<UInt8>, labels: Set<UInt8>, start: SIMD3<Double>, axis: SIMD3<Double>) -> Double {
        func inside(_ t: Double) -> Bool { label(v, start + axis * t).map { labels.contains($0) } ?? false }
        guard inside(0) else { return 0 }
        var up = 0.0, down = 0.0
        while up < 100, inside(up + 0.05) { up += 0.05 }
        while down < 100, inside(-(down + 0.05)) { down += 0.05 }
        return up + down + 0.05
    }

    static func vec(_ a: [Double]) -> SIMD3<Double> { SIMD3(a[0], a[1], a[2]) }

    static func temporaryFolder(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "spinephantom-\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every regular file under a folder, relative path → bytes.
    static func files(under root: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: root)
        while let rel = e?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
                out[rel] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + rel))
            }
        }
        return out
    }

    /// A cheap study for I/O tests: a coarse sagittal grid, no supersampling.
    /// Each body's centre pixel is its own label, each of its four corners lies on its outline (its pixel or a
    /// neighbour, one detector pixel, is the body), anterior corners lie anterior (left) of posterior ones and
    /// superior above inferior.
    static func expectCornersInTheirBodies(_ r: Radiograph, sourceLocation: SourceLocation = #_sourceLocation) throws {
        func label(_ x: Int, _ y: Int) -> UInt8 {
            guard x >= 0, y >= 0, x < r.columns, y < r.rows else { return 0 }
            return r.bodyLabels[y * r.columns + x]
        }
        for b in r.truth.vertebrae {
            let corners = try #require(b.corners, sourceLocation: sourceLocation)
            #expect(
                label(Int(b.centre[0].rounded()), Int(b.centre[1].rounded())) == b.label, sourceLocation: sourceLocation)
            for c in corners.all {
                let x = Int(c[0].rounded()), y = Int(c[1].rounded())
                let hit = (-1...1).contains { dy in (-1...1).contains { dx in label(x + dx, y + dy) == b.label } }
                #expect(hit, "\(b.name) corner \(c)", sourceLocation: sourceLocation)
            }
            #expect(corners.anteriorSuperior[0] < corners.posteriorSuperior[0], sourceLocation: sourceLocation)
            #expect(corners.anteriorSuperior[1] < corners.anteriorInferior[1], sourceLocation: sourceLocation)
        }
    }

    static func smallStudyOptions(_ model: SpineModel? = nil) -> MRStudyOptions {
        var o = MRStudyOptions()
        var imaging = MRImagingOptions()
        imaging.supersampling = [1, 1, 1]
        imaging.noiseSeed = 9
        o.imaging = imaging
        o.sagittalGeometry = ImageGeometry(
            size: SIMD3(48, 64, 3), spacing: SIMD3(4, 4, 5), origin: SIMD3(5, -80, 150),
            direction: Matrix3(columns: SIMD3(0, 1, 0), SIMD3(0, 0, -1), SIMD3(-1, 0, 0)))
        return o
    }
}
