import Foundation
import SpineImaging
import SpineTestSupport
import Testing

@testable import SpinePhantom

/// Osteophytes and instrumentation (`RadiographFindings`): drawn where their truth boxes say, deterministic in the
/// seed, refused where the spine has no such level; and the DX files that carry them, read back by SpineKit's
/// reader, by pydicom and by DCMTK's dcmdump.
@Suite struct RadiographFindingsTests {
    /// The lumbar views, where the lumbar findings these tests draw are seen (the cervical view has its own tests).
    static let lumbarViews: [RadiographView] = [.lateral, .anteroposterior]

    static func healthy(seed: UInt64 = 22) -> PhantomParameters { PhantomTestSupport.healthy(seed: seed) }

    static func render(
        _ p: PhantomParameters, _ view: RadiographView, findings: RadiographFindings, pixelMM: Double = 2
    ) throws -> Radiograph {
        var o = RadiographOptions()
        o.detectorPixelMM = pixelMM
        o.findings = findings
        return try Radiograph(model: try SpineModel(parameters: p), view: view, options: o)
    }

    /// Pixels that got brighter by more than `threshold` when the findings were added, and how many of them lie
    /// inside `boxes` (each widened by `pad` pixels).
    static func changes(
        _ with: Radiograph, _ without: Radiograph, boxes: [[Double]], threshold: Int = 150, pad: Double = 2
    ) -> (changed: Int, inside: Int, meanInside: Double)
    {
        var changed = 0, inside = 0, sum = 0.0, count = 0
        for j in 0..<with.rows {
            for i in 0..<with.columns {
                let q = j * with.columns + i
                let d = Int(with.pixels[q]) - Int(without.pixels[q])
                let x = Double(i), y = Double(j)
                let inBox = boxes.contains {
                    x >= $0[0] - pad && x <= $0[2] + pad && y >= $0[1] - pad && y <= $0[3] + pad
                }
                if inBox {
                    sum += Double(d)
                    count += 1
                }
                if d > threshold {
                    changed += 1
                    if inBox { inside += 1 }
                }
            }
        }
        return (changed, inside, sum / Double(max(count, 1)))
    }

    static func boxes(_ t: RadiographTruth.ImageTruth, _ c: RadiographTruth.LesionClass) -> [RadiographTruth.Box] {
        t.lesions.first { $0.lesionClass == c }?.boxes ?? []
    }

    @Test(arguments: RadiographFindingsTests.lumbarViews)
    func osteophyteBoxesLieOverTheDrawnSpurs(view: RadiographView) throws {
        let p = Self.healthy()
        let spurs = RadiographFindings(osteophytes: [
            .init(vertebra: .l3, superior: false, lengthMM: 6.5), .init(vertebra: .l4, superior: true, lengthMM: 6.5),
        ])
        let with = try Self.render(p, view, findings: spurs)
        let without = try Self.render(p, view, findings: RadiographFindings())
        let t = with.truth
        let boxes = Self.boxes(t, .osteophytes)
        #expect(boxes.map(\.level) == ["L3", "L4"])
        #expect(t.label == "abnormal")
        #expect(without.truth.label == "normal")
        for l in t.lesions where l.lesionClass != .osteophytes { #expect(l.boxes.isEmpty, "\(l.lesionClass)") }
        for b in boxes.map(\.box) {
            #expect(b[0] >= t.collimationBox[0] && b[1] >= t.collimationBox[1], "\(b)")
            #expect(b[2] <= t.collimationBox[2] && b[3] <= t.collimationBox[3], "\(b)")
            #expect(b[2] > b[0] && b[3] > b[1])
        }
        let c = Self.changes(with, without, boxes: boxes.map(\.box))
        #expect(c.changed >= 4, "the spurs show: \(c.changed) pixels brighter")
        #expect(Double(c.inside) >= 0.9 * Double(c.changed), "\(c.inside) of \(c.changed) changed pixels in the boxes")
        #expect(c.meanInside > 0, "brighter on average inside the boxes")
        // Lateral boxes lie in front of the bodies' anterior corners.
        if view == .lateral {
            for b in boxes {
                let corners = try #require(t.vertebrae.first { $0.name.name == b.level }?.corners)
                let anterior = min(corners.anteriorSuperior[0], corners.anteriorInferior[0])
                #expect(b.box[0] < anterior, "\(b.level): box \(b.box) reaches in front of x = \(anterior)")
            }
        }
    }

    @Test(arguments: [
        (DiscLevel(upper: .l4, lower: .l5), RadiographView.lateral), (.init(upper: .l5, lower: .s1), .anteroposterior),
    ])
    func instrumentationIsDrawnInsideItsImplantBox(level: DiscLevel, view: RadiographView) throws {
        var p = Self.healthy(seed: 21)
        p.slip = .init(level: level, fraction: 0.2)
        let fused = try Self.render(p, view, findings: RadiographFindings(fixation: .init(level: level)))
        let bare = try Self.render(p, view, findings: RadiographFindings())
        let t = fused.truth
        let implant = Self.boxes(t, .surgicalImplant)
        #expect(implant.map(\.level) == [level.name])
        #expect(Self.boxes(bare.truth, .surgicalImplant).isEmpty)
        #expect(Self.boxes(t, .spondylolisthesis).count == (view == .lateral ? 1 : 0))
        let box = try #require(implant.first?.box)
        let c = Self.changes(fused, bare, boxes: [box], threshold: 300)
        #expect(c.changed >= 50, "the metal shows: \(c.changed) pixels much brighter")
        #expect(Double(c.inside) >= 0.95 * Double(c.changed), "\(c.inside) of \(c.changed) changed pixels in the box")
        // Titanium is the brightest thing in the field: the box holds the image's top values.
        var boxMax: UInt16 = 0, outsideMax: UInt16 = 0
        for j in 0..<fused.rows {
            for i in 0..<fused.columns {
                let v = fused.pixels[j * fused.columns + i]
                let x = Double(i), y = Double(j)
                let marker = x >= t.sideMarkerBox[0] && x <= t.sideMarkerBox[2] && y >= t.sideMarkerBox[1]
                    && y <= t.sideMarkerBox[3]
                if x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3] {
                    boxMax = max(boxMax, v)
                } else if !marker {
                    outsideMax = max(outsideMax, v)
                }
            }
        }
        #expect(boxMax > outsideMax, "metal \(boxMax), brightest elsewhere \(outsideMax)")
    }

    /// Without findings a radiograph is what it was before they existed: seed 42's lateral radiograph of
    /// `PhantomOutputPinTests.lateralRadiographIsPinned` (which draws spurs at L4 and L5) with none drawn. It was
    /// that pin's value before osteophytes and instrumentation; both have been re-pinned since for the anatomy.
    @Test func withoutFindingsTheRadiographIsUnchanged() throws {
        let model = try SpineModel(parameters: PhantomParameters(seed: 42))
        #expect(!RadiographFindings(drawnFor: model.parameters).osteophytes.isEmpty)
        var o = RadiographOptions()
        o.detectorPixelMM = 4
        o.findings = RadiographFindings()
        let r = try Radiograph(model: model, view: .lateral, options: o)
        // Re-pinned when the thoracic vertebrae gained ribs (truth schema 3), and when the whole column (C2-T9)
        // entered the lateral field (session 6).
        #expect(PhantomOutputPinTests.hex(PhantomOutputPinTests.fnv1a(r.pixels)) == "0xef3e62ea040e2a06")
    }

    @Test func findingsAreDrawnFromTheSeedNextToTheirLesions() {
        var spurs = 0, fixations = 0
        for seed in UInt64(1)...300 {
            let p = PhantomParameters(seed: seed)
            let f = RadiographFindings(drawnFor: p)
            #expect(f == RadiographFindings(drawnFor: p))
            for o in f.osteophytes {
                // Next to a degenerated disc: below it for a superior endplate, above it for an inferior one.
                let levels = PhantomParameters.discLevels(for: p.anomaly).filter {
                    o.superior ? $0.lower == o.vertebra : $0.upper == o.vertebra
                }
                #expect(levels.count == 1)
                #expect(levels.allSatisfy { p.disc($0).heightLossFraction >= RadiographFindings.degeneratedHeightLoss })
                #expect(o.lengthMM >= 2 && o.lengthMM <= 8)
            }
            if let fixation = f.fixation { #expect(fixation.level == p.slip?.level) }
            spurs += f.osteophytes.count
            fixations += f.fixation == nil ? 0 : 1
        }
        // About 22 % of seeds have a narrowed lumbar disc and 7 % a fused slip.
        #expect(spurs > 50, "\(spurs) osteophytes in 300 seeds")
        #expect(fixations > 5 && fixations < 45, "\(fixations) fixations in 300 seeds")
    }

    @Test func findingsAtLevelsThisSpineLacksAreRefused() throws {
        var p = Self.healthy()
        p.anomaly = .none
        let model = try SpineModel(parameters: p)
        let bad: [RadiographFindings] = [
            .init(osteophytes: [.init(vertebra: .l6, superior: true, lengthMM: 4)]),
            .init(osteophytes: [.init(vertebra: .l2, superior: true, lengthMM: 40)]),
            .init(fixation: .init(level: DiscLevel(upper: .l6, lower: .s1))),
        ]
        for f in bad {
            var o = RadiographOptions()
            o.detectorPixelMM = 4
            o.findings = f
            #expect(throws: PhantomError.self) { try Radiograph(model: model, view: .lateral, options: o) }
        }
    }

    @Test func sameSeedRepeatsFindingsAndTheirTruthFile() throws {
        var seed: UInt64 = 1
        while RadiographFindings(drawnFor: PhantomParameters(seed: seed)).osteophytes.isEmpty { seed += 1 }
        let a = PhantomTestSupport.temporaryFolder("xf-a"), b = PhantomTestSupport.temporaryFolder("xf-b")
        defer {
            try? FileManager.default.removeItem(atPath: a)
            try? FileManager.default.removeItem(atPath: b)
        }
        var o = RadiographOptions()
        o.detectorPixelMM = 3
        try RadiographWriter.write(seed: seed, to: a, views: [.lateral, .anteroposterior], options: o)
        try RadiographWriter.write(seed: seed, to: b, views: [.lateral, .anteroposterior], options: o)
        let fa = try PhantomTestSupport.files(under: a), fb = try PhantomTestSupport.files(under: b)
        #expect(fa == fb)
        let truth = try JSONDecoder().decode(RadiographTruth.self, from: try #require(fa["xray-truth.json"]))
        #expect(truth.schemaVersion == RadiographTruth.currentSchemaVersion)
        #expect(truth.findings == RadiographFindings(drawnFor: PhantomParameters(seed: seed)))
        for image in truth.images {
            #expect(image.label == (image.lesions.contains { !$0.boxes.isEmpty } ? "abnormal" : "normal"))
        }
    }

    // MARK: - DX files read by independent tools

    static func run(_ program: String, _ args: [String]) throws -> ExternalProgram.Run {
        try ExternalProgram.run(program, args, mergingOutput: true)
    }

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    static let hasPydicom: Bool = {
        guard let python = ExternalProgram.which("python3") else { return false }
        return (try? run(python, ["-c", "import pydicom, numpy"]).status) == 0
    }()

    /// A fused lateral radiograph written as DX in each photometric interpretation.
    static func writeFused(_ photometric: String, to dir: String) throws -> Radiograph {
        var p = healthy(seed: 21)
        p.slip = .init(level: DiscLevel(upper: .l4, lower: .l5), fraction: 0.3)
        let fixation = RadiographFindings.Fixation(level: DiscLevel(upper: .l4, lower: .l5))
        var r = try render(p, .lateral, findings: .init(fixation: fixation), pixelMM: 3)
        r.truth.photometricInterpretation = photometric
        try RadiographWriter.writeDX(r, to: dir + "/lateral.dcm", study: .init(seed: 21), seriesNumber: 1)
        return r
    }

    @Test(arguments: ["MONOCHROME1", "MONOCHROME2"])
    func fusedDXReadsBackPixelForPixel(photometric: String) throws {
        let dir = PhantomTestSupport.temporaryFolder("xf-dx")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.writeFused(photometric, to: dir)
        let item = try #require(try ImageReader.open(path: dir + "/lateral.dcm").first)
        #expect(item.modality == "DX")
        let v = try item.load().converted(to: Float.self)
        #expect(zip(v.voxels, r.pixels).allSatisfy { Int($0) == Int($1) })
    }

    @Test(
        .enabled(if: hasPydicom || isCI, "needs python3 with pydicom and numpy"),
        arguments: ["MONOCHROME1", "MONOCHROME2"])
    func pydicomReadsTheStoredValues(photometric: String) throws {
        let dir = PhantomTestSupport.temporaryFolder("xf-pydicom")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.writeFused(photometric, to: dir)
        // pydicom returns stored values: 4095 − value for MONOCHROME1. Print their sum and the header fields.
        let script = """
            import sys, pydicom, numpy
            ds = pydicom.dcmread(sys.argv[1])
            a = ds.pixel_array.astype(numpy.int64)
            print(ds.Modality, ds.PhotometricInterpretation, ds.PresentationLUTShape,
                  a.shape[0], a.shape[1], int(a.sum()))
            """
        let out = try Self.run(try #require(ExternalProgram.which("python3")), ["-c", script, dir + "/lateral.dcm"])
        #expect(out.status == 0, "\(out.output)")
        let stored = r.pixels.reduce(0) { $0 + (photometric == "MONOCHROME1" ? 4095 - Int($1) : Int($1)) }
        let lut = photometric == "MONOCHROME1" ? "INVERSE" : "IDENTITY"
        #expect(
            out.output.trimmingCharacters(in: .whitespacesAndNewlines)
                == "DX \(photometric) \(lut) \(r.rows) \(r.columns) \(stored)")
    }

    @Test(
        .enabled(if: ExternalProgram.which("dcmdump") != nil || isCI, "needs DCMTK's dcmdump"),
        arguments: ["MONOCHROME1", "MONOCHROME2"])
    func dcmdumpShowsTheFileWithoutErrors(photometric: String) throws {
        let dir = PhantomTestSupport.temporaryFolder("xf-dcmdump")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Self.writeFused(photometric, to: dir)
        let out = try Self.run(try #require(ExternalProgram.which("dcmdump")), ["-dc", "-M", dir + "/lateral.dcm"])
        #expect(out.status == 0, "\(out.output)")
        #expect(!out.output.contains("E: ") && !out.output.contains("W: "), "\(out.output)")
        #expect(out.output.contains("(0028,0004) CS [\(photometric)"), "\(out.output)")
    }
}

/// Osteophytes and instrumentation follow each vertebra's coronal pose: on a scoliotic spine they are drawn (and
/// boxed) beside the bodies of the curve, not on the straight midline (where they were drawn before: about 8 pixels
/// off at the apex).
@Suite struct ScolioticFindingsTests {
    /// A 35° left-convex curve from T12 to L4 (apex near L2, shifted about 15 mm).
    static func curved() -> PhantomParameters {
        var p = PhantomTestSupport.healthy(seed: 22)
        p.scoliosis = [.init(upper: .t12, lower: .l4, cobbDeg: 35, convexSide: .left)]
        return p
    }

    /// Centroid column of the pixels that got brighter by `threshold`, less the mean of the centroid columns of the
    /// projected bodies `bodies` [pixels], and how many pixels changed.
    static func offsetFromBodies(
        _ with: Radiograph, _ without: Radiograph, bodies: [Vertebra], threshold: Int
    ) -> (offset: Double, count: Int) {
        var changed = 0.0, count = 0
        var bodyX = [Double](repeating: 0, count: bodies.count), bodyN = bodyX
        let labels = bodies.map { UInt8($0.verseLabel) }
        for j in 0..<with.rows {
            for i in 0..<with.columns {
                let q = j * with.columns + i
                if let b = labels.firstIndex(of: with.bodyLabels[q]) {
                    bodyX[b] += Double(i)
                    bodyN[b] += 1
                }
                if Int(with.pixels[q]) - Int(without.pixels[q]) > threshold {
                    changed += Double(i)
                    count += 1
                }
            }
        }
        let centre = zip(bodyX, bodyN).map { $0 / max($1, 1) }.reduce(0, +) / Double(bodies.count)
        return (changed / Double(max(count, 1)) - centre, count)
    }

    /// An L2 superior spur (near the apex, where the body is shifted but hardly tilted) flanks L2 symmetrically.
    @Test func osteophytesSitOnTheirShiftedBodies() throws {
        let p = Self.curved()
        let spurs = RadiographFindings(osteophytes: [.init(vertebra: .l2, superior: true, lengthMM: 7)])
        let with = try RadiographFindingsTests.render(p, .anteroposterior, findings: spurs)
        let without = try RadiographFindingsTests.render(p, .anteroposterior, findings: .init())
        let boxes = RadiographFindingsTests.boxes(with.truth, .osteophytes).map(\.box)
        #expect(boxes.count == 1)
        let c = RadiographFindingsTests.changes(with, without, boxes: boxes)
        #expect(c.changed >= 8 && Double(c.inside) >= 0.9 * Double(c.changed), "\(c.inside) of \(c.changed)")
        let o = Self.offsetFromBodies(with, without, bodies: [.l2], threshold: 150)
        #expect(o.count >= 8)
        #expect(abs(o.offset) < 2, "spur pixels \(o.offset) px off L2's centre (\(o.count) pixels)")
    }

    /// Screws and rods across L2–L3 lie about the middle of the two shifted bodies.
    @Test func screwsAndRodsSitOnTheirShiftedBodies() throws {
        let p = Self.curved()
        let level = DiscLevel(upper: .l2, lower: .l3)
        let fused = try RadiographFindingsTests.render(p, .anteroposterior, findings: .init(fixation: .init(level: level)))
        let bare = try RadiographFindingsTests.render(p, .anteroposterior, findings: .init())
        let box = try #require(RadiographFindingsTests.boxes(fused.truth, .surgicalImplant).first?.box)
        let c = RadiographFindingsTests.changes(fused, bare, boxes: [box], threshold: 300)
        #expect(c.changed >= 30 && Double(c.inside) >= 0.95 * Double(c.changed), "\(c.inside) of \(c.changed)")
        let o = Self.offsetFromBodies(fused, bare, bodies: [.l2, .l3], threshold: 300)
        #expect(o.count >= 30)
        #expect(abs(o.offset) < 2, "metal \(o.offset) px off its bodies' centres (\(o.count) pixels)")
    }
}

/// The last two VinDr-SpineXR classes (schema 3): "Other lesions" (focal sclerotic and lytic bone lesions drawn into
/// the attenuation) and "Foraminal stenosis" (lateral views, levels whose foraminal truth is grade 2 or worse).
@Suite struct RadiographLesionClassTests {
    static func lesion(_ kind: RadiographFindings.BoneLesion.Kind) -> RadiographFindings {
        .init(boneLesions: [.init(vertebra: .l3, kind: kind, radiusMM: 6, anteriorMM: 2, superiorMM: 1, leftMM: -4)])
    }

    @Test(arguments: RadiographFindingsTests.lumbarViews, RadiographFindings.BoneLesion.Kind.allCases)
    func boneLesionBoxesHoldTheDrawnLesion(view: RadiographView, kind: RadiographFindings.BoneLesion.Kind) throws {
        let p = PhantomTestSupport.healthy(seed: 22)
        let with = try RadiographFindingsTests.render(p, view, findings: Self.lesion(kind), pixelMM: 1)
        let without = try RadiographFindingsTests.render(p, view, findings: .init(), pixelMM: 1)
        let boxes = RadiographFindingsTests.boxes(with.truth, .otherLesions)
        #expect(boxes.map(\.level) == ["L3"])
        #expect(with.truth.label == "abnormal")
        let box = try #require(boxes.first?.box)
        // Sclerotic lesions brighten the image, lytic ones darken it: count the pixels changed by more than
        // `threshold` in the lesion's sense.
        var changed = 0, inside = 0
        for j in 0..<with.rows {
            for i in 0..<with.columns {
                let q = j * with.columns + i
                let d = Int(with.pixels[q]) - Int(without.pixels[q])
                guard kind == .sclerotic ? d > 100 : d < -25 else { continue }
                changed += 1
                let x = Double(i), y = Double(j)
                if x >= box[0] - 1 && x <= box[2] + 1 && y >= box[1] - 1 && y <= box[3] + 1 { inside += 1 }
            }
        }
        // A 12 mm sphere covers about 110 mm² of the detector (0.9 mm² pixels at 1 mm and 1.1–1.2 magnification).
        #expect(changed >= 40, "\(changed) pixels show the \(kind) lesion")
        #expect(Double(inside) >= 0.95 * Double(changed), "\(inside) of \(changed) changed pixels in \(box)")
        // The box is no larger than the sphere's projection and its 1 mm pad: 12 mm + 2 mm, magnified at most 1.3×.
        let sideMM = 14 * 1.3
        #expect(box[2] - box[0] < sideMM && box[3] - box[1] < sideMM, "\(box)")
    }

    @Test func drawnLesionsFitTheirBodiesAndAreRare() throws {
        var drawn = 0
        for seed in UInt64(1)...400 {
            let p = PhantomParameters(seed: seed)
            let f = RadiographFindings(drawnFor: p)
            guard !f.boneLesions.isEmpty else { continue }
            drawn += 1
            // Every drawn lesion passes validation (lies in the marrow of an unfractured lumbar body).
            try f.validate(for: try SpineModel(parameters: p))
            #expect(f.boneLesions.allSatisfy { l in !p.fractures.contains { $0.vertebra == l.vertebra } })
        }
        #expect(drawn > 10 && drawn < 45, "\(drawn) of 400 seeds draw a bone lesion")
    }

    @Test func lesionsOutsideTheBodyAreRefused() throws {
        let model = try SpineModel(parameters: PhantomTestSupport.healthy(seed: 22))
        for l in [
            RadiographFindings.BoneLesion(vertebra: .l2, kind: .lytic, radiusMM: 6, leftMM: 30),
            .init(vertebra: .l2, kind: .sclerotic, radiusMM: 14),
            .init(vertebra: .s1, kind: .sclerotic, radiusMM: 4),
        ] {
            #expect(throws: PhantomError.self) { try RadiographFindings(boneLesions: [l]).validate(for: model) }
        }
    }

    /// Schema 2 truth files (no `boneLesions`) still decode.
    @Test func findingsWithoutBoneLesionsDecode() throws {
        let json = #"{"osteophytes":[{"vertebra":"L4","superior":true,"lengthMM":3}]}"#
        let f = try JSONDecoder().decode(RadiographFindings.self, from: Data(json.utf8))
        #expect(f.boneLesions.isEmpty && f.osteophytes.count == 1)
    }

    /// A level narrowed on both sides to grade 2–3 gets a foraminal stenosis box on the lateral view only, and
    /// the bone the narrowing adds (facet growth, raised floor, lowered roof) shows inside it.
    @Test func foraminalStenosisBoxHoldsTheNarrowedForamina() throws {
        var open = PhantomTestSupport.healthy(seed: 22)
        for k in open.discs.indices { open.discs[k].foraminalNarrowing = .init(left: 0, right: 0) }
        var narrowed = open
        let level = DiscLevel(upper: .l4, lower: .l5)
        let n = try #require(narrowed.discs.firstIndex { $0.level == level })
        narrowed.discs[n].foraminalNarrowing = .init(left: 1, right: 1)
        let model = try SpineModel(parameters: narrowed)
        let di = try #require(model.discs.firstIndex { $0.level == level })
        let grades = model.foraminaTruth(disc: di).compactMap(\.grade)
        #expect(grades.count == 2 && grades.allSatisfy { $0 >= 2 }, "grades \(grades)")
        var o = RadiographOptions()
        o.detectorPixelMM = 1
        o.findings = RadiographFindings()
        let with = try Radiograph(model: model, view: .lateral, options: o)
        let without = try Radiograph(model: try SpineModel(parameters: open), view: .lateral, options: o)
        // Other levels may be graded 2 by their anatomy alone (seed 22's L5-S1 is): the same in both.
        let boxes = RadiographFindingsTests.boxes(with.truth, .foraminalStenosis).filter { $0.level == "L4-L5" }
        #expect(boxes.count == 1)
        #expect(!RadiographFindingsTests.boxes(without.truth, .foraminalStenosis).contains { $0.level == "L4-L5" })
        #expect(with.truth.label == "abnormal")
        let box = try #require(boxes.first?.box)
        let c = RadiographFindingsTests.changes(with, without, boxes: [box], threshold: 100)
        #expect(c.changed >= 20, "the narrowing shows: \(c.changed) pixels brighter")
        #expect(Double(c.inside) >= 0.9 * Double(c.changed), "\(c.inside) of \(c.changed) changed pixels in \(box)")
        // It lies behind the L4 body's posterior corners (the foramen is behind the disc).
        let corners = try #require(with.truth.vertebrae.first { $0.name == .l4 }?.corners)
        #expect(box[2] > corners.posteriorInferior[0] - 10 && box[0] > corners.anteriorInferior[0], "\(box)")
        let ap = try Radiograph(model: model, view: .anteroposterior, options: o)
        #expect(RadiographFindingsTests.boxes(ap.truth, .foraminalStenosis).isEmpty)
    }

    /// A radiograph with both new classes written as DX: pydicom reads the stored values and dcmdump shows it
    /// without errors or warnings.
    @Test(.enabled(if: RadiographFindingsTests.hasPydicom || RadiographFindingsTests.isCI, "needs pydicom"))
    func lesionDXReadsInPydicomAndDcmdump() throws {
        let dir = PhantomTestSupport.temporaryFolder("xf-lesion")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var p = PhantomTestSupport.healthy(seed: 22)
        let n = try #require(p.discs.firstIndex { $0.level == DiscLevel(upper: .l4, lower: .l5) })
        p.discs[n].foraminalNarrowing = .init(left: 1, right: 1)
        let r = try RadiographFindingsTests.render(p, .lateral, findings: Self.lesion(.sclerotic), pixelMM: 3)
        #expect(!RadiographFindingsTests.boxes(r.truth, .otherLesions).isEmpty)
        #expect(!RadiographFindingsTests.boxes(r.truth, .foraminalStenosis).isEmpty)
        try RadiographWriter.writeDX(r, to: dir + "/lateral.dcm", study: .init(seed: 22), seriesNumber: 1)
        let script = """
            import sys, pydicom, numpy
            ds = pydicom.dcmread(sys.argv[1])
            a = ds.pixel_array.astype(numpy.int64)
            print(ds.Modality, a.shape[0], a.shape[1], int(a.sum()))
            """
        let py = try RadiographFindingsTests.run(
            try #require(ExternalProgram.which("python3")), ["-c", script, dir + "/lateral.dcm"])
        #expect(py.status == 0, "\(py.output)")
        let mono1 = r.truth.photometricInterpretation == "MONOCHROME1"
        let stored = r.pixels.reduce(0) { $0 + (mono1 ? 4095 - Int($1) : Int($1)) }
        #expect(py.output.trimmingCharacters(in: .whitespacesAndNewlines) == "DX \(r.rows) \(r.columns) \(stored)")
        if let dcmdump = ExternalProgram.which("dcmdump") {
            let out = try RadiographFindingsTests.run(dcmdump, ["-dc", "-M", dir + "/lateral.dcm"])
            #expect(out.status == 0 && !out.output.contains("E: ") && !out.output.contains("W: "), "\(out.output)")
        }
    }
}
