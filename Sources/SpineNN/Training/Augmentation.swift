import Foundation

/// An image (`[N, C, H, W]` or `[N, C, D, H, W]`, float32) with an optional label map of the same
/// spatial size (`N·H·W` or `N·D·H·W` class indices, row-major, as the losses take them).
public struct AugmentationSample: Sendable {
    public var image: Tensor
    public var labels: [Int32]?

    /// - Throws: ``NNError`` `.shapeMismatch` for an image that is not 2-D/3-D or labels of another size.
    public init(image: Tensor, labels: [Int32]? = nil) throws {
        guard image.rank == 4 || image.rank == 5 else {
            throw NNError.shape(
                "AugmentationSample", expected: "image [N, C, H, W] or [N, C, D, H, W]", got: "\(image.shape)")
        }
        let voxels = image.shape[0] * image.shape.dropFirst(2).reduce(1, *)
        if let labels, labels.count != voxels {
            throw NNError.shape(
                "AugmentationSample", expected: "\(voxels) labels for image \(image.shape)", got: "\(labels.count)")
        }
        self.image = image
        self.labels = labels
    }

    /// Spatial size (`[H, W]` or `[D, H, W]`).
    public var spatialShape: [Int] { Array(image.shape.dropFirst(2)) }
}

/// A random transformation of training samples (nnU-Net's augmentation pipeline, after
/// batchgenerators). Spatial transforms move image and labels together (image interpolated
/// linearly, labels by nearest neighbour, so labels stay in the label set); intensity
/// transforms change the image only. One random draw applies to every item of the batch axis.
public protocol Augmentation: Sendable {
    func apply(to sample: inout AugmentationSample, using g: inout SeededGenerator) throws
}

/// Augmentations applied in order.
public struct AugmentationPipeline: Augmentation {
    public var steps: [any Augmentation]
    public init(_ steps: [any Augmentation]) { self.steps = steps }

    public func apply(to sample: inout AugmentationSample, using g: inout SeededGenerator) throws {
        for s in steps { try s.apply(to: &sample, using: &g) }
    }

    /// nnU-Net's default order and probabilities for 2-D slices (`spatialDimensions: 2`) or 3-D volumes.
    public static func nnUNetDefault(spatialDimensions r: Int) -> AugmentationPipeline {
        let angle = r == 2 ? [-180.0...180.0] : [ClosedRange<Double>](repeating: -30.0...30.0, count: 3)
        return AugmentationPipeline([
            RandomSpatialTransform(rotationDegrees: angle, scale: 0.7...1.4, affineProbability: 0.2),
            GaussianNoise(standardDeviation: 0...0.1, probability: 0.1),
            GaussianBlur(sigma: 0.5...1, probability: 0.2),
            BrightnessContrast(brightness: 0.75...1.25, contrast: 0.75...1.25, probability: 0.15),
            SimulateLowResolution(zoom: 0.5...1, probability: 0.25),
            GammaTransform(gamma: 0.7...1.5, probability: 0.3),
            RandomFlip(axes: Array(0..<r)),
        ])
    }
}

/// Mirrors image and labels along each listed spatial axis with probability `probability` (per axis).
public struct RandomFlip: Augmentation {
    /// Spatial axes (0 = first after `N, C`).
    public var axes: [Int]
    public var probability: Double
    public init(axes: [Int], probability: Double = 0.5) {
        self.axes = axes
        self.probability = probability
    }

    public func apply(to sample: inout AugmentationSample, using g: inout SeededGenerator) throws {
        let chosen = axes.filter { _ in Double.random(in: 0..<1, using: &g) < probability }
        try RandomFlip.flip(&sample, axes: chosen)
    }

    /// Mirrors `sample` along `axes` (deterministic).
    public static func flip(_ sample: inout AugmentationSample, axes: [Int]) throws {
        let r = sample.image.rank - 2
        guard axes.allSatisfy({ (0..<r).contains($0) }) else {
            throw NNError(.invalidArgument, "RandomFlip: axes \(axes) outside 0..<\(r)")
        }
        guard !axes.isEmpty else { return }
        sample.image = sample.image.flipped(spatialAxes: axes)
        if let labels = sample.labels {
            let shape = [sample.image.shape[0], 1] + sample.spatialShape
            let t = try Tensor(shape: shape, channelsLast: labels.map(Float.init)).flipped(spatialAxes: axes)
            sample.labels = t.channelsLastScalars.map { Int32($0) }
        }
    }
}

/// Applies `body(values, channels)` to each item of the batch axis: `values` is one item's
/// channels-last scalars (`voxels·channels`).
func mapItems(_ image: inout Tensor, _ body: (inout [Float], Int) -> Void) throws {
    let n = image.shape[0], c = image.shape[1]
    var all = image.channelsLastScalars
    let per = all.count / max(n, 1)
    for i in 0..<n {
        var item = Array(all[(i * per)..<((i + 1) * per)])
        body(&item, c)
        all.replaceSubrange((i * per)..<((i + 1) * per), with: item)
    }
    image = try Tensor(shape: image.shape, channelsLast: all)
}

/// Per-channel minimum, maximum and mean of channels-last values.
func channelStatistics(_ v: [Float], channels c: Int) -> [(min: Float, max: Float, mean: Float)] {
    (0..<c).map { ch in
        var lo = Float.infinity, hi = -Float.infinity
        var sum = 0.0
        var i = ch
        while i < v.count {
            lo = min(lo, v[i])
            hi = max(hi, v[i])
            sum += Double(v[i])
            i += c
        }
        return (lo, hi, Float(sum / Double(max(v.count / c, 1))))
    }
}

/// Gamma correction (nnU-Net): each channel rescaled to [0, 1], raised to γ, scaled back; with
/// `retainStatistics`, mean and standard deviation are restored afterwards.
public struct GammaTransform: Augmentation {
    public var gamma: ClosedRange<Double>
    public var probability: Double
    /// Applies the transform to the inverted image (`1 − x`), as nnU-Net does in 10% of cases.
    public var invertProbability: Double
    public var retainStatistics: Bool

    public init(
        gamma: ClosedRange<Double>, probability: Double = 0.3, invertProbability: Double = 0,
        retainStatistics: Bool = true
    ) {
        self.gamma = gamma
        self.probability = probability
        self.invertProbability = invertProbability
        self.retainStatistics = retainStatistics
    }

    public func apply(to sample: inout AugmentationSample, using g: inout SeededGenerator) throws {
        guard Double.random(in: 0..<1, using: &g) < probability else { return }
        // nnU-Net draws γ < 1 and γ > 1 with equal chance when the range straddles 1.
        let gm: Double
        if gamma.lowerBound < 1 && gamma.upperBound > 1 && Bool.random(using: &g) {
            gm = Double.random(in: gamma.lowerBound...1, using: &g)
        } else {
            gm = Double.random(in: max(gamma.lowerBound, min(1, gamma.upperBound))...gamma.upperBound, using: &g)
        }
        let invert = Double.random(in: 0..<1, using: &g) < invertProbability
        try mapItems(&sample.image) { v, c in
            GammaTransform.apply(&v, channels: c, gamma: Float(gm), invert: invert, retain: retainStatistics)
        }
    }

    static func apply(_ v: inout [Float], channels c: Int, gamma: Float, invert: Bool, retain: Bool) {
        if invert { for i in v.indices { v[i] = -v[i] } }
        for ch in 0..<c {
            var idx = Array(stride(from: ch, to: v.count, by: c))
            let vals = idx.map { v[$0] }
            let lo = vals.min() ?? 0, hi = vals.max() ?? 0
            let mean = vals.reduce(0, +) / Float(max(vals.count, 1))
            let sd = (vals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(max(vals.count, 1))).squareRoot()
            let range = hi - lo
            guard range > 0 else { continue }
            for i in idx { v[i] = Foundation.pow((v[i] - lo) / range, gamma) * range + lo }
            if retain {
                let m2 = idx.map { v[$0] }.reduce(0, +) / Float(max(vals.count, 1))
                let s2 = (idx.map { (v[$0] - m2) * (v[$0] - m2) }.reduce(0, +) / Float(max(vals.count, 1))).squareRoot()
                for i in idx { v[i] = (v[i] - m2) / max(s2, 1e-8) * sd + mean }
            }
            idx.removeAll()
        }
        if invert { for i in v.indices { v[i] = -v[i] } }
    }
}

/// Additive Gaussian noise with a standard deviation drawn from `standardDeviation`.
public struct GaussianNoise: Augmentation {
    public var standardDeviation: ClosedRange<Double>
    public var probability: Double
    public init(standardDeviation: ClosedRange<Double>, probability: Double = 0.1) {
        self.standardDeviation = standardDeviation
        self.probability = probability
    }

    public func apply(to sample: inout AugmentationSample, using g: inout SeededGenerator) throws {
        guard Double.random(in: 0..<1, using: &g) < probability else { return }
        let sd = Float(Double.random(in: standardDeviation, using: &g))
        guard sd > 0 else { return }
        let noise = Tensor.randomNormal(sample.image.shape, std: sd, using: &g)
        sample.image = sample.image + noise
    }
}

/// Gaussian smoothing of each channel with σ (voxels) drawn from `sigma`, the same on every axis.
public struct GaussianBlur: Augmentation {
    public var sigma: ClosedRange<Double>
    public var probability: Double
    public init(sigma: ClosedRange<Double>, probability: Double = 0.2) {
        self.sigma = sigma
        self.probability = probability
    }

    public func apply(to sample: inout AugmentationSample, using g: inout SeededGenerator) throws {
        guard Double.random(in: 0..<1, using: &g) < probability else { return }
        let s = Double.random(in: sigma, using: &g)
        let spatial = sample.spatialShape
        try mapItems(&sample.image) { v, c in
            gaussianSmooth(&v, dims: spatial, channels: c, sigma: [Double](repeating: s, count: spatial.count))
        }
    }
}

/// Multiplicative brightness `x·b`, then contrast `(x − mean)·f + mean` per channel (clipped to
/// the channel's original range when `preserveRange`), each factor drawn from its range.
public struct BrightnessContrast: Augmentation {
    public var brightness: ClosedRange<Double>
    public var contrast: ClosedRange<Double>
    public var probability: Double
    public var preserveRange: Bool
    public init(
        brightness: ClosedRange<Double> = 1...1, contrast: ClosedRange<Double> = 1...1, probability: Double = 0.15,
        preserveRange: Bool = true
    ) {
        self.brightness = brightness
        self.contrast = contrast
        self.probability = probability
        self.preserveRange = preserveRange
    }

    public func apply(to sample: inout AugmentationSample, using g: inout SeededGenerator) throws {
        guard Double.random(in: 0..<1, using: &g) < probability else { return }
        let b = Float(Double.random(in: brightness, using: &g))
        let f = Float(Double.random(in: contrast, using: &g))
        let preserve = preserveRange
        try mapItems(&sample.image) { v, c in
            for i in v.indices { v[i] *= b }
            let stats = channelStatistics(v, channels: c)
            for i in v.indices {
                let s = stats[i % c]
                var x = (v[i] - s.mean) * f + s.mean
                if preserve { x = min(max(x, s.min), s.max) }
                v[i] = x
            }
        }
    }
}

/// Separable Gaussian smoothing of channels-last `v` over a grid of `dims`, edges replicated.
func gaussianSmooth(_ v: inout [Float], dims: [Int], channels c: Int, sigma: [Double]) {
    let r = dims.count
    for a in 0..<r where sigma[a] > 0 {
        let radius = max(1, Int((3 * sigma[a]).rounded(.up)))
        var kernel = (-radius...radius).map { Float(Foundation.exp(-Double($0 * $0) / (2 * sigma[a] * sigma[a]))) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        let stride = dims[(a + 1)...].reduce(1, *) * c
        let n = dims[a]
        let outer = dims[..<a].reduce(1, *)
        let src = v
        for o in 0..<outer {
            for inner in 0..<stride {
                let base = o * n * stride + inner
                for i in 0..<n {
                    var s: Float = 0
                    for (k, w) in kernel.enumerated() {
                        let j = min(max(i + k - radius, 0), n - 1)
                        s += w * src[base + j * stride]
                    }
                    v[base + i * stride] = s
                }
            }
        }
    }
}
