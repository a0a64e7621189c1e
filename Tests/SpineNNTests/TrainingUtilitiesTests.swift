import Foundation
import Testing

@testable import SpineNN

/// A 2-D or 3-D sample with a labelled box (labels 0, 1, 2) and a smooth image.
func boxSample(_ spatial: [Int], channels: Int = 2, seed: UInt64 = 1) throws -> AugmentationSample {
    let image = randn([1, channels] + spatial, seed: seed)
    var labels = [Int32](repeating: 0, count: spatial.reduce(1, *))
    var v = 0
    forEachVoxel(spatial) { i in
        let inside = zip(i, spatial).allSatisfy { $0 >= $1 / 4 && $0 < 3 * $1 / 4 }
        labels[v] = inside ? (i[0] < spatial[0] / 2 ? 1 : 2) : 0
        v += 1
    }
    return try AugmentationSample(image: image, labels: labels)
}

@Suite("Augmentations and data loader")
struct TrainingUtilitiesTests {
    static let shapes: [[Int]] = [[12, 10], [6, 8, 7]]

    @Test(arguments: shapes)
    func flipsTwiceAreTheIdentity(_ spatial: [Int]) throws {
        let s = try boxSample(spatial)
        var t = s
        let axes = Array(0..<spatial.count)
        try RandomFlip.flip(&t, axes: axes)
        #expect(t.labels != s.labels)
        try RandomFlip.flip(&t, axes: axes.reversed())
        #expect(t.image.maxAbsDifference(s.image) == 0)
        #expect(t.labels == s.labels)
    }

    @Test(arguments: shapes)
    func identityParametersGiveTheIdentity(_ spatial: [Int]) throws {
        let s = try boxSample(spatial)
        let r = spatial.count
        let identity = RandomSpatialTransform(
            rotationDegrees: [ClosedRange<Double>](repeating: 0...0, count: r == 2 ? 1 : 3), scale: 1...1,
            translationVoxels: [ClosedRange<Double>](repeating: 0...0, count: r), affineProbability: 1,
            elasticAlpha: 0...0, elasticProbability: 1)
        var t = s
        var g = SeededGenerator(seed: 3)
        try identity.apply(to: &t, using: &g)
        #expect(t.image.maxAbsDifference(s.image) == 0)
        #expect(t.labels == s.labels)
        // Intensity transforms with neutral parameters leave the image alone too.
        for a: any Augmentation in [
            GammaTransform(gamma: 1...1, probability: 1, retainStatistics: false),
            GaussianNoise(standardDeviation: 0...0, probability: 1),
            BrightnessContrast(probability: 1),
        ] {
            var u = s
            try a.apply(to: &u, using: &g)
            #expect(u.image.maxAbsDifference(s.image) < 1e-5, "\(a)")
            #expect(u.labels == s.labels)
        }
    }

    /// A 90° rotation about the centre of a square grid is a permutation of voxels: labels and
    /// image move exactly (up to rounding of cos 90°).
    @Test func quarterTurnIsAPermutation() throws {
        let s = try boxSample([9, 9], channels: 1)
        var t = s
        var g = SeededGenerator(seed: 4)
        try RandomSpatialTransform(rotationDegrees: [90...90]).apply(to: &t, using: &g)
        for i in 0..<9 {
            for j in 0..<9 {
                // Output (i, j) samples input c + R(x − c): R = [[0, −1], [1, 0]] → (8 − j, i).
                #expect(t.labels![i * 9 + j] == s.labels![(8 - j) * 9 + i])
                #expect(abs(t.image[[0, 0, i, j]] - s.image[[0, 0, 8 - j, i]]) < 1e-5)
            }
        }
    }

    /// Every random spatial transform keeps labels in the label set (nearest neighbour, background fill).
    @Test(arguments: shapes)
    func labelsStayInTheLabelSet(_ spatial: [Int]) throws {
        let r = spatial.count
        let pipeline = AugmentationPipeline([
            RandomSpatialTransform(
                rotationDegrees: [ClosedRange<Double>](repeating: -40...40, count: r == 2 ? 1 : 3), scale: 0.7...1.4,
                translationVoxels: [ClosedRange<Double>](repeating: -2...2, count: r), affineProbability: 1,
                elasticAlpha: 5...20,
                elasticSigma: 2...3, elasticProbability: 1),
            SimulateLowResolution(zoom: 0.5...0.8, probability: 1), GaussianBlur(sigma: 0.5...1, probability: 1),
            GammaTransform(gamma: 0.7...1.5, probability: 1, invertProbability: 0.5),
            GaussianNoise(standardDeviation: 0.05...0.1, probability: 1),
            BrightnessContrast(brightness: 0.75...1.25, contrast: 0.75...1.25, probability: 1),
            RandomFlip(axes: Array(0..<r)),
        ])
        let s = try boxSample(spatial)
        for seed in 0..<5 {
            var t = s
            var g = SeededGenerator(seed: UInt64(seed))
            try pipeline.apply(to: &t, using: &g)
            #expect(t.image.shape == s.image.shape)
            #expect(t.image.isFinite)
            #expect(Set(t.labels!).isSubset(of: [0, 1, 2]))
            #expect(t.labels!.count == s.labels!.count)
            // Same seed, same result.
            var u = s
            var h = SeededGenerator(seed: UInt64(seed))
            try pipeline.apply(to: &u, using: &h)
            #expect(u.image.maxAbsDifference(t.image) == 0 && u.labels == t.labels)
        }
        #expect(AugmentationPipeline.nnUNetDefault(spatialDimensions: r).steps.count == 7)
    }

    @Test func intensityTransformsKeepConstantsAndRanges() throws {
        let constant = try AugmentationSample(
            image: Tensor(shape: [1, 1, 8, 8], repeating: 3), labels: [Int32](repeating: 1, count: 64))
        var g = SeededGenerator(seed: 9)
        for a: any Augmentation in [
            GaussianBlur(sigma: 1...2, probability: 1), SimulateLowResolution(zoom: 0.5...0.5, probability: 1),
            BrightnessContrast(contrast: 0.5...1.5, probability: 1),
        ] {
            var t = constant
            try a.apply(to: &t, using: &g)
            #expect(t.image.channelsLastScalars.allSatisfy { abs($0 - 3) < 1e-4 }, "\(a)")
            #expect(t.labels == constant.labels)
        }
        // Gamma keeps each channel's range when statistics are not retained.
        let s = try boxSample([10, 10], channels: 1)
        var t = s
        try GammaTransform(gamma: 1.5...1.5, probability: 1, retainStatistics: false).apply(to: &t, using: &g)
        let a = s.image.channelsLastScalars, b = t.image.channelsLastScalars
        #expect(abs(a.min()! - b.min()!) < 1e-5 && abs(a.max()! - b.max()!) < 1e-5)
        #expect(a.maxAbsDifference(b) > 0.01)
    }

    @Test func badInputsThrow() throws {
        #expect(throws: NNError.self) { try AugmentationSample(image: Tensor(zeros: [1, 1, 4, 4]), labels: [0, 1]) }
        var s = try boxSample([8, 8])
        var g = SeededGenerator(seed: 1)
        #expect(throws: NNError.self) {
            try RandomSpatialTransform(rotationDegrees: [0...1, 0...1, 0...1]).apply(to: &s, using: &g)
        }
        #expect(throws: NNError.self) { try RandomFlip.flip(&s, axes: [2]) }
    }

    /// Batches are the same whatever the worker count; each epoch is a permutation of the dataset;
    /// no more than `prefetch` finished batches wait; errors reach the caller.
    @Test func dataLoaderIsDeterministicAndBounded() throws {
        func loader(workers: Int, prefetch: Int = 2) -> DataLoader<[Float]> {
            DataLoader(count: 23, batchSize: 4, workers: workers, prefetch: prefetch, seed: 77) { indices, g in
                indices.map { Float($0) + Float.random(in: 0..<0.5, using: &g) }
            }
        }
        func collect(_ l: DataLoader<[Float]>, epoch: Int) throws -> [[Float]] {
            let e = l.epoch(epoch)
            var out: [[Float]] = []
            while let b = try e.next() { out.append(b) }
            #expect(e.peakReady <= l.prefetch)
            return out
        }
        let one = try collect(loader(workers: 1), epoch: 0)
        let three = try collect(loader(workers: 3), epoch: 0)
        #expect(one == three)
        #expect(one.count == 6 && one.last!.count == 3)
        #expect(one.flatMap { $0 }.map { Int($0) }.sorted() == Array(0..<23))
        let next = try collect(loader(workers: 2), epoch: 1)
        #expect(next != one)
        #expect(DataLoader<Int>(count: 23, batchSize: 4, dropLast: true, seed: 1) { _, _ in 0 }.batchesPerEpoch == 5)

        struct Broken: Error {}
        let failing = DataLoader<Int>(count: 10, batchSize: 2, workers: 2, seed: 1) { indices, _ in
            if indices.contains(5) { throw Broken() }
            return indices[0]
        }
        let e = failing.epoch(0)
        #expect(throws: Broken.self) { while try e.next() != nil {} }
        // An epoch dropped early stops its workers (they are waiting on the prefetch bound).
        _ = failing.epoch(1)
    }
}

extension Array where Element == Float {
    func maxAbsDifference(_ other: [Float]) -> Float { zip(self, other).map { abs($0 - $1) }.max() ?? 0 }
}
