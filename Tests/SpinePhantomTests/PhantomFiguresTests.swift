import Foundation
import SpineImaging
import Testing

@testable import SpinePhantom

/// The documentation figures: outlines where labels change, truth drawn where the truth says, same bytes for the
/// same input.
@Suite struct PhantomFiguresTests {
    @Test func outlinesFollowLabelBoundaries() {
        // A 9×9 grid with a 3×3 square of label 2 in the middle: its eight rim pixels are drawn, its centre is not.
        var labels = [UInt8](repeating: 0, count: 81)
        for y in 3...5 {
            for x in 3...5 { labels[y * 9 + x] = 2 }
        }
        var c = PreviewCanvas(PreviewImage(width: 9, height: 9, pixels: [UInt8](repeating: 10, count: 81)))
        c.outline(labels: labels) { $0 == 2 ? (255, 0, 0) : nil }
        var red = Set<Int>()
        for q in 0..<81 where c.pixels[3 * q] == 255 && c.pixels[3 * q + 1] == 0 { red.insert(q) }
        #expect(red == Set([30, 31, 32, 39, 41, 48, 49, 50]))
        #expect(c.pixels[3 * 40] == 10)
    }

    @Test func textUsesTheBitmapFont() {
        var c = PreviewCanvas(width: 20, height: 10)
        c.text("L1", x: 1, y: 1, (0, 255, 0))
        // "L": a vertical bar in its first column and a full bottom row.
        for r in 0..<7 { #expect(c.pixels[3 * ((1 + r) * 20 + 1) + 1] == 255) }
        for k in 0..<5 { #expect(c.pixels[3 * (7 * 20 + 1 + k) + 1] == 255) }
        #expect(c.pixels[3 * (1 * 20 + 2) + 1] == 0)
        #expect(PreviewCanvas.font.values.allSatisfy { $0.count == 7 && $0.allSatisfy { $0.count == 5 } })
    }

    @Test func sliceLabelsLineUpWithTheImage() throws {
        let study = try MRStudy(seed: 4, options: PhantomTestSupport.smallStudyOptions())
        let labels = study.sagittal.rendered.classLabels
        let slice = PreviewImage.Slice.sagittal(labels.geometry, mmPerPixel: 2)
        let shown = slice.labels(labels)
        #expect(shown.count == slice.width * slice.height)
        for (n, ijk) in slice.indices.enumerated() { #expect(shown[n] == labels[ijk.x, ijk.y, ijk.z]) }
        // Superior at the top: the first row lies higher (LPS z) than the last.
        let g = labels.geometry
        let top = g.worldLPS(voxelIJK: SIMD3(slice.indices[0].x, slice.indices[0].y, slice.indices[0].z).doubleVector)
        let lastIndex = slice.indices[slice.indices.count - 1]
        let bottom = g.worldLPS(voxelIJK: SIMD3(lastIndex.x, lastIndex.y, lastIndex.z).doubleVector)
        #expect(top.z > bottom.z)
        #expect(PreviewImage.midSagittal(study.sagittal.rendered.images[0], mmPerPixel: 2).pixels
            == slice.image(study.sagittal.rendered.images[0]).pixels)
        let figure = PhantomFigures.sagittal(study, mmPerPixel: 2)
        #expect(figure.pixels == PhantomFigures.sagittal(study, mmPerPixel: 2).pixels)
        #expect(figure.width > 4 * slice.width && figure.height > slice.height)
    }

    @Test func radiographFigureDrawsBoxesAndLandmarks() throws {
        var p = PhantomParameters(seed: 21)
        p.fractures = []
        p.discs = p.discs.map {
            var d = $0; d.heightLossFraction = 0; return d
        }
        p.slip = .init(level: DiscLevel(upper: .l4, lower: .l5), fraction: 0.3)
        var o = RadiographOptions()
        o.detectorPixelMM = 2
        o.findings = RadiographFindings(fixation: .init(level: DiscLevel(upper: .l4, lower: .l5)))
        let r = try Radiograph(model: try SpineModel(parameters: p), view: .lateral, options: o)
        let figure = PhantomFigures.radiograph(r, binning: 1)
        #expect(figure.width == r.columns && figure.height == r.rows)
        #expect(figure.pixels == PhantomFigures.radiograph(r, binning: 1).pixels)
        func colour(_ x: Double, _ y: Double) -> [UInt8] {
            let q = 3 * (Int(y.rounded()) * figure.width + Int(x.rounded()))
            return Array(figure.pixels[q..<(q + 3)])
        }
        let implant = try #require(r.truth.lesions.first { $0.lesionClass == .surgicalImplant }?.boxes.first?.box)
        let c = PhantomFigures.colour(.surgicalImplant)
        // The box's right edge, halfway down (left edges may lie under a caption).
        #expect(colour(implant[2], (implant[1] + implant[3]) / 2) == [c.r, c.g, c.b])
        // Corner landmarks are yellow dots (a caption may cover a few).
        let corners = try r.truth.vertebrae.flatMap { try #require($0.corners).all }
        let yellow = corners.filter { colour($0[0], $0[1]) == [255, 255, 0] }
        #expect(corners.count >= 16)
        #expect(Double(yellow.count) >= 0.8 * Double(corners.count), "\(yellow.count) of \(corners.count)")
    }
}

extension SIMD3 where Scalar == Int {
    fileprivate var doubleVector: SIMD3<Double> { SIMD3<Double>(Double(x), Double(y), Double(z)) }
}
