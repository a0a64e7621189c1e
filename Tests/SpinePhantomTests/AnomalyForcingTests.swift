import Foundation
import Testing

@testable import SpinePhantom

@Suite struct AnomalyForcingTests {
    /// Every seed's parameters forced to every anomaly validate and build a model whose levels are the anomaly's;
    /// level-keyed parameters keep their place counted from the sacrum.
    @Test(arguments: EnumerationAnomaly.allCases)
    func forcedParametersValidateAndBuild(anomaly: EnumerationAnomaly) throws {
        var movedCurves = 0, droppedForamina = 0
        for seed in UInt64(0)..<400 {
            let original = PhantomParameters(seed: seed)
            let p = original.forcing(anomaly)
            #expect(p.anomaly == anomaly)
            do {
                try p.validate()
            } catch {
                Issue.record("seed \(seed) \(original.anomaly) → \(anomaly): \(error)")
                continue
            }
            if original.anomaly == anomaly {
                #expect(p == original)
                continue
            }
            // Places from the sacrum: the lowest disc variation stays the lowest.
            let oldLevels = PhantomParameters.discLevels(for: original.anomaly)
            let newLevels = PhantomParameters.discLevels(for: anomaly)
            for d in p.discs {
                let fromBottom = newLevels.count - newLevels.firstIndex(of: d.level)!
                let before = original.disc(oldLevels[oldLevels.count - fromBottom])
                #expect(before.bulgeMM == d.bulgeMM && before.heightLossFraction == d.heightLossFraction)
                if d.level.upper.region == .lumbar {
                    #expect(before.foraminalNarrowing == d.foraminalNarrowing)
                } else if before.foraminalNarrowing.left + before.foraminalNarrowing.right > 0 {
                    droppedForamina += 1
                }
            }
            if let s = original.slip, let t = p.slip {
                #expect(
                    oldLevels.count - oldLevels.firstIndex(of: s.level)!
                        == newLevels.count - newLevels.firstIndex(of: t.level)!)
            }
            movedCurves += zip(original.scoliosis, p.scoliosis).filter { $0.upper != $1.upper }.count
            #expect(p.scoliosis.count <= original.scoliosis.count)
            // Building a model is the costly part (debug builds): every fifth seed, and every seed that moves a curve
            // or drops a foramen (the cases the naive move got wrong).
            func foramina(_ q: PhantomParameters) -> Double {
                q.discs.reduce(0) { $0 + $1.foraminalNarrowing.left + $1.foraminalNarrowing.right }
            }
            let touched = !original.scoliosis.isEmpty || foramina(original) != foramina(p)
            guard seed % 5 == 0 || touched else { continue }
            let model = try SpineModel(parameters: p)
            #expect(model.vertebraNames == Morphometry.upperColumn + PhantomParameters.vertebrae(for: anomaly).dropLast())
        }
        // The seeds exercise the cases that the naive move got wrong (curve ends; foramina on new thoracic discs).
        if anomaly != .sacralizedL5 { #expect(movedCurves > 0) }
        if anomaly == .thirteenThoracic { #expect(droppedForamina > 0) }
    }

    /// The move that `spine evaluate --anomaly` made before `forcing(_:)` (discs, slip and fractures only) leaves
    /// some seeds invalid: the check above would fail on it.
    @Test func movingOnlyDiscsSlipAndFracturesLeavesSomeSeedsInvalid() {
        var invalid = 0
        for seed in UInt64(0)..<400 {
            for anomaly in EnumerationAnomaly.allCases {
                var p = PhantomParameters(seed: seed)
                guard anomaly != p.anomaly else { continue }
                let forced = p.forcing(anomaly)
                p.anomaly = anomaly
                p.discs = forced.discs.map { d in
                    var d = d
                    // The naive move keeps the foraminal narrowing that `forcing` drops.
                    let before = PhantomParameters(seed: seed).forcing(nil).discs
                    let fromBottom = forced.discs.count - forced.discs.firstIndex(of: d)!
                    d.foraminalNarrowing = before[before.count - fromBottom].foraminalNarrowing
                    return d
                }
                p.slip = forced.slip
                p.fractures = forced.fractures
                if (try? p.validate()) == nil { invalid += 1 }
            }
        }
        #expect(invalid > 0)
    }

    @Test func forcingNothingOrTheSameAnomalyChangesNothing() {
        let p = PhantomParameters(seed: 5)
        #expect(p.forcing(nil) == p)
        #expect(p.forcing(p.anomaly) == p)
    }

    @Test func forcedCountsFollowTheAnomaly() throws {
        var p = PhantomParameters(seed: 5)
        p.anomaly = .none
        p.lumbarCount = 5
        let q = p.forcing(.sixLumbar)
        #expect(q.lumbarCount == 6)
        try q.validate()
    }
}
