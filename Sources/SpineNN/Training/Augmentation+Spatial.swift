import Foundation

/// Random rotation, scaling, translation and elastic deformation of image and labels together
/// (batchgenerators' `SpatialTransform`, as nnU-Net uses it).
///
/// Each output voxel `x` (voxel coordinates, centre `c` of the grid) samples the input at
/// `c + R·(x − c)/s + t + d(x)`: `R` the rotation, `s` the scale (> 1 enlarges the content),
/// `t` the translation and `d` the elastic displacement, Gaussian-smoothed uniform noise in
/// [−1, 1] (σ voxels) times α. The image is interpolated linearly (outside: `imageFill`), the
/// labels take the nearest voxel (outside: `labelFill`), so they stay in the label set. With
/// zero angles, unit scale, no translation and α = 0 the transform is exactly the identity.
public struct RandomSpatialTransform: Augmentation {
    /// Rotation ranges in degrees: one (about the image normal) for 2-D; three for 3-D, about
    /// spatial axes 0, 1, 2 (applied in that order).
    public var rotationDegrees: [ClosedRange<Double>]
    public var scale: ClosedRange<Double>
    /// Translation range per spatial axis in voxels (empty: none).
    public var translationVoxels: [ClosedRange<Double>]
    /// Probability of rotation + scale + translation.
    public var affineProbability: Double
    /// Elastic magnitude α and smoothness σ (voxels).
    public var elasticAlpha: ClosedRange<Double>
    public var elasticSigma: ClosedRange<Double>
    public var elasticProbability: Double
    public var imageFill: Float
    public var labelFill: Int32

    public init(
        rotationDegrees: [ClosedRange<Double>] = [], scale: ClosedRange<Double> = 1...1,
        translationVoxels: [ClosedRange<Double>] = [],
        affineProbability: Double = 1, elasticAlpha: ClosedRange<Double> = 0...0,
        elasticSigma: ClosedRange<Double> = 9...13,
        elasticProbability: Double = 0, imageFill: Float = 0, labelFill: Int32 = 0
    ) {
        self.rotationDegrees = rotationDegrees
        self.scale = scale
        self.translationVoxels = translationVoxels
        self.affineProbability = affineProbability
        self.elasticAlpha = elasticAlpha
        self.elasticSigma = elasticSigma
        self.elasticProbability = elasticProbability
        self.imageFill = imageFill
        self.labelFill = labelFill
    }

    public func apply(to sample: inout AugmentationSample, using g: inout SeededGenerator) throws {
        let dims = sample.spatialShape
        let r = dims.count
        guard rotationDegrees.isEmpty || rotationDegrees.count == (r == 2 ? 1 : 3),
            translationVoxels.isEmpty || translationVoxels.count == r
        else {
            throw NNError(
                .invalidArgument,
                "RandomSpatialTransform: \(r == 2 ? 1 : 3) rotation ranges and \(r) translation ranges expected for a \(r)-D image, got \(rotationDegrees.count) and \(translationVoxels.count)"
            )
        }
        let doAffine = Double.random(in: 0..<1, using: &g) < affineProbability
        let doElastic = Double.random(in: 0..<1, using: &g) < elasticProbability
        guard doAffine || doElastic else { return }
        var matrix = identityMatrix(r)
        var shift = [Double](repeating: 0, count: r)
        if doAffine {
            let angles = rotationDegrees.map { Double.random(in: $0, using: &g) * Double.pi / 180 }
            let s = Double.random(in: scale, using: &g)
            shift = translationVoxels.isEmpty ? shift : translationVoxels.map { Double.random(in: $0, using: &g) }
            matrix = rotationMatrix(r, angles).map { $0.map { $0 / s } }
        }
        let voxels = dims.reduce(1, *)
        var displacement: [[Float]] = []
        if doElastic {
            let alpha = Double.random(in: elasticAlpha, using: &g)
            let sigma = Double.random(in: elasticSigma, using: &g)
            displacement = (0..<r).map { _ in
                var d = (0..<voxels).map { _ in Float.random(in: -1...1, using: &g) }
                gaussianSmooth(&d, dims: dims, channels: 1, sigma: [Double](repeating: sigma, count: r))
                return d.map { $0 * Float(alpha) }
            }
        }
        let centre = dims.map { Double($0 - 1) / 2 }
        var coordinates = [Double](repeating: 0, count: voxels * r)
        var v = 0
        forEachVoxel(dims) { x in
            for a in 0..<r {
                var s = centre[a] + shift[a]
                for b in 0..<r where matrix[a][b] != 0 { s += matrix[a][b] * (Double(x[b]) - centre[b]) }
                if !displacement.isEmpty { s += Double(displacement[a][v]) }
                coordinates[v * r + a] = s
            }
            v += 1
        }
        try resample(&sample, coordinates: coordinates, outputDims: dims, imageFill: imageFill, labelFill: labelFill)
    }
}

/// Simulated low resolution (nnU-Net): the image is sampled down by a zoom factor drawn from
/// `zoom` (nearest neighbour) and back up to its size (linear), per item; labels are unchanged.
public struct SimulateLowResolution: Augmentation {
    public var zoom: ClosedRange<Double>
    public var probability: Double
    /// Spatial axes to reduce (nil: all); nnU-Net leaves the through-plane axis of anisotropic data alone.
    public var axes: [Int]?
    public init(zoom: ClosedRange<Double>, probability: Double = 0.25, axes: [Int]? = nil) {
        self.zoom = zoom
        self.probability = probability
        self.axes = axes
    }

    public func apply(to sample: inout AugmentationSample, using g: inout SeededGenerator) throws {
        guard Double.random(in: 0..<1, using: &g) < probability else { return }
        let z = Double.random(in: zoom, using: &g)
        let dims = sample.spatialShape
        let r = dims.count
        let reduced = (0..<r).map { a in
            (axes ?? Array(0..<r)).contains(a) ? max(1, Int((Double(dims[a]) * z).rounded())) : dims[a]
        }
        guard reduced != dims else { return }
        let factor = (0..<r).map { Double(reduced[$0]) / Double(dims[$0]) }
        var down = [Double](repeating: 0, count: reduced.reduce(1, *) * r)
        var v = 0
        forEachVoxel(reduced) { j in
            for a in 0..<r { down[v * r + a] = ((Double(j[a]) + 0.5) / factor[a] - 0.5).rounded() }
            v += 1
        }
        var up = [Double](repeating: 0, count: dims.reduce(1, *) * r)
        v = 0
        forEachVoxel(dims) { i in
            for a in 0..<r {
                up[v * r + a] = min(max((Double(i[a]) + 0.5) * factor[a] - 0.5, 0), Double(reduced[a] - 1))
            }
            v += 1
        }
        let labels = sample.labels
        sample.labels = nil
        try resample(&sample, coordinates: down, outputDims: reduced, imageFill: nil, labelFill: 0)
        try resample(&sample, coordinates: up, outputDims: dims, imageFill: nil, labelFill: 0)
        sample.labels = labels
    }
}

func identityMatrix(_ r: Int) -> [[Double]] { (0..<r).map { a in (0..<r).map { $0 == a ? 1 : 0 } } }

/// Rotation for `r` spatial axes: one angle in 2-D; in 3-D angles about axes 0, 1, 2, composed in that order.
func rotationMatrix(_ r: Int, _ angles: [Double]) -> [[Double]] {
    func plane(_ i: Int, _ j: Int, _ t: Double) -> [[Double]] {
        var m = identityMatrix(r)
        m[i][i] = Foundation.cos(t)
        m[j][j] = Foundation.cos(t)
        m[i][j] = -Foundation.sin(t)
        m[j][i] = Foundation.sin(t)
        return m
    }
    func mul(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        (0..<r).map { i in (0..<r).map { j in (0..<r).reduce(0) { $0 + a[i][$1] * b[$1][j] } } }
    }
    if angles.isEmpty { return identityMatrix(r) }
    if r == 2 { return angles[0] == 0 ? identityMatrix(2) : plane(0, 1, angles[0]) }
    var m = identityMatrix(r)
    for (axis, t) in angles.enumerated() where t != 0 {
        let others = (0..<3).filter { $0 != axis }
        m = mul(plane(others[0], others[1], t), m)
    }
    return m
}

/// Resamples every item of `sample` at `coordinates` (`r` source coordinates per output voxel,
/// row-major over `outputDims`): the image linearly (outside: `imageFill`, or the nearest edge
/// voxel when nil), the labels by nearest neighbour (outside: `labelFill`).
func resample(
    _ sample: inout AugmentationSample, coordinates: [Double], outputDims: [Int], imageFill: Float?, labelFill: Int32
) throws {
    let dims = sample.spatialShape
    let r = dims.count
    let n = sample.image.shape[0], c = sample.image.shape[1]
    let inVoxels = dims.reduce(1, *), outVoxels = outputDims.reduce(1, *)
    let src = sample.image.channelsLastScalars
    var out = [Float](repeating: 0, count: n * outVoxels * c)
    var inStrides = [Int](repeating: 1, count: r)
    for a in stride(from: r - 2, through: 0, by: -1) { inStrides[a] = inStrides[a + 1] * dims[a + 1] }
    var base = [Int](repeating: 0, count: r)
    var frac = [Double](repeating: 0, count: r)
    var acc = [Float](repeating: 0, count: c)
    for v in 0..<outVoxels {
        for a in 0..<r {
            let p = coordinates[v * r + a]
            let f = Foundation.floor(p)
            base[a] = Int(f)
            frac[a] = p - f
        }
        for item in 0..<n {
            for q in 0..<c { acc[q] = 0 }
            for corner in 0..<(1 << r) {
                var w = 1.0
                var offset = 0
                var outside = false
                for a in 0..<r {
                    let up = corner & (1 << (r - 1 - a)) != 0
                    w *= up ? frac[a] : 1 - frac[a]
                    var i = base[a] + (up ? 1 : 0)
                    if i < 0 || i >= dims[a] {
                        if imageFill != nil { outside = true } else { i = min(max(i, 0), dims[a] - 1) }
                    }
                    offset += i * inStrides[a]
                }
                if w == 0 { continue }
                if outside {
                    for q in 0..<c { acc[q] += Float(w) * imageFill! }
                } else {
                    let o = (item * inVoxels + offset) * c
                    for q in 0..<c { acc[q] += Float(w) * src[o + q] }
                }
            }
            let o = (item * outVoxels + v) * c
            for q in 0..<c { out[o + q] = acc[q] }
        }
    }
    if let labels = sample.labels {
        var newLabels = [Int32](repeating: labelFill, count: n * outVoxels)
        for v in 0..<outVoxels {
            var offset = 0
            var outside = false
            for a in 0..<r {
                let i = Int(coordinates[v * r + a].rounded())
                if i < 0 || i >= dims[a] { outside = true }
                offset += i * inStrides[a]
            }
            if outside { continue }
            for item in 0..<n { newLabels[item * outVoxels + v] = labels[item * inVoxels + offset] }
        }
        sample.labels = newLabels
    }
    sample.image = try Tensor(shape: [n, c] + outputDims, channelsLast: out)
}
