import Foundation
import Testing

@testable import SpineNN

/// Images holding one to three filled squares (class 0) or discs (class 1) on a noisy background,
/// with their boxes.
struct ObjectDataset {
    var generator: SeededGenerator
    let size: Int
    let maxObjects: Int
    let radii: ClosedRange<Int>

    init(seed: UInt64, size: Int = 32, maxObjects: Int = 1, radii: ClosedRange<Int> = 3...4) {
        generator = SeededGenerator(seed: seed)
        self.size = size
        self.maxObjects = maxObjects
        self.radii = radii
    }

    mutating func batch(_ n: Int) throws -> (Tensor, [[CenterNetTargets.Box]]) {
        var image = [Float](repeating: 0, count: n * size * size)
        var boxes: [[CenterNetTargets.Box]] = []
        for b in 0..<n {
            var list: [CenterNetTargets.Box] = []
            let count = Int.random(in: 1...maxObjects, using: &generator)
            var attempts = 0
            while list.count < count && attempts < 50 {
                attempts += 1
                let isDisc = Bool.random(using: &generator)
                let r = Int.random(in: radii, using: &generator)
                let cy = Int.random(in: r..<(size - r), using: &generator)
                let cx = Int.random(in: r..<(size - r), using: &generator)
                let box = CenterNetTargets.Box(
                    x0: Float(cx - r), y0: Float(cy - r), x1: Float(cx + r + 1), y1: Float(cy + r + 1),
                    classIndex: isDisc ? 1 : 0)
                // Keep objects apart so each is a distinct target.
                if list.contains(where: { iou($0, box) > 0 || abs($0.x0 - box.x0) + abs($0.y0 - box.y0) < 8 }) {
                    continue
                }
                for y in (cy - r)...(cy + r) {
                    for x in (cx - r)...(cx + r) {
                        let inside = !isDisc || (y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r
                        if inside { image[(b * size + y) * size + x] = 1 }
                    }
                }
                list.append(box)
            }
            for i in 0..<(size * size) { image[b * size * size + i] += Float.random(in: -0.3..<0.3, using: &generator) }
            boxes.append(list)
        }
        return (try Tensor(shape: [n, 1, size, size], nchw: image), boxes)
    }
}

/// COCO-style average precision at IoU 0.5 for one class (101-point interpolated precision).
func averagePrecision(_ found: [[Detection]], _ truth: [[CenterNetTargets.Box]], classIndex: Int) -> Double {
    var scored: [(score: Float, hit: Bool)] = []
    var objects = 0
    for (detections, boxes) in zip(found, truth) {
        let mine = boxes.filter { $0.classIndex == classIndex }
        objects += mine.count
        var used = Set<Int>()
        for d in detections where d.classIndex == classIndex {
            let box = CenterNetTargets.Box(x0: d.box[0], y0: d.box[1], x1: d.box[2], y1: d.box[3], classIndex: classIndex)
            let best = mine.indices.filter { !used.contains($0) }.max { iou(mine[$0], box) < iou(mine[$1], box) }
            if let best, iou(mine[best], box) >= 0.5 {
                used.insert(best)
                scored.append((d.score, true))
            } else {
                scored.append((d.score, false))
            }
        }
    }
    guard objects > 0 else { return 0 }
    scored.sort { $0.score > $1.score }
    var points: [(recall: Double, precision: Double)] = []
    var hits = 0
    for (i, s) in scored.enumerated() {
        if s.hit { hits += 1 }
        points.append((Double(hits) / Double(objects), Double(hits) / Double(i + 1)))
    }
    return (0...100).map { r in
        points.filter { $0.recall >= Double(r) / 100 }.map(\.precision).max() ?? 0
    }.reduce(0, +) / 101
}

func iou(_ a: CenterNetTargets.Box, _ b: CenterNetTargets.Box) -> Float {
    let iw = max(0, min(a.x1, b.x1) - max(a.x0, b.x0)), ih = max(0, min(a.y1, b.y1) - max(a.y0, b.y0))
    let inter = iw * ih
    let union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter
    return union > 0 ? inter / union : 0
}

@Suite("ResNet and CenterNet")
struct ResNetAndDetectorTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/nn")

    @Test func resNet18HasTorchvisionNamesAndParameterCount() throws {
        var g = SeededGenerator(seed: 1)
        let net = try ResNet(ResNetConfiguration(classes: 1000), using: &g)
        let names = net.namedParameters().map(\.name)
        for expected in [
            "conv1.weight", "bn1.running_var", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
            "layer2.0.downsample.1.running_mean", "layer4.1.bn2.bias", "fc.weight", "fc.bias",
        ] {
            #expect(names.contains(expected), "missing \(expected)")
        }
        #expect(!names.contains("layer1.0.downsample.0.weight"))
        #expect(Set(names).count == names.count)
        // torchvision.models.resnet18(): 11,689,512 trainable parameters.
        #expect(net.trainableParameterCount == 11_689_512)
        let y = try GradientMode.withoutGradients { try net(Variable(Tensor(zeros: [1, 3, 64, 64]))) }
        #expect(y.shape == [1, 1000])
        #expect(throws: NNError.self) { try net(Variable(Tensor(zeros: [1, 1, 64, 64]))) }
        #expect(throws: NNError.self) { try net(Variable(Tensor(zeros: [1, 3, 16, 16]))) }
        #expect(throws: NNError.self) { try ResNet(ResNetConfiguration(classes: 2, stemKernel: 4), using: &g) }
    }

    /// Forward (training and evaluation mode), backward and running statistics against PyTorch on a
    /// torchvision-named ResNet (fixture from Scripts/fixtures/make_nn_fixtures.py).
    @Test func matchesPyTorch() throws {
        let (t, _) = try SafeTensors.read(from: Self.fixtures.appendingPathComponent("network_resnet.safetensors"))
        var g = SeededGenerator(seed: 2)
        let net = try ResNet(
            ResNetConfiguration(inputChannels: 3, classes: 5, blocksPerStage: [1, 1, 1], baseFeatures: 4), using: &g)
        for (name, parameter) in net.namedParameters() {
            try parameter.assign(try #require(t["param." + name], "fixture lacks \(name)"))
        }
        let x = Variable(try #require(t["x"]), requiresGrad: true)
        let y = try net(x)
        #expect(PyTorchParityTests.relativeError(y.value, try #require(t["output"])) < 1e-4)
        try y.backward(seed: try #require(t["gy"]))
        let parameters = Dictionary(uniqueKeysWithValues: net.namedParameters().map { ($0.name, $0.parameter) })
        #expect(PyTorchParityTests.relativeError(try #require(x.grad), try #require(t["grad.x"])) < 1e-4)
        for name in ["conv1.weight", "layer3.0.conv2.weight", "fc.weight"] {
            let grad = try #require(parameters[name]?.grad, "no gradient for \(name)")
            let error = PyTorchParityTests.relativeError(grad, try #require(t["grad.param." + name]))
            #expect(error < 1e-4, "gradient of \(name): \(error)")
        }
        let runningMean = try #require(parameters["layer2.0.bn1.running_mean"]).value
        #expect(PyTorchParityTests.relativeError(runningMean, try #require(t["running_mean_after"])) < 1e-4)
        net.setTraining(false)
        let evaluation = try GradientMode.withoutGradients { try net(Variable(x.value)) }
        #expect(PyTorchParityTests.relativeError(evaluation.value, try #require(t["eval_output"])) < 1e-4)
    }

    @Test func detectionLossGradients() throws {
        var heat = randn([2, 3, 4, 5], seed: 5).channelsLastScalars.map { min(abs($0) / 3, 0.95) }
        heat[7] = 1
        heat[31] = 1
        let heatmap = try Tensor(shape: [2, 3, 4, 5], channelsLast: heat)
        try checkGradients([randn([2, 3, 4, 5], seed: 6)]) { v in
            try centerHeatmapFocalLoss(v[0], heatmap: heatmap)
        }
        let mask = try Tensor(shape: [1, 2, 3, 3], channelsLast: (0..<18).map { $0 % 4 == 0 ? 1 : 0 })
        try checkGradients([randn([1, 2, 3, 3], seed: 8)]) { v in
            try maskedL1Loss(v[0], target: randn([1, 2, 3, 3], seed: 9), mask: mask)
        }
        // Overlapping, nested and disjoint pairs (the enclosing-box term matters for the last).
        let predicted = try Tensor(shape: [3, 4], nchw: [0, 0, 4, 3, 1, 1, 3, 3.5, 0, 0, 1, 1.5])
        let target = try Tensor(shape: [3, 4], nchw: [1, 0.5, 5, 4, 0, 0, 4.2, 4, 2, 3, 3.5, 4.5])
        try checkGradients([predicted], eps: 1e-3, relative: 2e-2) { v in try generalizedIoULoss(v[0], target: target) }
    }

    @Test func detectionLossValues() throws {
        // GIoU of a box with itself is 1 (loss 0); of disjoint unit boxes 2 apart: 0 − (3 − 2)/3 (loss 4/3).
        let box = try Tensor(shape: [1, 4], nchw: [0, 0, 1, 1])
        #expect(abs(try generalizedIoULoss(Variable(box), target: box).value[[0]]) < 1e-6)
        let far = try Tensor(shape: [1, 4], nchw: [2, 0, 3, 1])
        #expect(abs(try generalizedIoULoss(Variable(box), target: far).value[[0]] - 4.0 / 3) < 1e-5)
        #expect(throws: NNError.self) {
            try generalizedIoULoss(Variable(try Tensor(shape: [1, 4], nchw: [1, 0, 0, 1])), target: box)
        }
        #expect(throws: NNError.self) { try centerHeatmapFocalLoss(Variable(box), heatmap: Tensor(zeros: [4])) }
        #expect(throws: NNError.self) {
            try centerHeatmapFocalLoss(Variable(box), heatmap: Tensor(shape: [1, 4], repeating: 2))
        }
        #expect(throws: NNError.self) {
            try maskedL1Loss(Variable(box), target: box, mask: Tensor(zeros: [1, 3]))
        }
    }

    @Test func targetsPlaceCentresSizesAndOffsets() throws {
        let box = CenterNetTargets.Box(x0: 4, y0: 8, x1: 13, y1: 15, classIndex: 1)
        let t = try CenterNetTargets(boxes: [[box]], imageSize: (32, 32), classes: 2, stride: 2)
        #expect(t.heatmap.shape == [1, 2, 16, 16])
        // Centre (8.5, 11.5) px → cell (4.25, 5.75): x 4, y 5, offset (0.25, 0.75); size (4.5, 3.5) cells.
        #expect(t.heatmap[[0, 1, 5, 4]] == 1)
        #expect(t.heatmap[[0, 0, 5, 4]] == 0)
        #expect(t.heatmap[[0, 1, 5, 5]] > 0 && t.heatmap[[0, 1, 5, 5]] < 1)
        #expect(t.size[[0, 0, 5, 4]] == 4.5 && t.size[[0, 1, 5, 4]] == 3.5)
        #expect(t.offset[[0, 0, 5, 4]] == 0.25 && t.offset[[0, 1, 5, 4]] == 0.75)
        #expect(t.mask.channelsLastScalars.reduce(0, +) == 2)
        #expect(throws: NNError.self) {
            try CenterNetTargets(
                boxes: [[.init(x0: 3, y0: 3, x1: 3, y1: 9, classIndex: 0)]], imageSize: (32, 32), classes: 2,
                stride: 2)
        }
        #expect(throws: NNError.self) {
            try CenterNetTargets(boxes: [[box]], imageSize: (32, 32), classes: 1, stride: 2)
        }
    }

    /// Behavioural test of the classifier stack: a small ResNet tells discs from squares.
    @Test func resNetLearnsSyntheticShapeClassification() throws {
        var g = SeededGenerator(seed: 3)
        let net = try ResNet(.small(classes: 2, blocksPerStage: [1, 1, 1], baseFeatures: 8), using: &g)
        let opt = AdamW(parameters: net.trainableParameters, learningRate: 3e-3, weightDecay: 1e-4)
        var data = ObjectDataset(seed: 11, size: 24)
        func labels(_ boxes: [[CenterNetTargets.Box]]) -> [Int32] { boxes.map { Int32($0[0].classIndex) } }
        for _ in 0..<80 {
            let (x, boxes) = try data.batch(16)
            opt.zeroGradients()
            let loss = try crossEntropy(net(Variable(x)), labels: labels(boxes))
            try loss.backward()
            try opt.step()
        }
        net.setTraining(false)
        var validation = ObjectDataset(seed: 99, size: 24)
        let (x, boxes) = try validation.batch(64)
        let logits = try GradientMode.withoutGradients { try net(Variable(x)) }.value
        let truth = labels(boxes)
        let correct = (0..<64).filter { i in (logits[[i, 1]] > logits[[i, 0]] ? 1 : 0) == truth[i] }.count
        #expect(correct >= 58, "accuracy \(correct)/64")
    }

    /// Behavioural test of the detector stack: CenterNet finds squares and discs with their boxes.
    @Test func centerNetLearnsSyntheticDetection() throws {
        var g = SeededGenerator(seed: 4)
        let backbone = ResNetConfiguration(
            inputChannels: 1, classes: 1, blocksPerStage: [1, 1, 1], baseFeatures: 8, stemKernel: 3, stemStride: 2,
            stemPool: false)
        let config = CenterNetConfiguration(backbone: backbone, classes: 2, headFeatures: 16)
        let net = try CenterNet(config, using: &g)
        #expect(config.outputStride == 2)
        let opt = AdamW(parameters: net.trainableParameters, learningRate: 3e-3, weightDecay: 1e-4)
        var data = ObjectDataset(seed: 12, size: 32, maxObjects: 2, radii: 4...6)
        for _ in 0..<250 {
            let (x, boxes) = try data.batch(8)
            let targets = try CenterNetTargets(boxes: boxes, imageSize: (32, 32), classes: 2, stride: 2)
            opt.zeroGradients()
            let loss = try net.loss(net(Variable(x)), targets: targets)
            try loss.backward()
            try clipGradientNorm(net.trainableParameters, maxNorm: 10)
            try opt.step()
        }
        net.setTraining(false)
        var validation = ObjectDataset(seed: 100, size: 32, maxObjects: 2, radii: 4...6)
        let (x, truth) = try validation.batch(32)
        let found = try net.detect(x, maxDetections: 10, threshold: 0.05)
        let ap = (0..<2).map { averagePrecision(found, truth, classIndex: $0) }
        #expect(ap.allSatisfy { $0 >= 0.8 }, "AP@0.5 per class \(ap)")
        #expect(throws: NNError.self) { try net(Variable(Tensor(zeros: [1, 1, 30, 32]))) }
    }
}
