import Foundation
import SpineAnalysis
import SpineImaging
import SpineNN

/// Runs an installed model over an image: z-score normalisation (the plan's, or the image's own), sliding-window
/// inference (nnU-Net's Gaussian-weighted overlapping patches), arg-max. Label value = index in `classNames`.
///
/// The network sees the image on the image's own voxel grid: voxel axes (i, j, k) are (W, H, D) of a 3D network,
/// and each slice k is one (H = j, W = i) image of a 2D network. Reorienting to a model's canonical frame and
/// resampling to its spacing wait for the plan to record them (`ModelPlan` has no spacing or orientation yet).
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
        let plan = model.plan
        let config = plan.network
        guard plan.classNames.count == config.classes, config.classes <= 256, config.inputChannels == 1,
            plan.patchSize.count == config.spatialDimensions
        else {
            throw ImagingError(
                .unsupported,
                "model \(model.name): plan not runnable here (\(config.classes) classes, \(plan.classNames.count) names, \(config.inputChannels) input channels, patch \(plan.patchSize))"
            )
        }
        do {
            if let threads { ComputeThreads.count = threads }
            var rng = SystemRandomNumberGenerator()
            let network = try UNet(config, using: &rng)
            try Checkpoint.load(into: network, plan: plan, from: model.folder)
            let inference = try InferenceUNet(network, precision: precision)

            let g = image.geometry
            var x = image.converted(to: Float.self).voxels
            let mean: Float, std: Float
            if let n = plan.intensity {
                (mean, std) = (n.mean, n.standardDeviation)
            } else {
                let m = x.reduce(0.0) { $0 + Double($1) } / Double(max(x.count, 1))
                let v = x.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(max(x.count, 1))
                (mean, std) = (Float(m), Float(v.squareRoot()))
            }
            let scale = 1 / max(std, 1e-6)
            for n in x.indices { x[n] = (x[n] - mean) * scale }

            let shape =
                config.spatialDimensions == 3
                ? [1, 1, g.size.z, g.size.y, g.size.x] : [g.size.z, 1, g.size.y, g.size.x]
            let window = SlidingWindow(patchSize: plan.patchSize)
            let logits = try window(try Tensor(shape: shape, nchw: x)) { try inference($0) }.nchwScalars
            let samples = shape[0], perSample = g.voxelCount / samples, k = config.classes
            var labels = Volume<UInt8>(geometry: g)
            for s in 0..<samples {
                let base = s * k * perSample
                for v in 0..<perSample {
                    var best = 0
                    var top = logits[base + v]
                    for c in 1..<k where logits[base + c * perSample + v] > top {
                        top = logits[base + c * perSample + v]
                        best = c
                    }
                    labels.voxels[s * perSample + v] = UInt8(best)
                }
            }
            return labels
        } catch let e as NNError {
            throw ImagingError(.malformed, "model \(model.name): \(e.description)", file: model.folder.path)
        }
    }
}
