import Foundation
import SpineAnatomy
import Testing

@testable import SpinePhantom

/// The lateral cervical view: C1–T1 collimated to the neck, C2–C7 annotated as the lumbar lateral view annotates
/// its bodies.
@Suite struct CervicalRadiographTests {
    static func options(pixelMM: Double = 1.25) -> RadiographOptions {
        var o = RadiographOptions()
        o.detectorPixelMM = pixelMM
        return o
    }

    static let shared: Result<(SpineModel, Radiograph), Error> = Result {
        let model = try SpineModel(parameters: PhantomParameters(seed: 11))
        return (model, try Radiograph(model: model, view: .cervicalLateral, options: options()))
    }

    @Test func annotatesC2ToC7InsideTheField() throws {
        let (_, r) = try Self.shared.get()
        #expect(r.truth.view == .cervicalLateral)
        #expect(r.truth.vertebrae.map(\.name) == [.c2, .c3, .c4, .c5, .c6, .c7])
        #expect(r.columns == 192 && r.rows == 240)  // 240 × 300 mm at 1.25 mm
        #expect(r.truth.sourceImageDistanceMM == 1500)
    }

    @Test func cornerLandmarksLieInTheirProjectedBody() throws {
        try PhantomTestSupport.expectCornersInTheirBodies(try Self.shared.get().1)
    }

    /// Each body's mask lies within the projection of its body (the corners' box, widened by the far side's
    /// magnification and a pixel), so C2's mask stops at its upper endplate: the dens is not in it.
    @Test func masksMatchTheProjectedBodiesWithoutTheDens() throws {
        let (model, r) = try Self.shared.get()
        for b in r.truth.vertebrae {
            let c = try #require(b.corners).all
            let v = try #require(model.vertebrae.first { $0.vertebra == b.name })
            let slack = 2 + v.rx * 0.05 / r.truth.pixelSpacingMM[0]
            let xs = c.map { $0[0] }, ys = c.map { $0[1] }
            var count = 0, outside = 0
            for y in 0..<r.rows {
                for x in 0..<r.columns where r.bodyLabels[y * r.columns + x] == b.label {
                    count += 1
                    let dx = max(xs.min()! - slack - Double(x), Double(x) - xs.max()! - slack, 0)
                    let dy = max(ys.min()! - slack - Double(y), Double(y) - ys.max()! - slack, 0)
                    if dx > 0 || dy > 0 { outside += 1 }
                }
            }
            #expect(count > 20, "\(b.name)")
            #expect(outside == 0, "\(b.name): \(outside) of \(count) mask pixels outside its projected body")
        }
        // The dens projects above C2's superior corners: bone there, but no body label.
        let c2 = try #require(r.truth.vertebrae.first { $0.name == .c2 }?.corners)
        let x = Int(((c2.anteriorSuperior[0] + c2.posteriorSuperior[0]) / 2).rounded())
        let y = Int((min(c2.anteriorSuperior[1], c2.posteriorSuperior[1]) - 6).rounded())
        #expect(r.bodyLabels[y * r.columns + x] == 0)
    }

    @Test func sameSeedGivesTheSameImageAndTruth() throws {
        let model = try SpineModel(parameters: PhantomParameters(seed: 4))
        let a = try Radiograph(model: model, view: .cervicalLateral, options: Self.options(pixelMM: 3))
        let b = try Radiograph(model: model, view: .cervicalLateral, options: Self.options(pixelMM: 3))
        #expect(a.pixels == b.pixels && a.bodyLabels == b.bodyLabels)
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys  // dictionaries encode in hash order otherwise
        #expect(try e.encode(a.truth) == e.encode(b.truth))
    }

    /// A drawn cervical degeneration gives a disc space narrowing box at its level and an abnormal image; a spine
    /// without one (and without cervical spurs) is normal.
    @Test func narrowedCervicalDiscIsAbnormal() throws {
        var degenerated: SpineModel?, healthy: SpineModel?
        for seed in UInt64(1)...60 where degenerated == nil || healthy == nil {
            let m = try SpineModel(parameters: PhantomParameters(seed: seed))
            if m.upperCurves.cervicalHeightLoss.isEmpty { healthy = healthy ?? m } else { degenerated = degenerated ?? m }
        }
        let d = try #require(degenerated), h = try #require(healthy)
        let dt = try Radiograph(model: d, view: .cervicalLateral, options: Self.options(pixelMM: 3)).truth
        let narrowed = Set(d.upperCurves.cervicalHeightLoss.keys.map { DiscLevel(below: $0)!.name })
        let boxes = try #require(dt.lesions.first { $0.lesionClass == .discSpaceNarrowing }).boxes
        #expect(Set(boxes.map(\.level)) == narrowed)
        #expect(dt.label == "abnormal")
        let ht = try Radiograph(model: h, view: .cervicalLateral, options: Self.options(pixelMM: 3)).truth
        #expect(ht.label == "normal")
    }
}
