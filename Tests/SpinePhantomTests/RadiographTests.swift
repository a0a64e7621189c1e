import Foundation
import SpineImaging
import Testing

@testable import SpinePhantom

@Suite struct RadiographTests {
    /// A coarse detector keeps debug-build tests fast; geometry and truth do not depend on the pitch.
    static func options(pixelMM: Double = 1) -> RadiographOptions {
        var o = RadiographOptions()
        o.detectorPixelMM = pixelMM
        return o
    }

    static let shared: Result<(SpineModel, Radiograph), Error> = Result {
        let model = try SpineModel(parameters: PhantomParameters(seed: 11))
        return (model, try Radiograph(model: model, view: .lateral, options: options(pixelMM: 1.25)))
    }

    @Test func sameSeedGivesByteIdenticalOutput() throws {
        let a = PhantomTestSupport.temporaryFolder("xray-a"), b = PhantomTestSupport.temporaryFolder("xray-b")
        defer {
            try? FileManager.default.removeItem(atPath: a)
            try? FileManager.default.removeItem(atPath: b)
        }
        try RadiographWriter.write(seed: 5, to: a, options: Self.options(pixelMM: 2))
        try RadiographWriter.write(seed: 5, to: b, options: Self.options(pixelMM: 2))
        let fa = try PhantomTestSupport.files(under: a), fb = try PhantomTestSupport.files(under: b)
        #expect(Set(fa.keys) == ["lateral.dcm", "lateral_bodies.png", "xray-truth.json"])
        #expect(fa == fb)
        let truth = try JSONDecoder().decode(
            RadiographTruth.self, from: try #require(fa["xray-truth.json"]))
        #expect(truth.schemaVersion == RadiographTruth.currentSchemaVersion)
        #expect(truth.images.first?.lesions.count == 7)
    }

    @Test(arguments: ["MONOCHROME1", "MONOCHROME2"])
    func dxReadsBackAsATwoDimensionalImage(photometric: String) throws {
        var (_, radiograph) = try Self.shared.get()
        radiograph.truth.photometricInterpretation = photometric
        let dir = PhantomTestSupport.temporaryFolder("xray-dx")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/lateral.dcm"
        try RadiographWriter.writeDX(radiograph, to: path, study: .init(seed: 11), seriesNumber: 1)
        let items = try ImageReader.open(path: path)
        let item = try #require(items.first)
        #expect(items.count == 1)
        #expect(item.modality == "DX")
        let g = item.geometry
        #expect(g.size.x == radiograph.columns && g.size.y == radiograph.rows && g.size.z == 1)
        let spacing = radiograph.truth.pixelSpacingMM[0]
        #expect(abs(g.spacing.x - spacing) < 1e-6 && abs(g.spacing.y - spacing) < 1e-6)
        #expect(abs(spacing * radiograph.truth.magnification - radiograph.truth.imagerPixelSpacingMM[0]) < 1e-3)
        let v = try item.load().converted(to: Float.self)
        // MONOCHROME1 is inverted on reading, so both give the MONOCHROME2 values.
        var mismatches = 0
        for q in 0..<radiograph.pixels.count where Int(v.voxels[q]) != Int(radiograph.pixels[q]) { mismatches += 1 }
        #expect(mismatches == 0)
    }

    @Test func boneIsBrighterThanSoftTissue() throws {
        let (model, radiograph) = try Self.shared.get()
        let t = radiograph.truth
        #expect(t.vertebrae.count >= 4)
        var bone = 0.0, soft = 0.0
        for b in t.vertebrae {
            let v = try #require(model.vertebrae.first { $0.vertebra == b.name })
            // Body centre, and the abdomen 45 mm in front of it.
            let centre = b.centre
            let front = v.frame.body(a: v.ra + 45, u: 0)
            let p = RadiographGeometryProbe.project(model, radiograph, SIMD3(0, front.y, front.z))
            bone += Double(radiograph.pixels[Int(centre[1].rounded()) * radiograph.columns + Int(centre[0].rounded())])
            soft += Double(radiograph.pixels[Int(p[1].rounded()) * radiograph.columns + Int(p[0].rounded())])
        }
        #expect(bone > soft * 1.1, "bone \(bone), soft tissue \(soft)")
    }

    @Test func cornerLandmarksLieInTheirProjectedBody() throws {
        try PhantomTestSupport.expectCornersInTheirBodies(try Self.shared.get().1)
    }

    @Test func impossibleOptionsAreRefused() throws {
        let model = try SpineModel(parameters: PhantomParameters(seed: 3))
        for change in [{ (o: inout RadiographOptions) in o.detectorPixelMM = -0.2 }, { $0.sourceImageDistanceMM = 0 }] {
            var o = Self.options()
            change(&o)
            #expect(throws: PhantomError.self) { try Radiograph(model: model, view: .lateral, options: o) }
        }
    }

    @Test func fractureGivesVertebralCollapseAndAHealthySpineIsNormal() throws {
        var p = PhantomTestSupport.healthy(seed: 22)
        let healthy = try Radiograph(
            model: try SpineModel(parameters: p), view: .lateral, options: Self.options(pixelMM: 2)
        ).truth
        #expect(healthy.label == "normal")
        #expect(healthy.lesions.allSatisfy { $0.boxes.isEmpty })
        p.fractures = [.init(vertebra: .l2, shape: .wedge, heightLossFraction: 0.45, acute: false)]
        let fractured = try Radiograph(
            model: try SpineModel(parameters: p), view: .lateral, options: Self.options(pixelMM: 2)
        ).truth
        let collapse = try #require(fractured.lesions.first { $0.lesionClass == .vertebralCollapse }).boxes
        #expect(collapse.map(\.level) == ["L2"])
        #expect(fractured.label == "abnormal")
    }

    /// Pixels whose projected body label is `v`, inside and outside `box` widened by one pixel.
    static func pixels(of v: Vertebra, in r: Radiograph, against box: [Double]) -> (inside: Int, outside: Int) {
        var inside = 0, outside = 0
        for j in 0..<r.rows {
            for i in 0..<r.columns where r.bodyLabels[j * r.columns + i] == UInt8(v.verseLabel) {
                let x = Double(i), y = Double(j)
                if x >= box[0] - 1 && x <= box[2] + 1 && y >= box[1] - 1 && y <= box[3] + 1 {
                    inside += 1
                } else {
                    outside += 1
                }
            }
        }
        return (inside, outside)
    }

    /// On AP views a collapse box spans the collapsed body's whole width, not only its midline: every pixel whose
    /// projected body label is that vertebra lies inside the box.
    @Test func apCollapseBoxCoversTheProjectedBody() throws {
        var p = PhantomTestSupport.healthy(seed: 22)
        p.fractures = [.init(vertebra: .l2, shape: .crush, heightLossFraction: 0.3, acute: false)]
        let r = try Radiograph(
            model: try SpineModel(parameters: p), view: .anteroposterior, options: Self.options(pixelMM: 2))
        let box = try #require(r.truth.lesions.first { $0.lesionClass == .vertebralCollapse }?.boxes.first?.box)
        let (inside, outside) = Self.pixels(of: .l2, in: r, against: box)
        #expect(inside > 50)
        #expect(outside == 0, "\(outside) L2 pixels outside \(box)")
    }

    /// On a scoliotic spine the truth follows each body's coronal shift and tilt: on the AP view every body's
    /// recorded centre lies on its projected mask's centroid, and its collapse box (a fracture inside the curve)
    /// holds the whole body.
    @Test func scolioticBodiesAreWhereTheTruthSaysOnTheAPView() throws {
        var p = PhantomParameters(seed: 22)
        p.scoliosis = [.init(upper: .t12, lower: .l4, cobbDeg: 35, convexSide: .left)]
        p.fractures = [.init(vertebra: .l2, shape: .crush, heightLossFraction: 0.3, acute: false)]
        let r = try Radiograph(
            model: try SpineModel(parameters: p), view: .anteroposterior, options: Self.options(pixelMM: 2))
        var checked = 0
        for v in r.truth.vertebrae {
            var sx = 0.0, sy = 0.0, n = 0.0
            for j in 0..<r.rows {
                for i in 0..<r.columns where r.bodyLabels[j * r.columns + i] == v.label {
                    sx += Double(i)
                    sy += Double(j)
                    n += 1
                }
            }
            guard n > 50 else { continue }
            checked += 1
            #expect(
                abs(sx / n - v.centre[0]) < 1.5 && abs(sy / n - v.centre[1]) < 1.5,
                "\(v.name): centre \(v.centre), mask \(sx / n), \(sy / n)")
        }
        #expect(checked >= 6)
        let box = try #require(r.truth.lesions.first { $0.lesionClass == .vertebralCollapse }?.boxes.first?.box)
        let outside = Self.pixels(of: .l2, in: r, against: box).outside
        #expect(outside == 0, "\(outside) L2 pixels outside \(box)")
    }

    @Test func slipGivesASpondylolisthesisBox() throws {
        var p = PhantomParameters(seed: 21)
        p.fractures = []
        p.discs = p.discs.map {
            var d = $0; d.heightLossFraction = 0; return d
        }
        p.slip = .init(level: DiscLevel(upper: .l4, lower: .l5), fraction: 0.3)
        let model = try SpineModel(parameters: p)
        let t = try Radiograph(model: model, view: .lateral, options: Self.options(pixelMM: 2)).truth
        let slips = try #require(t.lesions.first { $0.lesionClass == .spondylolisthesis }).boxes
        #expect(slips.count == 1)
        #expect(slips.first?.level == "L4-L5")
        #expect(t.label == "abnormal")
        for l in t.lesions where l.lesionClass != .spondylolisthesis { #expect(l.boxes.isEmpty) }
        // The box holds L4's corners.
        let box = try #require(slips.first?.box)
        let l4 = try #require(t.vertebrae.first { $0.name == .l4 }?.corners)
        for c in l4.all { #expect(c[0] >= box[0] && c[0] <= box[2] && c[1] >= box[1] && c[1] <= box[3]) }
    }
}

/// Projection of body-frame points for tests.
enum RadiographGeometryProbe {
    static func project(_ model: SpineModel, _ r: Radiograph, _ body: SIMD3<Double>) -> [Double] {
        let t = r.truth
        let s = SIMD3(t.sourceLPS[0], t.sourceLPS[1], t.sourceLPS[2])
        let o = SIMD3(t.detectorOriginLPS[0], t.detectorOriginLPS[1], t.detectorOriginLPS[2])
        let row = SIMD3(t.rowDirectionLPS[0], t.rowDirectionLPS[1], t.rowDirectionLPS[2])
        let col = SIMD3(t.columnDirectionLPS[0], t.columnDirectionLPS[1], t.columnDirectionLPS[2])
        let beam = SIMD3(row.y * col.z - row.z * col.y, row.z * col.x - row.x * col.z, row.x * col.y - row.y * col.x)
        let w = model.worldLPS(body: body)
        let d = w - s
        let tt = ((o - s) * beam).sum() / (d * beam).sum()
        let q = s + d * tt - o
        let p = t.imagerPixelSpacingMM[0]
        return [(q * row).sum() / p, (q * col).sum() / p]
    }
}
