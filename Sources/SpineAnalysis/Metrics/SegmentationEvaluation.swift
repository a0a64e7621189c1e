import Foundation
import SpineImaging

/// Overlap and surface scores of one label value (a class or an instance) of a predicted label map against the truth.
public struct LabelScores: Sendable, Hashable, Codable {
    public var label: Int
    /// The label's name under the class map used, when it has one.
    public var name: String?
    public var truthVoxels: Int
    public var predictionVoxels: Int
    public var intersectionVoxels: Int
    public var truthVolumeMM3: Double
    public var predictionVolumeMM3: Double
    /// Dice similarity coefficient 2|P∩T| / (|P| + |T|) (Dice 1945); nil when both are empty.
    public var dice: Double?
    /// Intersection over union (Jaccard) |P∩T| / |P∪T|; nil when both are empty.
    public var iou: Double?
    /// 95th percentile of the pooled symmetric surface distances [mm] (MedPy `hd95`); nil when either is empty.
    public var hausdorff95MM: Double?
    /// Largest surface distance [mm]; nil when either is empty.
    public var hausdorffMM: Double?
    /// Average symmetric surface distance [mm] (MedPy `assd`); nil when either is empty.
    public var averageSymmetricSurfaceDistanceMM: Double?
}

/// Per-label segmentation metrics of a predicted label map against the truth on the same grid.
public enum SegmentationEvaluation {
    /// Dice, IoU, HD95, Hausdorff and ASSD for every label value.
    ///
    /// Works for semantic maps (one label per class) and instance maps (one label per vertebra, e.g.
    /// VerSe numbering) alike: each label value is scored on its own. Surface distances use the
    /// definitions of `SurfaceDistances` (boundary voxels, exact EDT with the grid's spacing).
    ///
    /// - Parameters:
    ///   - prediction, truth: integer label maps on the same grid (0 = background).
    ///   - labels: the label values to score, in this order; default: every non-zero value in either map, ascending.
    ///   - classMap: names the labels in the result, when given.
    ///   - surfaceDistances: false skips HD95/ASSD (Dice and IoU only, one pass).
    /// - Throws: `ImagingError(.invalidArgument)` when the grids differ.
    /// - Complexity: one pass for overlaps, plus O(voxels in each label's box) per label for distances.
    public static func evaluate(
        prediction: Volume<Int32>, truth: Volume<Int32>, labels: [Int]? = nil, classMap: ClassMap? = nil,
        surfaceDistances: Bool = true
    ) throws -> [LabelScores] {
        if let why = prediction.geometry.gridMismatch(with: truth.geometry) {
            throw ImagingError(
                .invalidArgument,
                "prediction and truth grids differ (\(why)); resample the prediction onto the truth grid first")
        }
        let g = truth.geometry
        let s = g.size
        var countP: [Int32: Int] = [:], countT: [Int32: Int] = [:], countI: [Int32: Int] = [:]
        var lo: [Int32: SIMD3<Int>] = [:], hi: [Int32: SIMD3<Int>] = [:]
        prediction.voxels.withUnsafeBufferPointer { pv in
            truth.voxels.withUnsafeBufferPointer { tv in
                var p = 0
                for k in 0..<s.z {
                    for j in 0..<s.y {
                        for i in 0..<s.x {
                            let a = pv[p], b = tv[p]
                            p += 1
                            if a == 0 && b == 0 { continue }
                            let ijk = SIMD3(i, j, k)
                            if a != 0 {
                                countP[a, default: 0] += 1
                                lo[a] = pointwiseMin(lo[a] ?? ijk, ijk)
                                hi[a] = pointwiseMax(hi[a] ?? ijk, ijk)
                            }
                            if b != 0 {
                                countT[b, default: 0] += 1
                                if b != a {
                                    lo[b] = pointwiseMin(lo[b] ?? ijk, ijk)
                                    hi[b] = pointwiseMax(hi[b] ?? ijk, ijk)
                                } else {
                                    countI[a, default: 0] += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        let wanted = labels ?? Set(countP.keys).union(countT.keys).map(Int.init).sorted()
        let voxelMM3 = g.spacing.x * g.spacing.y * g.spacing.z
        var out: [LabelScores] = []
        for label in wanted {
            let l = Int32(clamping: label)
            let np = countP[l] ?? 0, nt = countT[l] ?? 0, ni = countI[l] ?? 0
            var r = LabelScores(
                label: label, name: classMap?.meaning(of: label)?.description, truthVoxels: nt, predictionVoxels: np,
                intersectionVoxels: ni, truthVolumeMM3: Double(nt) * voxelMM3,
                predictionVolumeMM3: Double(np) * voxelMM3)
            if np + nt > 0 {
                r.dice = 2 * Double(ni) / Double(np + nt)
                r.iou = Double(ni) / Double(np + nt - ni)
            }
            if surfaceDistances, np > 0, nt > 0, let a = lo[l], let b = hi[l] {
                let d = prediction.voxels.withUnsafeBufferPointer { pv in
                    truth.voxels.withUnsafeBufferPointer { tv in
                        SurfaceDistance.distances(geometry: g, box: VoxelBox(lower: a, upper: b &+ 1)) {
                            pv[$0] == l
                        } truth: {
                            tv[$0] == l
                        }
                    }
                }
                if let d {
                    r.hausdorff95MM = d.hausdorff95MM
                    r.hausdorffMM = d.hausdorffMM
                    r.averageSymmetricSurfaceDistanceMM = d.averageSymmetricMM
                }
            }
            out.append(r)
        }
        return out
    }

    /// Dice 2|P∩T| / (|P| + |T|) of two binary masks; nil when both are empty.
    public static func dice(prediction: [Bool], truth: [Bool]) -> Double? {
        precondition(prediction.count == truth.count)
        var np = 0, nt = 0, ni = 0
        for (a, b) in zip(prediction, truth) {
            if a { np += 1 }
            if b { nt += 1 }
            if a && b { ni += 1 }
        }
        return np + nt == 0 ? nil : 2 * Double(ni) / Double(np + nt)
    }

    /// Intersection over union of two binary masks; nil when both are empty.
    public static func iou(prediction: [Bool], truth: [Bool]) -> Double? {
        precondition(prediction.count == truth.count)
        var union = 0, ni = 0
        for (a, b) in zip(prediction, truth) {
            if a || b { union += 1 }
            if a && b { ni += 1 }
        }
        return union == 0 ? nil : Double(ni) / Double(union)
    }
}

extension ImageGeometry {
    /// Why two grids differ (size, or voxel corners more than 1% of a voxel apart), or nil when they match.
    package func gridMismatch(with other: ImageGeometry) -> String? {
        guard size == other.size else {
            return "size \(size.x)×\(size.y)×\(size.z) vs \(other.size.x)×\(other.size.y)×\(other.size.z)"
        }
        let shift = zip(cornersLPS, other.cornersLPS).map { ($0 - $1).length }.max() ?? .infinity
        let tolerance = 0.01 * min(spacing.x, spacing.y, spacing.z) + 1e-3
        guard shift <= tolerance else { return "corners up to \(String(format: "%.3f", shift)) mm apart" }
        return nil
    }
}
