/// An axis-aligned 2D box in pixel (or mm) coordinates, corners `(xMin, yMin)`–`(xMax, yMax)`.
///
/// Coordinates are continuous, as in COCO: the area is (xMax − xMin)(yMax − yMin), with no "+1".
public struct Box2D: Sendable, Hashable, Codable {
    public var xMin: Double, yMin: Double, xMax: Double, yMax: Double
    public init(xMin: Double, yMin: Double, xMax: Double, yMax: Double) {
        (self.xMin, self.yMin, self.xMax, self.yMax) = (xMin, yMin, xMax, yMax)
    }
    public var area: Double { max(0, xMax - xMin) * max(0, yMax - yMin) }

    /// Intersection over union with another box (0 when they do not overlap or both are empty).
    public func iou(_ o: Box2D) -> Double {
        let w = min(xMax, o.xMax) - max(xMin, o.xMin), h = min(yMax, o.yMax) - max(yMin, o.yMin)
        guard w > 0, h > 0 else { return 0 }
        let inter = w * h
        let union = area + o.area - inter
        return union > 0 ? inter / union : 0
    }
}

/// A true object: which image, which class, where.
public struct TruthBox: Sendable, Hashable, Codable {
    public var image: String
    public var label: String
    public var box: Box2D
    public init(image: String, label: String, box: Box2D) { (self.image, self.label, self.box) = (image, label, box) }
}

/// A detection: image, class, box and confidence score.
public struct DetectedBox: Sendable, Hashable, Codable {
    public var image: String
    public var label: String
    public var box: Box2D
    public var score: Double
    public init(image: String, label: String, box: Box2D, score: Double) {
        (self.image, self.label, self.box, self.score) = (image, label, box, score)
    }
}

/// Average precision per class and its mean.
public struct DetectionScores: Sendable, Hashable, Codable {
    public struct ClassScore: Sendable, Hashable, Codable {
        public var label: String
        /// COCO 101-point interpolated average precision (0…1).
        public var averagePrecision: Double
        public var truthCount: Int
        public var detectionCount: Int
        public var truePositives: Int
    }
    public var iouThreshold: Double
    /// Classes with at least one true box, sorted by name.
    public var classes: [ClassScore]
    /// Mean of the per-class APs (mAP@`iouThreshold`); nil when no class has a true box.
    public var meanAveragePrecision: Double?
    /// Detections of classes that have no true box (not counted in the mean, as in COCO).
    public var detectionsOfUnknownClasses: Int
}

/// Average precision of 2D detections as the COCO evaluation computes it (`pycocotools` `COCOeval`,
/// Lin et al., "Microsoft COCO", ECCV 2014), at one IoU threshold.
///
/// Per class: detections sorted by score (descending, stable), each matched in turn to the unmatched
/// true box of the same image with the highest IoU ≥ threshold (a true positive) or to none (a false
/// positive); precision is made monotone from the right, and sampled at the 101 recall points
/// 0, 0.01, …, 1 (the precision at the first rank whose recall reaches the point, 0 past the last
/// recall); AP is their mean. No crowd regions, areas or per-image detection cap.
public enum AveragePrecision {
    public static func evaluate(detections: [DetectedBox], truth: [TruthBox], iouThreshold: Double = 0.5)
        -> DetectionScores
    {
        let classes = Set(truth.map(\.label)).sorted()
        var scores: [DetectionScores.ClassScore] = []
        for c in classes {
            let t = truth.filter { $0.label == c }
            let d = detections.filter { $0.label == c }
            let (ap, tp) = classAP(detections: d, truth: t, iouThreshold: iouThreshold)
            scores.append(
                .init(label: c, averagePrecision: ap, truthCount: t.count, detectionCount: d.count, truePositives: tp))
        }
        let known = Set(classes)
        return DetectionScores(
            iouThreshold: iouThreshold, classes: scores,
            meanAveragePrecision: scores.isEmpty
                ? nil : scores.map(\.averagePrecision).reduce(0, +) / Double(scores.count),
            detectionsOfUnknownClasses: detections.filter { !known.contains($0.label) }.count)
    }

    /// AP of one class and its number of true positives; `truth` must not be empty.
    static func classAP(detections: [DetectedBox], truth: [TruthBox], iouThreshold: Double) -> (Double, Int) {
        precondition(!truth.isEmpty)
        let order = detections.indices.sorted { a, b in
            detections[a].score != detections[b].score ? detections[a].score > detections[b].score : a < b
        }
        var truthByImage: [String: [Int]] = [:]
        for (n, t) in truth.enumerated() { truthByImage[t.image, default: []].append(n) }
        var matched = [Bool](repeating: false, count: truth.count)
        var isTP: [Bool] = []
        for n in order {
            let d = detections[n]
            var best = min(iouThreshold, 1 - 1e-10), m = -1
            for g in truthByImage[d.image] ?? [] where !matched[g] {
                let iou = d.box.iou(truth[g].box)
                if iou < best { continue }
                best = iou
                m = g
            }
            if m >= 0 { matched[m] = true }
            isTP.append(m >= 0)
        }
        return (interpolatedAP(isTruePositive: isTP, truthCount: truth.count), isTP.filter { $0 }.count)
    }

    /// COCO 101-point interpolated AP from the ranked true/false-positive flags.
    public static func interpolatedAP(isTruePositive: [Bool], truthCount: Int) -> Double {
        precondition(truthCount > 0)
        var tp = 0, fp = 0
        var recall: [Double] = [], precision: [Double] = []
        for t in isTruePositive {
            if t { tp += 1 } else { fp += 1 }
            recall.append(Double(tp) / Double(truthCount))
            precision.append(Double(tp) / Double(tp + fp))
        }
        if precision.count > 1 {
            for i in stride(from: precision.count - 1, to: 0, by: -1) where precision[i] > precision[i - 1] {
                precision[i - 1] = precision[i]
            }
        }
        var sum = 0.0
        for r in 0...100 {
            let threshold = Double(r) / 100
            // First rank whose recall reaches the threshold (searchsorted, side "left").
            var lo = 0, hi = recall.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if recall[mid] < threshold { lo = mid + 1 } else { hi = mid }
            }
            if lo < recall.count { sum += precision[lo] }
        }
        return sum / 101
    }
}
