import Foundation
import SpineImaging
import Testing

@testable import SpinePhantom

@Suite struct PhantomAnatomyTests {
    /// Seeds chosen to cover the variants: 0–40 include slips, fractures, stenoses and anomalies.
    static let seeds: [UInt64] = [1, 2, 3, 7, 11]

    @Test(arguments: seeds)
    func heightsInTruthMatchTheLabelMap(seed: UInt64) throws {
        let model = try SpineModel(parameters: PhantomParameters(seed: seed))
        let truth = model.anatomyTruth()
        let grid = PhantomTestSupport.midlineGrid(model, spacing: 0.7)
        let labels = MRRenderer.labels(model, on: grid).instances
        // "Within a voxel": the voxel's in-plane diagonal.
        let tolerance = 0.7 * 2.0.squareRoot()
        // The grid holds T10 to the sacrum (VerSe 17 and up; discs 117 and up): the column above is not in it.
        for v in truth.vertebrae where v.instanceLabel >= 17 {
            let c = PhantomTestSupport.vec(v.centreWorldLPS), up = PhantomTestSupport.vec(v.superiorAxisLPS)
            let ant = PhantomTestSupport.vec(v.anteriorAxisLPS)
            let expected = [v.anteriorHeightMM, v.middleHeightMM, v.posteriorHeightMM]
            for (n, offset) in v.heightOffsetsMM.enumerated() {
                let measured = PhantomTestSupport.runLength(
                    labels, labels: [v.instanceLabel], start: c + ant * offset, axis: up)
                #expect(
                    abs(measured - expected[n]) <= tolerance, "\(v.name) height \(n): \(measured) vs \(expected[n]) mm")
            }
            #expect(v.middleHeightMM > 10 && v.middleHeightMM < 35, "\(v.name) middle height \(v.middleHeightMM) mm")
        }
        for d in truth.discs where d.instanceLabel >= 117 {
            let c = PhantomTestSupport.vec(d.centreWorldLPS), up = PhantomTestSupport.vec(d.superiorAxisLPS)
            let ant = PhantomTestSupport.vec(d.anteriorAxisLPS)
            let expected = [d.anteriorHeightMM, d.middleHeightMM, d.posteriorHeightMM]
            for (n, offset) in d.heightOffsetsMM.enumerated() {
                let measured = PhantomTestSupport.runLength(
                    labels, labels: [d.instanceLabel], start: c + ant * offset, axis: up)
                #expect(
                    abs(measured - expected[n]) <= tolerance, "\(d.level) height \(n): \(measured) vs \(expected[n]) mm"
                )
            }
        }
    }

    @Test(arguments: seeds)
    func duralSacAreaInTruthMatchesTheLabelMap(seed: UInt64) throws {
        let model = try SpineModel(parameters: PhantomParameters(seed: seed))
        let truth = model.anatomyTruth()
        let h = 0.25
        for d in truth.discs where d.upper >= .l1 {
            // A one-slice label map in the plane normal to the canal at the level.
            let p = PhantomTestSupport.vec(d.canalPointLPS), normal = PhantomTestSupport.vec(d.canalNormalLPS)
            let ant = PhantomTestSupport.vec(d.canalAnteriorLPS)
            let row = ant.cross(normal).normalized, col = -ant
            let n = 128
            let origin = p - row * (Double(n - 1) * h / 2) - col * (Double(n - 1) * h / 2)
            let g = ImageGeometry(
                size: SIMD3(n, n, 1), spacing: SIMD3(h, h, h), origin: origin,
                direction: Matrix3(columns: row, col, row.cross(col)))
            let classes = MRRenderer.labels(model, on: g).classes
            let count = classes.voxels.filter {
                $0 == StructureClass.spinalCanal.labelValue || $0 == StructureClass.caudaEquina.labelValue
            }.count
            let area = Double(count) * h * h
            let a = d.duralSacAPDiameterMM / 2, b = d.duralSacWidthMM / 2
            let perimeter = Double.pi * (3 * (a + b) - ((3 * a + b) * (a + 3 * b)).squareRoot())
            #expect(
                abs(area - d.duralSacAreaMM2) <= perimeter * h / 2 + 1,
                "\(d.level): \(area) vs \(d.duralSacAreaMM2) mm²")
            let grade = d.duralSacAreaMM2 < 75 ? "absolute" : d.duralSacAreaMM2 < 100 ? "relative" : "none"
            #expect(d.centralStenosis == grade)
            // A herniation indents the ellipse (HerniationTests measures by how much); the rest is an ellipse.
            guard d.herniation == nil else { continue }
            #expect(abs(d.duralSacAreaMM2 - Double.pi * a * b) < 0.05)
            // AP diameter along the anterior axis.
            let ap = PhantomTestSupport.runLength(
                classes, labels: [StructureClass.spinalCanal.labelValue, StructureClass.caudaEquina.labelValue],
                start: PhantomTestSupport.vec(d.duralSacCentreLPS), axis: ant)
            #expect(
                abs(ap - d.duralSacAPDiameterMM) <= 2 * h + 0.1, "\(d.level) sac AP \(ap) vs \(d.duralSacAPDiameterMM)")
        }
    }

    @Test func everyLevelHasItsInstanceLabel() throws {
        for anomaly in EnumerationAnomaly.allCases {
            var p = PhantomParameters(seed: 5)
            p.anomaly = anomaly
            p.discs = []
            p.fractures = []
            p.slip = nil
            let model = try SpineModel(parameters: p)
            let labels = MRRenderer.labels(
                model, on: PhantomTestSupport.midlineGrid(model, spacing: 1.5, slices: 7, widthMM: 330, sliceMM: 8))
            let present = Set(labels.instances.voxels)
            let expected = Set(PhantomParameters.vertebrae(for: anomaly).map { UInt8($0.verseLabel) })
                .union(PhantomParameters.discLevels(for: anomaly).map { UInt8($0.verseLabel) }).union([0])
            // T10 to the sacrum and the coccyx (27) are all there; what else the grid's top reaches is T9 or above
            // (VerSe 1–16, discs 101–116).
            #expect(expected.union([27]).isSubset(of: present), "\(anomaly): \(present.sorted()) vs \(expected.sorted())")
            #expect(
                present.subtracting(expected).subtracting([27]).allSatisfy { $0 <= 16 || (101...116).contains($0) },
                "\(anomaly): \(present.sorted())")
            let classes = Set(labels.classes.voxels)
            #expect(
                classes.isSuperset(of: Set((0...9).map(UInt8.init)).union([11])),
                "\(anomaly): classes \(classes.sorted())")
        }
        #expect(DiscLevel(upper: .l4, lower: .l5).verseLabel == 123)
        #expect(Vertebra.t13.verseLabel == 28 && Vertebra.l6.verseLabel == 25 && Vertebra.s1.verseLabel == 26)
    }

    @Test func lordosisAndFindingsAreConstructed() throws {
        var p = PhantomParameters(seed: 21)
        p.lordosisDeg = 55
        p.discs = []
        p.fractures = []
        #expect(abs(try SpineModel(parameters: p).lordosisDeg - 55) < 0.5)
        p.slip = .init(level: DiscLevel(upper: .l4, lower: .l5), fraction: 0.3)
        p.fractures = [.init(vertebra: .l1, shape: .wedge, heightLossFraction: 0.45, acute: true)]
        let model = try SpineModel(parameters: p)
        // An L1 wedge fracture is kyphotic: it takes lordosis away.
        #expect(model.lordosisDeg < 50)
        let t = model.anatomyTruth()
        let l45 = try #require(t.discs.first { $0.level == "L4-L5" })
        #expect(l45.meyerdingGrade == 2)
        let l1 = try #require(t.vertebrae.first { $0.name == .l1 })
        #expect(l1.genantGrade == 3)
        // A wedge fracture loses anterior height: anterior/posterior ≈ 1 − loss.
        #expect(abs(l1.anteriorHeightMM / l1.posteriorHeightMM - 0.55) < 0.08)
        for seed in 0..<40 as Range<UInt64> {
            let lordosis = try SpineModel(parameters: PhantomParameters(seed: seed)).lordosisDeg
            #expect(lordosis > 10 && lordosis < 75, "seed \(seed): lordosis \(lordosis)°")
        }
    }
}

@Suite struct PhantomParameterErrorTests {
    @Test func contradictoryAnomalyIsRefused() {
        var p = PhantomParameters(seed: 1)
        p.anomaly = .sixLumbar
        p.lumbarCount = 5
        #expect(throws: PhantomError.self) { try SpineModel(parameters: p) }
        do { _ = try SpineModel(parameters: p) } catch let e as PhantomError {
            #expect(e.code == .contradiction && e.parameter == "lumbarCount")
            #expect(e.description.contains("sixLumbar"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func levelsThatDoNotExistAreRefused() {
        var p = PhantomParameters(seed: 1)
        p.anomaly = .none
        p.slip = .init(level: DiscLevel(upper: .l6, lower: .s1), fraction: 0.2)
        #expect { try SpineModel(parameters: p) } throws: { ($0 as? PhantomError)?.code == .noSuchLevel }
        p.slip = nil
        p.fractures = [.init(vertebra: .t13, shape: .crush, heightLossFraction: 0.3, acute: false)]
        #expect { try SpineModel(parameters: p) } throws: { ($0 as? PhantomError)?.code == .noSuchLevel }
    }

    @Test func impossibleNumbersAreRefused() {
        var p = PhantomParameters(seed: 1)
        p.lordosisDeg = 120
        #expect { try SpineModel(parameters: p) } throws: { ($0 as? PhantomError)?.parameter == "lordosisDeg" }
        p = PhantomParameters(seed: 1)
        p.slip = .init(level: DiscLevel(upper: .l4, lower: .l5), fraction: -0.1)
        #expect { try SpineModel(parameters: p) } throws: { ($0 as? PhantomError)?.parameter == "slip.fraction" }
        p = PhantomParameters(seed: 1)
        p.bodyScale = .nan
        #expect { try SpineModel(parameters: p) } throws: { ($0 as? PhantomError)?.code == .outOfRange }
    }

    @Test func impossibleGridsAreRefused() {
        var o = PhantomTestSupport.smallStudyOptions()
        o.sagittalGeometry!.spacing = SIMD3(-0.7, 0.7, 4)
        #expect { try MRStudy(seed: 1, options: o) } throws: {
            ($0 as? PhantomError)?.parameter == "sagittalGeometry.spacing.i"
        }
        o = PhantomTestSupport.smallStudyOptions()
        o.sagittalGeometry!.size = SIMD3(64, 64, 0)
        #expect { try MRStudy(seed: 1, options: o) } throws: {
            ($0 as? PhantomError)?.parameter == "sagittalGeometry.size.k"
        }
        o = PhantomTestSupport.smallStudyOptions()
        o.contrasts = ["FLAIR"]
        #expect { try MRStudy(seed: 1, options: o) } throws: { ($0 as? PhantomError)?.parameter == "contrasts" }
    }
}

@Suite struct PhantomMRITests {
    /// Mean image value over voxels of one class whose six neighbours share it (no partial volume).
    static func classMean(_ image: Volume<UInt16>, _ classes: Volume<UInt8>, _ c: StructureClass) -> Double {
        let s = classes.size
        var sum = 0.0, n = 0
        for k in 0..<s.z {
            for j in 1..<(s.y - 1) {
                for i in 1..<(s.x - 1) where classes[i, j, k] == c.labelValue {
                    if classes[i - 1, j, k] == c.labelValue && classes[i + 1, j, k] == c.labelValue
                        && classes[i, j - 1, k] == c.labelValue && classes[i, j + 1, k] == c.labelValue
                    {
                        sum += Double(image[i, j, k])
                        n += 1
                    }
                }
            }
        }
        return n > 0 ? sum / Double(n) : .nan
    }

    @Test(arguments: [UInt64(4), 8])
    func contrastOrderingFollowsPhysics(seed: UInt64) throws {
        let model = try SpineModel(parameters: PhantomParameters(seed: seed))
        var o = MRImagingOptions()
        o.snr = 0
        o.coilFalloffMM = 0
        o.supersampling = [1, 1, 1]
        var rng = PhantomRandom(seed: seed)
        let seqs = [MRSequence.t1(&rng), .t2(&rng), .stir(&rng)]
        let r = try MRRenderer.render(
            model, on: PhantomTestSupport.midlineGrid(model, spacing: 1.5, slices: 7, widthMM: 330, sliceMM: 8),
            sequences: seqs, options: o)
        func mean(_ q: Int, _ c: StructureClass) -> Double { Self.classMean(r.images[q], r.classLabels, c) }
        for c in [StructureClass.spinalCanal, .vertebralBody, .paraspinalMuscle, .subcutaneousFat, .bloodVessels] {
            #expect(mean(0, c).isFinite, "no homogeneous \(c.name) voxel in the test grid")
        }
        let (t1, t2, stir) = (0, 1, 2)
        // CSF: bright on T2, dark on T1.
        #expect(
            mean(t2, .spinalCanal) > mean(t2, .vertebralBody) && mean(t2, .spinalCanal) > mean(t2, .paraspinalMuscle))
        #expect(
            mean(t1, .spinalCanal) < mean(t1, .paraspinalMuscle) && mean(t1, .spinalCanal) < mean(t1, .vertebralBody))
        // Fat: bright on T1, suppressed on STIR.
        #expect(
            mean(t1, .subcutaneousFat) > mean(t1, .vertebralBody)
                && mean(t1, .subcutaneousFat) > mean(t1, .paraspinalMuscle))
        #expect(
            mean(stir, .subcutaneousFat) < mean(stir, .paraspinalMuscle)
                && mean(stir, .subcutaneousFat) < mean(stir, .spinalCanal))
        // Fatty marrow brighter than muscle on T1; flowing blood dark on both.
        #expect(mean(t1, .vertebralBody) > mean(t1, .paraspinalMuscle))
        #expect(mean(t2, .bloodVessels) < mean(t2, .paraspinalMuscle) * 1.5)
        // A healthy nucleus is brighter than a black (fully dark) one on T2.
        let healthy = seqs[1].signal(Material(.nucleusPulposus, .intervertebralDisc))
        let dark = seqs[1].signal(Material(.nucleusPulposus, .intervertebralDisc, pdScale: 0.7, t2Scale: 0.35))
        #expect(healthy > 2 * dark)
    }

    @Test func sameSeedGivesByteIdenticalStudies() throws {
        let a = PhantomTestSupport.temporaryFolder("a"), b = PhantomTestSupport.temporaryFolder("b")
        defer {
            try? FileManager.default.removeItem(atPath: a)
            try? FileManager.default.removeItem(atPath: b)
        }
        let o = PhantomTestSupport.smallStudyOptions()
        try MRStudyWriter.write(seed: 42, to: a, options: o)
        try MRStudyWriter.write(seed: 42, to: b, options: o)
        let fa = try PhantomTestSupport.files(under: a), fb = try PhantomTestSupport.files(under: b)
        #expect(fa.count >= 3 * 3 + 5)
        #expect(Set(fa.keys) == Set(fb.keys))
        for (name, bytes) in fa { #expect(fb[name] == bytes, "\(name) differs") }
        let c = PhantomTestSupport.temporaryFolder("c")
        defer { try? FileManager.default.removeItem(atPath: c) }
        try MRStudyWriter.write(seed: 43, to: c, options: o)
        #expect(try PhantomTestSupport.files(under: c)["truth.json"] != fa["truth.json"])
    }

    @Test func dicomAndNIfTIAgreeOnGeometryAndVoxels() throws {
        let dir = PhantomTestSupport.temporaryFolder("geom")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var o = PhantomTestSupport.smallStudyOptions()
        // Oblique grid so that every direction cosine matters.
        let t = 0.12
        let row = SIMD3(sin(t), cos(t), 0.05).normalized, col = SIMD3(0.03, 0.02, -1).normalized
        let col2 = (col - row * row.dot(col)).normalized
        o.sagittalGeometry!.direction = Matrix3(columns: row, col2, row.cross(col2))
        o.sagittalGeometry!.spacing = SIMD3(3.5, 3.2, 4.4)
        try MRStudyWriter.write(seed: 7, to: dir, options: o)
        let items = try ImageReader.open(path: dir + "/dicom/SAG_T2")
        #expect(items.count == 1)
        let fromDICOM = try #require(items.first).load()
        let fromNIfTI = try NIfTI.read(path: dir + "/nifti/SAG_T2.nii")
        let labels = try NIfTI.read(path: dir + "/nifti/SAG_labels_class.nii.gz")
        for (p, q) in zip(fromDICOM.geometry.cornersLPS, fromNIfTI.geometry.cornersLPS) {
            #expect((p - q).length < 1e-3)
        }
        for (p, q) in zip(labels.geometry.cornersLPS, fromNIfTI.geometry.cornersLPS) { #expect((p - q).length < 1e-3) }
        for (p, q) in zip(fromNIfTI.geometry.cornersLPS, o.sagittalGeometry!.cornersLPS) {
            #expect((p - q).length < 1e-3)
        }
        #expect(fromDICOM.converted(to: Int32.self).voxels == fromNIfTI.converted(to: Int32.self).voxels)
        let truth = try JSONDecoder().decode(
            PhantomTruth.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/truth.json")))
        #expect(truth.schemaVersion == PhantomTruth.currentSchemaVersion && truth.seed == 7)
        let s = try #require(truth.series.first { $0.name == "SAG_T2" })
        #expect((PhantomTestSupport.vec(s.originLPS) - fromDICOM.geometry.origin).length < 1e-3)
    }
}
