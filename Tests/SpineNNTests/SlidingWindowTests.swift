import Foundation
import Testing

@testable import SpineNN

@Suite("Sliding-window inference")
struct SlidingWindowTests {
    @Test func startsCoverTheInputEvenly() {
        #expect(SlidingWindow.starts(size: 10, patch: 4, overlap: 0.5) == [0, 2, 4, 6])
        #expect(SlidingWindow.starts(size: 4, patch: 4, overlap: 0.5) == [0])
        #expect(SlidingWindow.starts(size: 3, patch: 4, overlap: 0.5) == [0])
        #expect(SlidingWindow.starts(size: 11, patch: 4, overlap: 0.5) == [0, 2, 4, 5, 7])
        #expect(SlidingWindow.starts(size: 128, patch: 64, overlap: 0) == [0, 64])
        let s = SlidingWindow.starts(size: 300, patch: 128, overlap: 0.5)
        #expect(s.first == 0 && s.last == 172)
        #expect(zip(s, s.dropFirst()).allSatisfy { $1 - $0 <= 64 })
    }

    @Test func gaussianImportanceMap() {
        let w = SlidingWindow(patchSize: [8, 6]).importanceMap()
        #expect(w.count == 48)
        #expect(abs(w.max()! - 1) < 1e-6)
        #expect(w.allSatisfy { $0 > 0 })
        // Symmetric about the centre, largest in the middle.
        for i in 0..<8 { for j in 0..<6 { #expect(abs(w[i * 6 + j] - w[(7 - i) * 6 + (5 - j)]) < 1e-6) } }
        #expect(w[3 * 6 + 2] > w[0])
        #expect(SlidingWindow(patchSize: [4], sigmaFraction: nil).importanceMap() == [1, 1, 1, 1])
    }

    /// An identity predictor reconstructs the input exactly, whatever the overlap, padding and mirroring.
    @Test(arguments: [
        ([1, 2, 37, 29], [16, 12], [Int]()),
        ([2, 1, 9, 40], [16, 16], [1]),  // height smaller than the patch: padded
        ([1, 3, 10, 13, 7], [4, 8, 8], [0, 2]),
    ])
    func identityPredictorReconstructsTheInput(_ shape: [Int], _ patch: [Int], _ mirror: [Int]) throws {
        let x = randn(shape, seed: 21)
        var calls = 0
        let window = SlidingWindow(patchSize: patch, mirrorAxes: mirror, batchSize: 3)
        let y = try window(x) { p in
            calls += 1
            return p
        }
        #expect(y.shape == x.shape)
        #expect(y.maxAbsDifference(x) < 1e-5)
        #expect(calls > 0)
    }

    /// A per-voxel function with a different channel count (K = 2 from C = 1) is reproduced exactly.
    @Test func perVoxelFunctionWithMoreChannels() throws {
        let x = randn([1, 1, 33, 21], seed: 22)
        let window = SlidingWindow(patchSize: [16, 16], overlap: 0.25, mirrorAxes: [0, 1], batchSize: 2)
        let y = try window(x) { p in
            let v = p.channelsLastScalars
            return try Tensor(
                shape: [p.shape[0], 2] + Array(p.shape.dropFirst(2)), channelsLast: v.flatMap { [2 * $0 + 1, $0 * $0] })
        }
        #expect(y.shape == [1, 2, 33, 21])
        for i in 0..<33 {
            for j in 0..<21 {
                let v = x[[0, 0, i, j]]
                #expect(abs(y[[0, 0, i, j]] - (2 * v + 1)) < 1e-5)
                #expect(abs(y[[0, 1, i, j]] - v * v) < 1e-5)
            }
        }
    }

    /// With uniform weights and patch predictions that are constant per patch, every voxel gets
    /// the mean over the patches that cover it: checks the weighting and the patch placement.
    @Test func uniformWeightsAverageOverlappingPatches() throws {
        let x = Tensor(zeros: [1, 1, 1, 6])
        let window = SlidingWindow(patchSize: [1, 4], overlap: 0.5, sigmaFraction: nil)  // starts 0, 2
        var patch: Float = 0
        let y = try window(x) { p in
            patch += 1
            return Tensor(shape: p.shape, repeating: patch)
        }
        #expect(y.channelsLastScalars == [1, 1, 1.5, 1.5, 2, 2])
    }

    @Test func badArgumentsAndPredictorsThrow() {
        let x = Tensor(zeros: [1, 1, 8, 8])
        #expect(throws: NNError.self) { try SlidingWindow(patchSize: [4])(x) { $0 } }
        #expect(throws: NNError.self) { try SlidingWindow(patchSize: [4, 4], overlap: 1)(x) { $0 } }
        #expect(throws: NNError.self) { try SlidingWindow(patchSize: [4, 4], mirrorAxes: [2])(x) { $0 } }
        #expect(throws: NNError.self) { try SlidingWindow(patchSize: [4, 4])(x) { _ in Tensor(zeros: [1, 1, 2, 2]) } }
    }

    /// A real network through the window: an ``InferenceUNet`` on a 2-D image larger than its patch.
    @Test func runsAnInferenceUNet() throws {
        var g = SeededGenerator(seed: 3)
        let net = try UNet(UNetConfiguration(classes: 3, levels: 3, baseFeatures: 4), using: &g)
        net.setTraining(false)
        let fast = try InferenceUNet(net)
        let x = randn([1, 1, 40, 24], seed: 4)
        let y = try SlidingWindow(patchSize: [16, 16], mirrorAxes: [1], batchSize: 4)(x) { try fast($0) }
        #expect(y.shape == [1, 3, 40, 24])
        #expect(y.isFinite)
    }

    @Test func flipTwiceIsIdentity() {
        let x = randn([2, 3, 4, 5, 6], seed: 5)
        #expect(x.flipped(spatialAxes: [0, 2]).flipped(spatialAxes: [2, 0]).maxAbsDifference(x) == 0)
        let f = x.flipped(spatialAxes: [1])
        #expect(f[[1, 2, 3, 0, 5]] == x[[1, 2, 3, 4, 5]])
    }
}
