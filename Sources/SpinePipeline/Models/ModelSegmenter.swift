import Foundation
import SpineAnalysis
import SpineImaging
import SpineNN

/// Runs an installed model over an image: reorientation to the plan's axes, resampling to its spacing,
/// z-score normalisation (the plan's, or the image's own), sliding-window inference (nnU-Net's
/// Gaussian-weighted overlapping patches), logits resampled back onto the image's grid (linear), arg-max.
/// Label value = index in `classNames`.
///
/// A 3-D network sees voxel axes (i, j, k) as (W, H, D); a 2-D network sees each slice k as one (H = j, W = i)
/// image, so a sagittal model with axes "PIR" sees anterior on the left and superior at the top.
public struct ModelSegmenter {
    public var model: ModelRegistry.Model
    public var precision: InferencePrecision
    /// Compute threads (nil: SpineNN's default, all cores).
    public var threads: Int?

    public init(model: ModelRegistry.Model, precision: InferencePrecision = .fp32, threads: Int? = nil) {
        self.model = model
        self.precision = precision
        self.threads = threads
    }

    /// Overlap of neighbouring windows: 0.25 (nnU-Net uses 0.5; on phantom seeds 9001–9006 the bundled model
    /// scored mean Dice 0.9188 at 0.25 and 0.9197 at 0.5 for 21 % less CPU). `SPINEKIT_OVERLAP` overrides it.
    static var overlap: Double {
        ProcessInfo.processInfo.environment["SPINEKIT_OVERLAP"].flatMap(Double.init).map { min(max($0, 0), 0.9) } ?? 0.25
    }

    /// The class map the model's output follows: its class names parsed as a JSON class map's would be.
    public var classMap: ClassMap {
        var labels: [Int: LabelMeaning] = [:]
        for (i, name) in model.plan.classNames.enumerated() where i > 0 { labels[i] = LabelMeaning(name: name) }
        if labels == ClassMap.spineKit.labels { return .spineKit }
        return ClassMap(name: "model-\(model.name)", version: "1", labels: labels)
    }

    /// The label map of `image`, on its grid.
    /// - Throws: `ImagingError` `.malformed` for a model folder whose weights do not fit its plan,
    ///   `.unsupported` for a plan this code cannot run (more than 256 classes, several input channels).
    public func segment(_ image: AnyVolume) throws -> Volume<UInt8> {
        let (labels, reorient) = try inModelFrame(image) { logits, k, samples, g, target in
            try ModelInput.argmaxOnGrid(logits: logits, classes: k, samples: samples, modelGrid: g, target: target)
        }
        return reorient ? labels.reoriented(toMatch: image.geometry) : labels
    }

    /// Class probabilities (softmax of the logits resampled onto the image's grid), one array per class in
    /// `classNames` order, each in the image's voxel order.
    public func probabilities(_ image: AnyVolume) throws -> [[Float]] {
        let (p, reorient) = try inModelFrame(image) { logits, k, samples, g, target in
            try ModelInput.softmaxOnGrid(logits: logits, classes: k, samples: samples, modelGrid: g, target: target)
        }
        guard reorient else { return p.map(\.voxels) }
        return p.map { $0.reoriented(toMatch: image.geometry).voxels }
    }

    /// Runs the network in its frame and hands `body` the logits (NCHW), the class count, the number of
    /// samples, the model grid and the image's grid in the model's axes; returns `body`'s result and whether
    /// it must be reoriented back to the image's axes.
    func inModelFrame<R>(
        _ image: AnyVolume, _ body: ([Float], Int, Int, ImageGeometry, ImageGeometry) throws -> R
    ) throws -> (R, Bool) {
        let plan = model.plan
        let config = plan.network
        let codes = try plan.axisCodes.map { text in
            guard let c = AxisCodes(text) else {
                throw ImagingError(.malformed, "model \(model.name): plan axis codes \"\(text)\" are not valid")
            }
            return c
        }
        guard plan.classNames.count == config.classes, config.classes <= 256, config.inputChannels == 1,
            plan.patchSize.count == config.spatialDimensions,
            plan.spacingMM.map({ $0.count == config.spatialDimensions && $0.allSatisfy { $0 > 0 && $0.isFinite } })
                ?? true
        else {
            throw ImagingError(
                .unsupported,
                "model \(model.name): plan not runnable here (\(config.classes) classes, \(plan.classNames.count) names, \(config.inputChannels) input channels, patch \(plan.patchSize), spacing \(plan.spacingMM ?? []))"
            )
        }
        do {
            if let threads { ComputeThreads.count = threads }
            let predict = try model.makePredictor(precision: precision)

            // The model's frame: its axes, then its spacing.
            let original = image.converted(to: Float.self)
            let canonical = codes.map { original.reoriented(to: $0) } ?? original
            let work = try ModelInput.resampled(canonical, spacingMM: plan.spacingMM)
            let g = work.geometry
            var x = ModelInput.normalized(work.voxels, plan.intensity)

            let shape =
                config.spatialDimensions == 3
                ? [1, 1, g.size.z, g.size.y, g.size.x] : [g.size.z, 1, g.size.y, g.size.x]
            let window = SlidingWindow(patchSize: plan.patchSize, overlap: Self.overlap)
            let logits = try window(try Tensor(shape: shape, nchw: x)) { try predict($0) }.nchwScalars
            x = []
            return (try body(logits, config.classes, shape[0], g, canonical.geometry), codes != nil)
        } catch let e as NNError {
            throw ImagingError(.malformed, "model \(model.name): \(e.description)", file: model.folder.path)
        }
    }

    /// Segments with `base` everywhere and lets `refiner` decide its own classes (matched to `base`'s by name):
    /// q(c) = p_refiner(c) for a refined class, p_refiner(background) · p_base(c) / (1 − Σ p_base(refined)) for
    /// the others; the largest wins. So a model trained on real images for bodies and discs can overrule a
    /// phantom-trained model on those classes while the phantom model keeps the rest.
    /// - Throws: `.invalidArgument` when the refiner shares no class name with the base.
    public static func combined(base: ModelSegmenter, refiner: ModelSegmenter, image: AnyVolume) throws
        -> Volume<UInt8>
    {
        let baseNames = base.model.plan.classNames
        let mapping = refiner.model.plan.classNames.enumerated().compactMap { r, name -> (Int, Int)? in
            r == 0 ? nil : baseNames.firstIndex(of: name).map { (r, $0) }
        }
        guard !mapping.isEmpty else {
            throw ImagingError(
                .invalidArgument, "model \(refiner.model.name) shares no class with \(base.model.name)")
        }
        let pb = try base.probabilities(image)
        let pr = try refiner.probabilities(image)
        var isRefined = [Bool](repeating: false, count: pb.count)
        for (_, c) in mapping { isRefined[c] = true }
        let kept = (0..<pb.count).filter { !isRefined[$0] }
        let refined = (0..<pb.count).filter { isRefined[$0] }
        var labels = Volume<UInt8>(geometry: image.geometry)
        for v in 0..<labels.voxels.count {
            var rest: Float = 1
            for c in refined { rest -= pb[c][v] }
            let scale = pr[0][v] / max(rest, 1e-6)
            var best = 0
            var top: Float = -1
            for c in kept {
                let q = pb[c][v] * scale
                if q > top { (top, best) = (q, c) }
            }
            for (r, c) in mapping where pr[r][v] > top { (top, best) = (pr[r][v], c) }
            labels.voxels[v] = UInt8(best)
        }
        return labels
    }
}

/// The steps that put an image into a model's frame, shared by inference and training.
public enum ModelInput {
    /// `volume` resampled (linear) to `spacingMM` (2 values: i, j in-plane, k kept; 3 values: i, j, k);
    /// unchanged when nil or already within 1% of it.
    public static func resampled<S: VoxelScalar>(_ volume: Volume<S>, spacingMM: [Double]?, labels: Bool = false)
        throws -> Volume<S>
    {
        guard let target = targetSpacing(volume.geometry, spacingMM) else { return volume }
        let grid = try volume.geometry.resampled(spacingMM: target)
        return labels ? try volume.resampledLabels(to: grid) : try volume.resampled(to: grid, interpolation: .linear)
    }

    /// The spacing a grid is resampled to, or nil when it already has it (within 1%).
    static func targetSpacing(_ g: ImageGeometry, _ spacingMM: [Double]?) -> SIMD3<Double>? {
        guard let s = spacingMM, s.count >= 2 else { return nil }
        let target = SIMD3(s[0], s[1], s.count > 2 ? s[2] : g.spacing.z)
        let close = (0..<3).allSatisfy { abs(g.spacing[$0] - target[$0]) <= 0.01 * target[$0] }
        return close ? nil : target
    }

    /// z-score with the plan's statistics, or the image's own mean and standard deviation.
    public static func normalized(_ voxels: [Float], _ n: ModelPlan.IntensityNormalization?) -> [Float] {
        let mean: Float, std: Float
        if let n {
            (mean, std) = (n.mean, n.standardDeviation)
        } else {
            let count = Double(max(voxels.count, 1))
            let m = voxels.reduce(0.0) { $0 + Double($1) } / count
            let v = voxels.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / count
            (mean, std) = (Float(m), Float(v.squareRoot()))
        }
        let scale = 1 / max(std, 1e-6)
        return voxels.map { ($0 - mean) * scale }
    }

    /// Class `c`'s logits (`logits` is `[samples, classes, …]` NCHW on `modelGrid`) on `target`: gathered from
    /// every sample and resampled linearly when the grids differ; outside the model's grid background wins.
    static func classLogits(
        _ logits: [Float], class c: Int, classes k: Int, samples: Int, modelGrid: ImageGeometry,
        target: ImageGeometry
    ) throws -> [Float] {
        let perSample = modelGrid.voxelCount / samples
        var channel = [Float](repeating: 0, count: modelGrid.voxelCount)
        channel.withUnsafeMutableBufferPointer { dst in
            logits.withUnsafeBufferPointer { src in
                for s in 0..<samples {
                    let from = (s * k + c) * perSample
                    for v in 0..<perSample { dst[s * perSample + v] = src[from + v] }
                }
            }
        }
        guard modelGrid.size != target.size || modelGrid.spacing != target.spacing else { return channel }
        return try Volume(geometry: modelGrid, voxels: channel).resampled(
            to: target, interpolation: .linear, outsideValue: c == 0 ? 50 : -50
        ).voxels
    }

    /// Softmax of `logits` on `target` (each class's logits resampled linearly first), one volume per class.
    static func softmaxOnGrid(
        logits: [Float], classes k: Int, samples: Int, modelGrid: ImageGeometry, target: ImageGeometry
    ) throws -> [Volume<Float>] {
        var out = try (0..<k).map { c in
            Volume(
                geometry: target,
                voxels: try classLogits(
                    logits, class: c, classes: k, samples: samples, modelGrid: modelGrid, target: target))
        }
        for v in 0..<target.voxelCount {
            var m = -Float.infinity
            for c in 0..<k { m = max(m, out[c].voxels[v]) }
            var sum: Float = 0
            for c in 0..<k {
                let e = expf(out[c].voxels[v] - m)
                out[c].voxels[v] = e
                sum += e
            }
            for c in 0..<k { out[c].voxels[v] /= sum }
        }
        return out
    }

    /// Arg-max of `logits` (`[samples, classes, …]` NCHW, on `modelGrid`) on `target`: each class's logits are
    /// resampled linearly onto `target` (skipped when the grids are the same) and the largest wins.
    static func argmaxOnGrid(
        logits: [Float], classes k: Int, samples: Int, modelGrid: ImageGeometry, target: ImageGeometry
    ) throws -> Volume<UInt8> {
        var best = [Float](repeating: -.infinity, count: target.voxelCount)
        var labels = Volume<UInt8>(geometry: target)
        for c in 0..<k {
            let values = try classLogits(
                logits, class: c, classes: k, samples: samples, modelGrid: modelGrid, target: target)
            let label = UInt8(c)
            for v in 0..<values.count where values[v] > best[v] {
                best[v] = values[v]
                labels.voxels[v] = label
            }
        }
        return labels
    }
}
