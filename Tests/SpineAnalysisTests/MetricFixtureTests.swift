import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

/// Agreement with independent implementations (MedPy's surface-distance definitions on scipy, scikit-learn),
/// recorded by `Scripts/fixtures/make_metric_fixtures.py` in `Tests/Fixtures/metrics/expected.json`.
@Suite struct MetricFixtureTests {
    struct Expected: Decodable {
        struct LabelCase: Decodable {
            var label: Int
            var truthVoxels: Int, predictionVoxels: Int, intersectionVoxels: Int
            var dice: Double?, iou: Double?, hd95: Double?, assd: Double?, hausdorff: Double?
        }
        struct SegmentationCase: Decodable {
            var name: String, truth: String, prediction: String
            var spacingMM: [Double]
            var labels: [LabelCase]
        }
        struct Kappa: Decodable {
            var truth: [Int], prediction: [Int]
            var quadratic: Double, linear: Double, unweighted: Double
            var confusion: [[Int]]
        }
        struct AUROC: Decodable {
            var labels: [Int], scores: [Double], auroc: Double
        }
        var segmentation: [SegmentationCase]
        var kappa: Kappa
        var auroc: AUROC
    }

    static let folder = AnalysisTestData.fixtures.appendingPathComponent("metrics")
    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
    }

    @Test func segmentationAgreesWithScipyMedPy() throws {
        let e = try Self.expected()
        #expect(e.segmentation.count == 3)
        for c in e.segmentation {
            let (t, _) = try ImageReader.readVolume(path: Self.folder.appendingPathComponent(c.truth).path)
            let (p, _) = try ImageReader.readVolume(path: Self.folder.appendingPathComponent(c.prediction).path)
            #expect(
                abs(t.geometry.spacing.x - c.spacingMM[0]) < 1e-6 && abs(t.geometry.spacing.z - c.spacingMM[2]) < 1e-6)
            let s = try SegmentationEvaluation.evaluate(
                prediction: p.converted(to: Int32.self), truth: t.converted(to: Int32.self))
            #expect(s.map(\.label) == c.labels.map(\.label), "\(c.name)")
            for (got, want) in zip(s, c.labels) {
                let what = "\(c.name) label \(want.label)"
                #expect(
                    got.truthVoxels == want.truthVoxels && got.predictionVoxels == want.predictionVoxels
                        && got.intersectionVoxels == want.intersectionVoxels, "\(what)")
                #expect(
                    close(got.dice, want.dice, 1e-6),
                    "\(what) dice \(String(describing: got.dice)) vs \(String(describing: want.dice))")
                #expect(close(got.iou, want.iou, 1e-6), "\(what) iou")
                #expect(
                    close(got.hausdorff95MM, want.hd95, 1e-3),
                    "\(what) hd95 \(String(describing: got.hausdorff95MM)) vs \(String(describing: want.hd95))")
                #expect(close(got.averageSymmetricSurfaceDistanceMM, want.assd, 1e-3), "\(what) assd")
                #expect(close(got.hausdorffMM, want.hausdorff, 1e-3), "\(what) hausdorff")
            }
        }
    }

    @Test func kappaAndConfusionAgreeWithScikitLearn() throws {
        let k = try Self.expected().kappa
        #expect(
            abs(CohenKappa.kappa(truth: k.truth, prediction: k.prediction, categories: [0, 1, 2, 3])! - k.quadratic)
                < 1e-9)
        #expect(
            abs(
                CohenKappa.kappa(
                    truth: k.truth, prediction: k.prediction, categories: [0, 1, 2, 3], weighting: .linear)! - k.linear)
                < 1e-9)
        #expect(
            abs(
                CohenKappa.kappa(
                    truth: k.truth, prediction: k.prediction, categories: [0, 1, 2, 3], weighting: .unweighted)!
                    - k.unweighted) < 1e-9)
        #expect(
            ConfusionMatrix(truth: k.truth, prediction: k.prediction, categories: [0, 1, 2, 3]).counts == k.confusion)
    }

    @Test func aurocAgreesWithScikitLearn() throws {
        let a = try Self.expected().auroc
        let auc = try #require(ROCAnalysis.auroc(scores: a.scores, labels: a.labels.map { $0 == 1 }))
        #expect(abs(auc - a.auroc) < 1e-12)
        let r = try #require(ROCAnalysis.aurocWithBootstrap(scores: a.scores, labels: a.labels.map { $0 == 1 }))
        #expect(r.lower < auc && auc < r.upper && r.resamples == 2000)
    }

    func close(_ a: Double?, _ b: Double?, _ tol: Double) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (x?, y?): abs(x - y) <= tol
        default: false
        }
    }
}
