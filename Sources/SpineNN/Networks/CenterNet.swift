import Foundation

/// The architecture of a ``CenterNet`` detector, saved as part of a model's plan.
public struct CenterNetConfiguration: Codable, Hashable, Sendable {
    /// The feature extractor; its `classes` (the classifier head) is unused.
    public var backbone: ResNetConfiguration
    /// Object classes (one heatmap each).
    public var classes: Int
    /// Channels of the feature pyramid and of each head's hidden layer.
    public var headFeatures: Int

    public init(backbone: ResNetConfiguration, classes: Int, headFeatures: Int = 64) {
        self.backbone = backbone
        self.classes = classes
        self.headFeatures = headFeatures
    }

    /// Input pixels per output cell: the stride of the backbone's first stage.
    public var outputStride: Int { backbone.stride(at: 0) }

    /// The input size must be a multiple of this along every axis (the deepest stage's stride).
    public var sizeMultiple: Int { backbone.stride(at: backbone.blocksPerStage.count - 1) }
}

/// One detected object: a box `(x0, y0, x1, y1)` in input pixels (x along the last axis).
public struct Detection: Hashable, Sendable {
    public var box: [Float]
    public var classIndex: Int
    public var score: Float

    public init(box: [Float], classIndex: Int, score: Float) {
        self.box = box
        self.classIndex = classIndex
        self.score = score
    }
}

/// A one-stage, anchor-free 2-D detector in the style of CenterNet (Zhou et al., "Objects as
/// Points", 2019): a ``ResNet`` backbone, a top-down feature pyramid (1×1 lateral convolutions,
/// nearest ×2 upsampling, sums) to the first stage's resolution, and three heads — a per-class
/// centre heatmap, the box size and the sub-cell centre offset. Train with
/// ``CenterNetTargets`` and ``CenterNet/loss(_:targets:sizeWeight:offsetWeight:)``; decode with
/// ``CenterNet/detect(_:maxDetections:threshold:precision:)``.
public final class CenterNet: Layer {
    public let configuration: CenterNetConfiguration
    public let backbone: ResNet
    let laterals: [Convolution]
    let heads: [(hidden: Convolution, output: Convolution)]
    /// The fused session ``detect(_:maxDetections:threshold:precision:)`` runs in evaluation mode.
    let sessionCache = ExportedSessionCache()

    /// Output channels of the heads, in order.
    public enum Head: Int, CaseIterable, Sendable { case heatmap, size, offset }

    public init<G: RandomNumberGenerator>(_ config: CenterNetConfiguration, using g: inout G) throws {
        guard config.backbone.spatialDimensions == 2, config.classes >= 1, config.headFeatures >= 1 else {
            throw NNError(.invalidArgument, "CenterNet: invalid configuration \(config) (2-D backbones only)")
        }
        configuration = config
        backbone = try ResNet(config.backbone, using: &g)
        laterals = (0..<config.backbone.blocksPerStage.count).map { s in
            Convolution(
                inputChannels: config.backbone.features(at: s), outputChannels: config.headFeatures, kernel: [1, 1],
                using: &g)
        }
        heads = [config.classes, 2, 2].map { out in
            (
                hidden: Convolution(
                    inputChannels: config.headFeatures, outputChannels: config.headFeatures, kernel: [3, 3], using: &g),
                output: Convolution(
                    inputChannels: config.headFeatures, outputChannels: out, kernel: [1, 1], using: &g)
            )
        }
        // Focal-loss prior: every location starts as background with probability 0.9 (bias −2.19).
        heads[0].output.bias!.update { b in
            b.withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] = -2.19 } }
        }
    }

    /// Heatmap logits `[N, classes, h, w]`, sizes `[N, 2, h, w]` (width, height in output cells) and
    /// offsets `[N, 2, h, w]` (x, y in cells), with `h, w` the input size over ``CenterNetConfiguration/outputStride``.
    public func callAsFunction(_ x: Variable) throws -> (heatmap: Variable, size: Variable, offset: Variable) {
        try checkInput(x.shape)
        let features = try backbone.stageOutputs(x)
        var h = try laterals[features.count - 1](features[features.count - 1])
        for s in stride(from: features.count - 2, through: 0, by: -1) {
            h = try upsample(h, factor: [2]) + laterals[s](features[s])
        }
        let outs = try heads.map { try $0.output(relu($0.hidden(h))) }
        return (outs[0], outs[1], outs[2])
    }

    func checkInput(_ shape: [Int]) throws {
        let m = configuration.sizeMultiple
        guard shape.count == 4, shape.dropFirst(2).allSatisfy({ $0 % m == 0 && $0 > 0 }) else {
            throw NNError.shape(
                "CenterNet", expected: "input [N, C, H, W] with H and W multiples of \(m)", got: "\(shape)")
        }
        try backbone.checkInput(shape)
    }

    /// The training objective: heatmap focal loss + `sizeWeight` × size L1 + `offsetWeight` ×
    /// offset L1 at the object centres (CenterNet's weights 0.1 and 1 by default).
    public func loss(
        _ output: (heatmap: Variable, size: Variable, offset: Variable), targets: CenterNetTargets,
        sizeWeight: Float = 0.1, offsetWeight: Float = 1
    ) throws -> Variable {
        let focal = try centerHeatmapFocalLoss(output.heatmap, heatmap: targets.heatmap)
        let size = try maskedL1Loss(output.size, target: targets.size, mask: targets.mask)
        let offset = try maskedL1Loss(output.offset, target: targets.offset, mask: targets.mask)
        return try focal + size * sizeWeight + offset * offsetWeight
    }

    /// Detections per image, best first: heatmap peaks (a cell at least as high as its 8
    /// neighbours, CenterNet's 3×3 max-pool suppression) above `threshold`, at most `maxDetections`.
    /// In evaluation mode the heads run on the exported, fused ``ONNXSession`` (rebuilt when a weight
    /// changes); in training mode on the autograd graph.
    public func detect(
        _ images: Tensor, maxDetections: Int = 100, threshold: Float = 0.3, precision: InferencePrecision = .fp32
    ) throws -> [[Detection]] {
        let heatmap: Tensor, size: Tensor, offset: Tensor
        if backbone.stemNorm.isTraining {
            let out = try GradientMode.withoutGradients { try self(Variable(images)) }
            (heatmap, size, offset) = (out.heatmap.value, out.size.value, out.offset.value)
        } else {
            try checkInput(images.shape)
            let out = try sessionCache.session(for: self, precision: precision).run(["input": images])
            guard let h = out["heatmap"], let s = out["size"], let o = out["offset"] else {
                throw NNError(.invalidArgument, "CenterNet: the exported session lacks a head output")
            }
            (heatmap, size, offset) = (h, s, o)
        }
        return Self.decode(
            heatmap: heatmap, size: size, offset: offset, stride: configuration.outputStride,
            maxDetections: maxDetections, threshold: threshold)
    }

    /// Boxes from head outputs (logits), in input pixels.
    public static func decode(
        heatmap: Tensor, size: Tensor, offset: Tensor, stride: Int, maxDetections: Int, threshold: Float
    ) -> [[Detection]] {
        let (n, c, h, w) = (heatmap.shape[0], heatmap.shape[1], heatmap.shape[2], heatmap.shape[3])
        let z = heatmap.channelsLastScalars, s = size.channelsLastScalars, o = offset.channelsLastScalars
        let logit = Float(Foundation.log(Double(threshold) / (1 - Double(threshold))))
        var result: [[Detection]] = []
        for b in 0..<n {
            var found: [Detection] = []
            for y in 0..<h {
                for x in 0..<w {
                    let cell = (b * h + y) * w + x
                    for k in 0..<c {
                        let v = z[cell * c + k]
                        guard v >= logit else { continue }
                        var isPeak = true
                        for dy in -1...1 where isPeak {
                            for dx in -1...1 where dy != 0 || dx != 0 {
                                let yy = y + dy, xx = x + dx
                                guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                                if z[((b * h + yy) * w + xx) * c + k] > v {
                                    isPeak = false
                                    break
                                }
                            }
                        }
                        guard isPeak else { continue }
                        let cx = (Float(x) + o[cell * 2]) * Float(stride)
                        let cy = (Float(y) + o[cell * 2 + 1]) * Float(stride)
                        let bw = max(s[cell * 2], 0) * Float(stride), bh = max(s[cell * 2 + 1], 0) * Float(stride)
                        found.append(
                            Detection(
                                box: [cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], classIndex: k,
                                score: 1 / (1 + Foundation.exp(-v))))
                    }
                }
            }
            found.sort { $0.score > $1.score }
            result.append(Array(found.prefix(maxDetections)))
        }
        return result
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var p = prefixed("backbone", backbone.namedParameters().filter { !$0.name.hasPrefix("fc.") })
        for (s, l) in laterals.enumerated() { p += prefixed("neck.lateral.\(s)", l.namedParameters()) }
        for (head, layers) in zip(Head.allCases, heads) {
            p += prefixed("head.\(head).0", layers.hidden.namedParameters())
            p += prefixed("head.\(head).2", layers.output.namedParameters())
        }
        return p
    }

    public func setTraining(_ training: Bool) { backbone.setTraining(training) }
}

/// Training targets of a ``CenterNet`` batch: Gaussian centre heatmaps, and size and offset
/// regression targets with a mask at each object's centre cell.
public struct CenterNetTargets: Sendable {
    public let heatmap: Tensor
    public let size: Tensor
    public let offset: Tensor
    public let mask: Tensor

    /// One box in input pixels, `(x0, y0, x1, y1)`, with its class.
    public struct Box: Hashable, Sendable {
        public var x0: Float, y0: Float, x1: Float, y1: Float
        public var classIndex: Int
        public init(x0: Float, y0: Float, x1: Float, y1: Float, classIndex: Int) {
            (self.x0, self.y0, self.x1, self.y1, self.classIndex) = (x0, y0, x1, y1, classIndex)
        }
    }

    /// - Parameters:
    ///   - boxes: per image, its boxes.
    ///   - imageSize: `(height, width)` of the input in pixels.
    public init(boxes: [[Box]], imageSize: (height: Int, width: Int), classes: Int, stride: Int) throws {
        let (h, w) = (imageSize.height / stride, imageSize.width / stride)
        guard h > 0, w > 0, classes > 0 else {
            throw NNError(.invalidArgument, "CenterNetTargets: image \(imageSize) smaller than the stride \(stride)")
        }
        let n = boxes.count
        var heat = [Float](repeating: 0, count: n * h * w * classes)
        var size = [Float](repeating: 0, count: n * h * w * 2)
        var offset = [Float](repeating: 0, count: n * h * w * 2)
        var mask = [Float](repeating: 0, count: n * h * w * 2)
        for (b, list) in boxes.enumerated() {
            for box in list {
                guard box.classIndex >= 0, box.classIndex < classes, box.x1 > box.x0, box.y1 > box.y0 else {
                    throw NNError(
                        .invalidArgument, "CenterNetTargets: box \(box) has no area or a class outside 0..<\(classes)")
                }
                let bw = (box.x1 - box.x0) / Float(stride), bh = (box.y1 - box.y0) / Float(stride)
                let cx = (box.x0 + box.x1) / 2 / Float(stride), cy = (box.y0 + box.y1) / 2 / Float(stride)
                let ix = min(max(Int(cx), 0), w - 1), iy = min(max(Int(cy), 0), h - 1)
                let radius = max(0, Int(Self.gaussianRadius(height: Double(bh), width: Double(bw))))
                let sigma = Float(2 * radius + 1) / 6
                for y in max(iy - radius, 0)...min(iy + radius, h - 1) {
                    for x in max(ix - radius, 0)...min(ix + radius, w - 1) {
                        let d2 = Float((x - ix) * (x - ix) + (y - iy) * (y - iy))
                        let v = Foundation.exp(-d2 / (2 * sigma * sigma))
                        let i = ((b * h + y) * w + x) * classes + box.classIndex
                        heat[i] = max(heat[i], v)
                    }
                }
                let cell = (b * h + iy) * w + ix
                heat[cell * classes + box.classIndex] = 1
                size[cell * 2] = bw
                size[cell * 2 + 1] = bh
                offset[cell * 2] = cx - Float(ix)
                offset[cell * 2 + 1] = cy - Float(iy)
                mask[cell * 2] = 1
                mask[cell * 2 + 1] = 1
            }
        }
        heatmap = try Tensor(shape: [n, classes, h, w], channelsLast: heat)
        self.size = try Tensor(shape: [n, 2, h, w], channelsLast: size)
        self.offset = try Tensor(shape: [n, 2, h, w], channelsLast: offset)
        self.mask = try Tensor(shape: [n, 2, h, w], channelsLast: mask)
    }

    /// CornerNet's radius: the largest corner displacement that keeps IoU ≥ `minimumOverlap`
    /// with the true box (the smallest root of the three cases in Law & Deng's implementation).
    static func gaussianRadius(height: Double, width: Double, minimumOverlap: Double = 0.7) -> Double {
        let (h, w, o) = (height, width, minimumOverlap)
        let b1 = h + w, c1 = w * h * (1 - o) / (1 + o)
        let r1 = (b1 + (b1 * b1 - 4 * c1).squareRoot()) / 2
        let b2 = 2 * (h + w), c2 = (1 - o) * w * h
        let r2 = (b2 + (b2 * b2 - 16 * c2).squareRoot()) / 2
        let a3 = 4 * o, b3 = -2 * o * (h + w), c3 = (o - 1) * w * h
        let r3 = (b3 + (b3 * b3 - 4 * a3 * c3).squareRoot()) / 2
        return min(r1, r2, r3)
    }
}
