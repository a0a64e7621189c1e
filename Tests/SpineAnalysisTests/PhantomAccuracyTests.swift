import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

/// SpinePhantom studies with their truth, committed under `Tests/Fixtures/phantom-truth` (see the
/// README there): the sagittal class label map of each seed and the part of `truth.json` measured here.
///
/// The maps come from `spine phantom mri --seed S --no-dicom`, not from SpinePhantom in process,
/// because this test target does not depend on SpinePhantom.
enum PhantomTruthFixture {
    static let seeds: [UInt64] = [1, 3, 4, 7, 9, 11]
    static let folder = AnalysisTestData.fixtures.appendingPathComponent("phantom-truth")

    struct Truth: Decodable {
        struct Vertebra: Decodable {
            var name: String
            var anteriorHeightMM, middleHeightMM, posteriorHeightMM: Double
            var genantGrade: Int
        }
        struct Disc: Decodable {
            var level: String
            var anteriorHeightMM, middleHeightMM, posteriorHeightMM: Double
            var slipMM, slipPercent: Double
            var meyerdingGrade: Int
        }
        var seed: UInt64
        var lordosisDeg: Double
        var vertebrae: [Vertebra]
        var discs: [Disc]
    }

    static func labels(seed: UInt64) throws -> AnyVolume {
        try NIfTI.read(path: folder.appendingPathComponent("seed\(seed)_labels_class.nii.gz").path)
    }

    static func truth(seed: UInt64) throws -> Truth {
        try JSONDecoder().decode(
            Truth.self, from: Data(contentsOf: folder.appendingPathComponent("seed\(seed)_truth.json")))
    }

    /// The analysis of every fixture, computed once (in parallel) for all tests of the suite.
    static let reports: [UInt64: Result<AnalysisReport, Error>] = {
        let box = ResultBox()
        DispatchQueue.concurrentPerform(iterations: seeds.count) { n in
            let seed = seeds[n]
            let r = Result { try SpineAnalyzer.analyze(labelMap: try labels(seed: seed), classMap: .spineKit) }
            box.set(seed, r)
        }
        return box.value
    }()

    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var value: [UInt64: Result<AnalysisReport, Error>] = [:]
        func set(_ k: UInt64, _ v: Result<AnalysisReport, Error>) { lock.withLock { value[k] = v } }
    }

    static func report(seed: UInt64) throws -> AnalysisReport { try #require(reports[seed]).get() }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

@Suite struct PhantomAccuracyTests {
    /// Median absolute errors over every measured structure of every fixture against the phantom's truth.
    /// Tolerances: the (disc height ≤ 0.5 mm, lordosis ≤ 2°, slip ≤ 3 percentage points) and
    /// 0.5 mm for body heights. Measured on these six seeds (see the commit): medians 0.13–0.34 mm for
    /// heights, 0.5 points for slip, 0.3° for lordosis.
    @Test func medianErrorsAgainstTruth() throws {
        var body: [String: [Double]] = ["anterior": [], "middle": [], "posterior": []]
        var disc: [String: [Double]] = ["anterior": [], "middle": [], "posterior": []]
        var slipPoints: [Double] = [], lordosis: [Double] = []
        for seed in PhantomTruthFixture.seeds {
            let report = try PhantomTruthFixture.report(seed: seed), truth = try PhantomTruthFixture.truth(seed: seed)
            for v in report.vertebrae {
                guard let t = truth.vertebrae.first(where: { $0.name == v.label }), let a = v.anteriorHeightMM,
                    let m = v.middleHeightMM, let p = v.posteriorHeightMM
                else { continue }
                body["anterior"]!.append(abs(a - t.anteriorHeightMM))
                body["middle"]!.append(abs(m - t.middleHeightMM))
                body["posterior"]!.append(abs(p - t.posteriorHeightMM))
            }
            for d in report.discs {
                guard let t = truth.discs.first(where: { $0.level == d.level }), let a = d.anteriorHeightMM,
                    let m = d.middleHeightMM, let p = d.posteriorHeightMM
                else { continue }
                disc["anterior"]!.append(abs(a - t.anteriorHeightMM))
                disc["middle"]!.append(abs(m - t.middleHeightMM))
                disc["posterior"]!.append(abs(p - t.posteriorHeightMM))
                if let s = d.slip { slipPoints.append(abs(s.percent - t.slipPercent)) }
            }
            if let l = report.alignment.lordosisL1S1Deg { lordosis.append(abs(l - truth.lordosisDeg)) }
        }
        for (name, e) in body.sorted(by: { $0.key < $1.key }) {
            #expect(e.count >= 40, "\(name) body heights measured: \(e.count)")
            #expect(median(e) <= 0.5, "median |error| of \(name) body heights: \(median(e)) mm")
        }
        for (name, e) in disc.sorted(by: { $0.key < $1.key }) {
            #expect(e.count >= 40, "\(name) disc heights measured: \(e.count)")
            #expect(median(e) <= 0.5, "median |error| of \(name) disc heights: \(median(e)) mm")
        }
        #expect(slipPoints.count >= 40)
        #expect(median(slipPoints) <= 3, "median |error| of slip: \(median(slipPoints)) points")
        #expect(lordosis.count == PhantomTruthFixture.seeds.count, "lordosis reported on every seed")
        #expect(median(lordosis) <= 2, "median |error| of L1–S1 lordosis: \(median(lordosis))°")
    }

    /// Seed 11 has no slip: none may be reported (it had 2–3 mm "retrolistheses" from posterior corners
    /// swung by the disc wedges), and each slip is within 1.5 mm of zero.
    @Test func noFalseSlipOnSeed11() throws {
        let report = try PhantomTruthFixture.report(seed: 11)
        #expect(!report.findings.contains { $0.code == "spondylolisthesis" })
        // T10 runs off the image, so T10-T11 has no slip; every other level has one.
        #expect(report.discs.filter { $0.slip != nil }.count >= 7)
        for d in report.discs {
            guard let s = d.slip else { continue }
            #expect(abs(s.distanceMM) < 1.5, "\(d.level): \(s.distanceMM) mm")
            #expect(s.meyerdingGrade == "none", "\(d.level)")
        }
    }

    /// Seed 3 has an L5-S1 slip of 41 % (Meyerding II) and 52.8° of lordosis: it read 124 % and −32°
    /// when the S1 endplate was traced along the spine curve on the whole sacrum.
    @Test func lumbosacralSlipAndLordosisOnSeed3() throws {
        let report = try PhantomTruthFixture.report(seed: 3), truth = try PhantomTruthFixture.truth(seed: 3)
        let t = try #require(truth.discs.first { $0.level == "L5-S1" })
        let s = try #require(report.discs.first { $0.level == "L5-S1" }?.slip)
        #expect(abs(s.percent - t.slipPercent) < 3, "\(s.percent) % vs \(t.slipPercent) %")
        #expect(abs(s.distanceMM - t.slipMM) < 1.5)
        #expect(s.meyerdingGrade == "II")
        let lordosis = try #require(report.alignment.lordosisL1S1Deg)
        #expect(abs(lordosis - truth.lordosisDeg) < 4, "\(lordosis)° vs \(truth.lordosisDeg)°")
    }

    /// Healthy phantom bodies (truth grade 0) get Genant 0; bodies cut by the image edge are not measured.
    @Test func healthyBodiesAreNotGradedAsFractures() throws {
        for seed in PhantomTruthFixture.seeds {
            let report = try PhantomTruthFixture.report(seed: seed), truth = try PhantomTruthFixture.truth(seed: seed)
            // Seed 9's L5 loses its posterior-superior corner to the sheared L4-L5 disc in the phantom itself
            // (its truth posterior height is 18 mm of 23), so it is left out.
            for v in report.vertebrae where !(seed == 9 && v.label == "L5") {
                guard let t = truth.vertebrae.first(where: { $0.name == v.label }), t.genantGrade == 0 else { continue }
                if report.findings.contains(where: { $0.code == "cut-by-image-edge" && $0.level == v.label }) {
                    #expect(v.genantGrade == nil && v.middleHeightMM == nil, "seed \(seed) \(v.label)")
                } else {
                    #expect(v.genantGrade == 0, "seed \(seed) \(v.label): \(v.heightReduction ?? -1)")
                }
            }
        }
        // Seed 4's T10 runs off the top of the image.
        let cut = try PhantomTruthFixture.report(seed: 4).findings.filter { $0.code == "cut-by-image-edge" }
        #expect(cut.contains { $0.level == "T10" })
    }

    /// The same label map stored in another axis order, or resampled to another grid, measures the same.
    @Test func reorientationAndResamplingKeepMeasurements() throws {
        let labels = try PhantomTruthFixture.labels(seed: 11)
        let base = try PhantomTruthFixture.report(seed: 11)
        let reoriented = labels.reoriented(to: AxisCodes("SLA")!)
        #expect(reoriented.geometry.axisCodes.description == "SLA")
        let g = labels.geometry
        // Finer in-plane, same slices: 0.75 mm instead of ~0.9 (thin axes stay as they are).
        let spacing = SIMD3(
            g.spacing.x < 2 ? 0.75 : g.spacing.x, g.spacing.y < 2 ? 0.75 : g.spacing.y,
            g.spacing.z < 2 ? 0.75 : g.spacing.z)
        let resampled = try labels.resampled(to: try g.resampled(spacingMM: spacing), interpolation: .nearest)
        for (name, map, tolerance) in [("reoriented", reoriented, 0.05), ("resampled", resampled, 0.6)] {
            let r = try SpineAnalyzer.analyze(labelMap: map, classMap: .spineKit)
            #expect(r.vertebrae.map(\.label) == base.vertebrae.map(\.label), "\(name)")
            #expect(r.discs.map(\.level) == base.discs.map(\.level), "\(name)")
            var errors: [Double] = []
            for (a, b) in zip(r.vertebrae, base.vertebrae) {
                for k in [\AnalysisReport.VertebraReport.anteriorHeightMM, \.middleHeightMM, \.posteriorHeightMM] {
                    if let x = a[keyPath: k], let y = b[keyPath: k] { errors.append(abs(x - y)) }
                }
            }
            for (a, b) in zip(r.discs, base.discs) {
                for k in [\AnalysisReport.DiscReport.anteriorHeightMM, \.middleHeightMM, \.posteriorHeightMM] {
                    if let x = a[keyPath: k], let y = b[keyPath: k] { errors.append(abs(x - y)) }
                }
                if let x = a.slip?.percent, let y = b.slip?.percent { #expect(abs(x - y) < 3, "\(name) \(a.level)") }
            }
            #expect(errors.count >= 40)
            #expect(median(errors) <= tolerance / 2 + 0.01, "\(name): median height change \(median(errors)) mm")
            #expect(errors.max()! <= 2 * tolerance + 0.5, "\(name): largest height change \(errors.max()!) mm")
            let l = try #require(r.alignment.lordosisL1S1Deg), l0 = try #require(base.alignment.lordosisL1S1Deg)
            #expect(abs(l - l0) < 1.5, "\(name): lordosis \(l)° vs \(l0)°")
        }
    }
}
