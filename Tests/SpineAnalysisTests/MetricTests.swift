import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

@Suite struct SegmentationMetricTests {
    /// A label map with `label` inside the voxel box `lower ..< upper`.
    static func box(_ size: SIMD3<Int>, spacing: SIMD3<Double> = .one, _ boxes: [(SIMD3<Int>, SIMD3<Int>, Int32)])
        -> Volume<Int32>
    {
        var v = Volume<Int32>(geometry: ImageGeometry(size: size, spacing: spacing))
        for (lo, hi, label) in boxes {
            for k in lo.z..<hi.z {
                for j in lo.y..<hi.y { for i in lo.x..<hi.x { v.voxels[v.geometry.linearIndex(i, j, k)] = label } }
            }
        }
        return v
    }

    @Test func offsetCubesDiceAndHausdorff() throws {
        // Two 10³ cubes offset by 3 voxels along i: |A∩B| = 700, Dice = 0.7, IoU = 700/1300, Hausdorff = 3 voxels along i.
        let spacing = SIMD3(0.8, 1.1, 3.0)
        let t = Self.box(SIMD3(20, 14, 14), spacing: spacing, [(SIMD3(2, 2, 2), SIMD3(12, 12, 12), 1)])
        let p = Self.box(SIMD3(20, 14, 14), spacing: spacing, [(SIMD3(5, 2, 2), SIMD3(15, 12, 12), 1)])
        let s = try SegmentationEvaluation.evaluate(prediction: p, truth: t)
        #expect(s.count == 1)
        #expect(abs(s[0].dice! - 0.7) < 1e-12)
        #expect(abs(s[0].iou! - 700.0 / 1300.0) < 1e-12)
        #expect(abs(s[0].hausdorffMM! - 3 * 0.8) < 1e-9)
        #expect(s[0].truthVoxels == 1000 && s[0].intersectionVoxels == 700)
        #expect(abs(s[0].truthVolumeMM3 - 1000 * 0.8 * 1.1 * 3.0) < 1e-9)
    }

    @Test func grownCubeSurfaceDistancesByCounting() throws {
        // Prediction [5,15)³, truth [3,17)³, 1 mm voxels. Every prediction-surface voxel is 2 mm from the truth
        // surface (488 of them); truth-surface voxels (1016) are 2, √5, √6, √8, 3 or √12 mm from the prediction's,
        // by how many of their coordinates lie 2 or 1 voxels outside the prediction:
        // 600 × 2, 240 × √5, 24 × √6, 120 × √8, 24 × 3, 8 × √12.
        let p = Self.box(SIMD3(20, 20, 20), [(SIMD3(5, 5, 5), SIMD3(15, 15, 15), 1)])
        let t = Self.box(SIMD3(20, 20, 20), [(SIMD3(3, 3, 3), SIMD3(17, 17, 17), 1)])
        let s = try SegmentationEvaluation.evaluate(prediction: p, truth: t)[0]
        // (voxels, distance²)
        let counts: [(Double, Double)] = [(600, 4), (240, 5), (24, 6), (120, 8), (24, 9), (8, 12)]
        let truthToPrediction = counts.map { $0.0 * $0.1.squareRoot() }.reduce(0, +) / 1016
        #expect(abs(s.averageSymmetricSurfaceDistanceMM! - (2 + truthToPrediction) / 2) < 1e-12)
        #expect(abs(s.hausdorffMM! - 12.0.squareRoot()) < 1e-12)
        // Pooled, sorted: 1088 × 2, 240 × √5, 24 × √6, 120 × √8 (ranks 1352…1471), …; rank 0.95 × 1503 = 1427.85 → √8.
        #expect(abs(s.hausdorff95MM! - 8.0.squareRoot()) < 1e-12)
        let d = try #require(
            SurfaceDistance.distances(
                geometry: p.geometry, prediction: p.voxels.map { $0 == 1 }, truth: t.voxels.map { $0 == 1 }))
        #expect(d.predictionToTruthMM.count == 488 && d.truthToPredictionMM.count == 1016)
        #expect(d.predictionToTruthMM.allSatisfy { $0 == 2 })
    }

    @Test func strayVoxelSetsHausdorffButNotHD95() throws {
        // Identical cubes plus one stray predicted voxel 16 voxels (along i, 0.5 mm each) from the truth surface.
        let t = Self.box(SIMD3(32, 20, 20), spacing: SIMD3(0.5, 1, 1), [(SIMD3(5, 5, 5), SIMD3(15, 15, 15), 1)])
        var p = t
        p.voxels[p.geometry.linearIndex(30, 10, 10)] = 1
        let s = try SegmentationEvaluation.evaluate(prediction: p, truth: t)[0]
        #expect(abs(s.hausdorffMM! - 8) < 1e-12)
        #expect(s.hausdorff95MM! == 0)
        #expect(abs(s.averageSymmetricSurfaceDistanceMM! - 8.0 / 489 / 2) < 1e-12)
    }

    @Test func surfaceDistancesMatchBruteForce() throws {
        // Random blobs, anisotropic spacing: EDT-based distances equal the O(n²) definition.
        let g = ImageGeometry(size: SIMD3(11, 9, 7), spacing: SIMD3(0.7, 1.3, 2.1))
        var rng = SplitMix64(seed: 7)
        let a = (0..<g.voxelCount).map { _ in rng.next() % 3 == 0 }
        let b = (0..<g.voxelCount).map { _ in rng.next() % 4 == 0 }
        let d = try #require(SurfaceDistance.distances(geometry: g, prediction: a, truth: b))
        let sa = SurfaceDistance.surface(size: g.size, mask: a), sb = SurfaceDistance.surface(size: g.size, mask: b)
        func mm(_ p: Int) -> SIMD3<Double> { SIMD3(Double(p % 11), Double((p / 11) % 9), Double(p / 99)) * g.spacing }
        func brute(_ from: [Bool], _ to: [Bool]) -> [Double] {
            from.indices.filter { from[$0] }.map { p in
                to.indices.filter { to[$0] }.map { (mm(p) - mm($0)).length }.min()!
            }
        }
        let ab = brute(sa, sb), ba = brute(sb, sa)
        #expect(
            zip(d.predictionToTruthMM, ab).allSatisfy { abs($0 - $1) < 1e-9 } && d.predictionToTruthMM.count == ab.count
        )
        #expect(
            zip(d.truthToPredictionMM, ba).allSatisfy { abs($0 - $1) < 1e-9 } && d.truthToPredictionMM.count == ba.count
        )
        // Surface: a voxel with a face neighbour outside (or at the grid edge).
        #expect(
            SurfaceDistance.surface(size: SIMD3(3, 3, 3), mask: [Bool](repeating: true, count: 27)).filter { $0 }.count
                == 26)
        #expect(
            SurfaceDistance.surface(size: SIMD3(3, 3, 1), mask: [Bool](repeating: true, count: 9)).filter { $0 }.count
                == 8)
    }

    @Test func perLabelWithEmptyAndMissingLabels() throws {
        let t = Self.box(SIMD3(12, 12, 12), [(SIMD3(0, 0, 0), SIMD3(4, 4, 4), 1), (SIMD3(6, 6, 6), SIMD3(9, 9, 9), 2)])
        let p = Self.box(SIMD3(12, 12, 12), [(SIMD3(0, 0, 0), SIMD3(4, 4, 4), 1), (SIMD3(6, 6, 6), SIMD3(9, 9, 9), 3)])
        let s = try SegmentationEvaluation.evaluate(prediction: p, truth: t, labels: [1, 2, 3, 4], classMap: .spineKit)
        #expect(s.map(\.label) == [1, 2, 3, 4])
        #expect(
            s[0].dice == 1 && s[0].hausdorff95MM == 0 && s[0].averageSymmetricSurfaceDistanceMM == 0
                && s[0].name == "vertebral_body")
        #expect(s[1].dice == 0 && s[1].hausdorff95MM == nil)  // missed
        #expect(s[2].dice == 0 && s[2].iou == 0)  // spurious
        #expect(s[3].dice == nil && s[3].iou == nil)  // in neither
        #expect(try SegmentationEvaluation.evaluate(prediction: p, truth: t).map(\.label) == [1, 2, 3])
    }

    @Test func mismatchedGridsAreRejected() {
        let a = Self.box(SIMD3(8, 8, 8), [])
        let b = Self.box(SIMD3(8, 8, 9), [])
        var c = a
        c.geometry.origin = SIMD3(0, 0, 1)
        #expect(throws: ImagingError.self) { try SegmentationEvaluation.evaluate(prediction: a, truth: b) }
        #expect(throws: ImagingError.self) { try SegmentationEvaluation.evaluate(prediction: a, truth: c) }
    }
}

@Suite struct AgreementMetricTests {
    @Test func kappaHandComputed() {
        // O = diag(2,1,1) + (1,2) + (2,1); rows and columns 2,2,2; Σw·E = (2/3)·Σw.
        let t = [0, 1, 2, 0, 1, 2], p = [0, 2, 1, 0, 1, 2]
        #expect(abs(CohenKappa.kappa(truth: t, prediction: p)! - 0.75) < 1e-12)  // 1 − 2/8
        #expect(abs(CohenKappa.kappa(truth: t, prediction: p, weighting: .linear)! - 0.625) < 1e-12)  // 1 − 2/(16/3)
        #expect(abs(CohenKappa.kappa(truth: t, prediction: p, weighting: .unweighted)! - 0.5) < 1e-12)  // 1 − 2/4
        #expect(CohenKappa.kappa(truth: t, prediction: t) == 1)
        #expect(CohenKappa.kappa(truth: [1, 1], prediction: [1, 1]) == nil)
    }

    @Test func kappaCohenExample() {
        // Two raters, 2 categories, 50 cases: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no (Wikipedia, "Cohen's kappa"):
        // p_o = 0.7, p_e = 0.5 → κ = 0.4.
        let t = [Int](repeating: 1, count: 25) + [Int](repeating: 0, count: 25)
        let p =
            [Int](repeating: 1, count: 20) + [Int](repeating: 0, count: 5) + [Int](repeating: 1, count: 10)
            + [Int](repeating: 0, count: 15)
        #expect(abs(CohenKappa.kappa(truth: t, prediction: p, weighting: .unweighted)! - 0.4) < 1e-12)
        // With two categories every weighting is the same.
        #expect(abs(CohenKappa.kappa(truth: t, prediction: p)! - 0.4) < 1e-12)
    }

    @Test func confusionMatrix() {
        let m = ConfusionMatrix(truth: [0, 0, 1, 2, 2, 2], prediction: [0, 1, 1, 2, 2, 0], categories: [0, 1, 2, 3])
        #expect(m.counts == [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]])
        #expect(m.accuracy == 4.0 / 6)
        #expect(m.recall[0] == 0.5 && m.recall[3] == nil)
        #expect(m.precision[1] == 0.5)
        #expect(m.table.split(separator: "\n").count == 5)
    }

    @Test func aurocHanleyMcNeil() throws {
        // Hanley & McNeil, Radiology 143 (1982), Table 1: 5-point ratings of 58 normal and 51 abnormal CT images; A = 0.893.
        let normal = [33, 6, 6, 11, 2], abnormal = [3, 2, 2, 11, 33]
        var scores: [Double] = [], labels: [Bool] = []
        for r in 0..<5 {
            scores += [Double](repeating: Double(r + 1), count: normal[r] + abnormal[r])
            labels += [Bool](repeating: false, count: normal[r]) + [Bool](repeating: true, count: abnormal[r])
        }
        let auc = try #require(ROCAnalysis.auroc(scores: scores, labels: labels))
        #expect(abs(auc - 2642.0 / 2958) < 1e-12)  // U = 2642 of 51 × 58
        #expect((auc * 1000).rounded() == 893)
        let r = try #require(ROCAnalysis.aurocWithBootstrap(scores: scores, labels: labels, resamples: 1000, seed: 1))
        #expect(r.auroc == auc && r.lower < auc && auc < r.upper)
        // Hanley–McNeil standard error for this table is 0.032: the 95% interval is about ±0.06.
        #expect(r.upper - r.lower > 0.08 && r.upper - r.lower < 0.16)
        let again = try #require(
            ROCAnalysis.aurocWithBootstrap(scores: scores, labels: labels, resamples: 1000, seed: 1))
        #expect(again == r)
        #expect(
            ROCAnalysis.aurocOfSamples(
                positives: scores.indices.filter { labels[$0] }.map { scores[$0] },
                negatives: scores.indices.filter { !labels[$0] }.map { scores[$0] }) == auc)
    }

    @Test func aurocEdgeCases() {
        #expect(ROCAnalysis.auroc(scores: [0.1, 0.9], labels: [false, true]) == 1)
        #expect(ROCAnalysis.auroc(scores: [0.9, 0.1], labels: [false, true]) == 0)
        #expect(ROCAnalysis.auroc(scores: [0.5, 0.5], labels: [false, true]) == 0.5)
        #expect(ROCAnalysis.auroc(scores: [0.5, 0.7], labels: [true, true]) == nil)
    }
}

@Suite struct DetectionMetricTests {
    static func b(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Box2D {
        Box2D(xMin: x0, yMin: y0, xMax: x1, yMax: y1)
    }

    @Test func boxIoU() {
        #expect(Self.b(0, 0, 2, 1).iou(Self.b(0, 0, 1, 1)) == 0.5)
        #expect(Self.b(0, 0, 1, 1).iou(Self.b(1, 0, 2, 1)) == 0)
        #expect(abs(Self.b(0, 0, 2, 2).iou(Self.b(1, 1, 3, 3)) - 1.0 / 7) < 1e-15)
    }

    @Test func tinySetWithKnownAP() {
        // Class "disc": two true boxes; ranked detections TP (0.9), FP (0.8), TP (0.7, IoU exactly 0.5).
        // Recall .5 .5 1, precision 1 .5 .667 → envelope 1 .667 .667; recall points 0…0.50 read 1 (51 of them),
        // 0.51…1 read 2/3 (50): AP = (51 + 100/3)/101. Class "body": one true box, never detected: AP 0.
        let truth = [
            TruthBox(image: "a", label: "disc", box: Self.b(0, 0, 10, 10)),
            TruthBox(image: "b", label: "disc", box: Self.b(0, 0, 10, 10)),
            TruthBox(image: "a", label: "body", box: Self.b(20, 20, 30, 30)),
        ]
        let detections = [
            DetectedBox(image: "b", label: "disc", box: Self.b(0, 0, 20, 10), score: 0.7),  // IoU 0.5 with b's box
            DetectedBox(image: "a", label: "disc", box: Self.b(0, 0, 10, 10), score: 0.9),
            DetectedBox(image: "a", label: "disc", box: Self.b(0, 0, 10, 10), score: 0.8),  // duplicate: FP
            DetectedBox(image: "a", label: "vessel", box: Self.b(0, 0, 1, 1), score: 0.3),
        ]
        let s = AveragePrecision.evaluate(detections: detections, truth: truth)
        #expect(s.classes.map(\.label) == ["body", "disc"])
        let disc = s.classes[1]
        #expect(abs(disc.averagePrecision - (51 + 100.0 / 3) / 101) < 1e-12)
        #expect(disc.truePositives == 2 && disc.detectionCount == 3)
        #expect(s.classes[0].averagePrecision == 0)
        #expect(abs(s.meanAveragePrecision! - (51 + 100.0 / 3) / 101 / 2) < 1e-12)
        #expect(s.detectionsOfUnknownClasses == 1)
        // Perfect ranking → AP 1; below-threshold overlap → FP.
        #expect(AveragePrecision.interpolatedAP(isTruePositive: [true, true], truthCount: 2) == 1)
        let low = AveragePrecision.evaluate(
            detections: [DetectedBox(image: "a", label: "body", box: Self.b(20, 20, 30, 40.1), score: 1)],
            truth: [truth[2]])
        #expect(low.classes[0].truePositives == 0)
    }

    @Test func matchingPrefersHighestIoU() {
        // One detection overlapping two true boxes goes to the better one; the next detection takes the other.
        let truth = [
            TruthBox(image: "a", label: "x", box: Self.b(0, 0, 10, 10)),
            TruthBox(image: "a", label: "x", box: Self.b(2, 0, 12, 10)),
        ]
        let det = [
            DetectedBox(image: "a", label: "x", box: Self.b(2, 0, 12, 10), score: 0.9),
            DetectedBox(image: "a", label: "x", box: Self.b(0, 0, 10, 10), score: 0.8),
        ]
        #expect(AveragePrecision.evaluate(detections: det, truth: truth).classes[0].averagePrecision == 1)
    }
}

@Suite struct IdentificationMetricTests {
    @Test func verseIdentification() {
        // L1…L5 (VerSe 20…24) 30 mm apart along z.
        let truth = Dictionary(uniqueKeysWithValues: (20...24).map { ($0, SIMD3<Double>(0, 0, Double(24 - $0) * 30)) })
        var pred = truth
        pred[20] = truth[20]! + SIMD3(0, 0, 5)  // 5 mm off: identified
        pred[21] = truth[21]! + SIMD3(0, 0, 16)  // 16 mm off but nearer L1 (14 mm): not identified
        pred[22] = truth[22]! + SIMD3(25, 0, 0)  // 25 mm off, still nearest to itself: not identified
        pred[24] = nil  // missed
        pred[25] = SIMD3(0, 0, -30)  // L6 predicted, not in truth
        let s = VertebraIdentification.evaluate(
            predictedCentroidsLPS: pred, truthCentroidsLPS: truth, names: { Vertebra(verseLabel: $0)?.name })
        #expect(s.truthCount == 5 && s.identifiedCount == 2)  // L1 and L4
        #expect(s.identificationRate == 0.4)
        #expect(abs(s.localisationErrorMM! - (5 + 16 + 25 + 0) / 4.0) < 1e-12)
        #expect(s.entries.map(\.identified) == [true, false, false, true, false])
        #expect(s.entries[1].nearestTruthLabel == 20)
        #expect(s.entries[4].distanceMM == nil && s.entries[0].name == "L1")
        #expect(s.extraPredictions == [25])
    }

    @Test func fromInstanceMaps() throws {
        var t = Volume<Int32>(geometry: ImageGeometry(size: SIMD3(10, 10, 40), spacing: SIMD3(1, 1, 2)))
        for k in 0..<40 {
            for j in 3..<7 { for i in 3..<7 { t.voxels[t.geometry.linearIndex(i, j, k)] = k < 20 ? 24 : 23 } }
        }
        let s = try VertebraIdentification.evaluate(prediction: t, truth: t, include: { $0 < 100 })
        #expect(s.identificationRate == 1 && s.localisationErrorMM == 0)
    }
}
