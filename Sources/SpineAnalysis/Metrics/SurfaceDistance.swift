import SpineImaging

/// Surface distances between two binary masks on the same grid, in millimetres.
///
/// Definitions follow MedPy (`medpy.metric.binary`), so results agree with the most used Python
/// implementation (checked against `Scripts/fixtures/make_metric_fixtures.py`):
/// - the surface of a mask is its boundary voxels: voxels of the mask with at least one face
///   neighbour (6-connectivity) outside it; voxels beyond the grid count as outside
///   (MedPy: `mask ^ binary_erosion(mask, generate_binary_structure(ndim, 1))`). Axes of length 1
///   are ignored, so a single slice behaves as a 2D image.
/// - the distance from a surface voxel of one mask to the other mask is the Euclidean distance,
///   with voxel spacing, from its centre to the nearest surface-voxel centre of the other mask
///   (exact EDT, `DistanceTransform`).
/// - HD95 is the 95th percentile (linear interpolation between order statistics, NumPy's default)
///   of the pooled distances of both directions (MedPy `hd95`).
/// - ASSD is the mean of the two directed average surface distances (MedPy `assd`), not the mean
///   of the pooled distances.
public struct SurfaceDistances: Sendable, Hashable, Codable {
    /// Distance [mm] from each surface voxel of the prediction to the surface of the truth (voxel order).
    public var predictionToTruthMM: [Double]
    /// Distance [mm] from each surface voxel of the truth to the surface of the prediction (voxel order).
    public var truthToPredictionMM: [Double]

    /// 95th percentile of the pooled distances of both directions [mm] (MedPy `hd95`).
    public var hausdorff95MM: Double {
        Percentile.linear(predictionToTruthMM + truthToPredictionMM, 95)
    }

    /// Hausdorff distance: the largest distance of either direction [mm].
    public var hausdorffMM: Double {
        max(predictionToTruthMM.max() ?? 0, truthToPredictionMM.max() ?? 0)
    }

    /// Average symmetric surface distance: mean of the two directed mean distances [mm] (MedPy `assd`).
    public var averageSymmetricMM: Double {
        (mean(predictionToTruthMM) + mean(truthToPredictionMM)) / 2
    }

    private func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
}

/// Surfaces of masks and the distances between them.
public enum SurfaceDistance {
    /// Boundary voxels of a mask: in the mask, with a face neighbour outside it or beyond the grid.
    /// Axes of length 1 are ignored.
    ///
    /// - Parameters:
    ///   - size: grid size (i fastest).
    ///   - mask: one flag per voxel.
    public static func surface(size: SIMD3<Int>, mask: [Bool]) -> [Bool] {
        surface(size: size, mask: mask, ignoreAxis: [size.x == 1, size.y == 1, size.z == 1])
    }

    static func surface(size: SIMD3<Int>, mask: [Bool], ignoreAxis: [Bool]) -> [Bool] {
        precondition(mask.count == size.x * size.y * size.z)
        let (nx, ny, nz) = (size.x, size.y, size.z)
        var out = [Bool](repeating: false, count: mask.count)
        for k in 0..<nz {
            for j in 0..<ny {
                for i in 0..<nx {
                    let p = i + nx * (j + ny * k)
                    guard mask[p] else { continue }
                    var edge = false
                    if !ignoreAxis[0] { edge = i == 0 || i == nx - 1 || !mask[p - 1] || !mask[p + 1] }
                    if !edge, !ignoreAxis[1] { edge = j == 0 || j == ny - 1 || !mask[p - nx] || !mask[p + nx] }
                    if !edge, !ignoreAxis[2] {
                        edge = k == 0 || k == nz - 1 || !mask[p - nx * ny] || !mask[p + nx * ny]
                    }
                    out[p] = edge
                }
            }
        }
        return out
    }

    /// Surface distances between a predicted and a true mask, or nil when either is empty.
    ///
    /// - Parameters:
    ///   - geometry: the grid of both masks (spacing in mm; the direction is orthonormal, so
    ///     spacing-scaled index distances are world distances).
    ///   - prediction, truth: one flag per voxel, i fastest.
    /// - Complexity: O(voxels of the smallest box holding both masks).
    public static func distances(geometry: ImageGeometry, prediction: [Bool], truth: [Bool]) -> SurfaceDistances? {
        precondition(prediction.count == geometry.voxelCount && truth.count == geometry.voxelCount)
        let s = geometry.size
        var lo = SIMD3<Int>(repeating: .max), hi = SIMD3<Int>(repeating: .min)
        var p = 0
        for k in 0..<s.z {
            for j in 0..<s.y {
                for i in 0..<s.x {
                    if prediction[p] || truth[p] {
                        let ijk = SIMD3(i, j, k)
                        lo = pointwiseMin(lo, ijk)
                        hi = pointwiseMax(hi, ijk)
                    }
                    p += 1
                }
            }
        }
        guard hi.x >= 0 else { return nil }
        return distances(geometry: geometry, box: VoxelBox(lower: lo, upper: hi &+ 1)) {
            prediction[$0]
        } truth: {
            truth[$0]
        }
    }

    /// Surface distances inside `box`, which must hold every voxel of both masks; nil when either is empty.
    /// `prediction` and `truth` are asked about linear indices of the full grid.
    static func distances(
        geometry: ImageGeometry, box: VoxelBox, prediction: (Int) -> Bool, truth: (Int) -> Bool
    ) -> SurfaceDistances? {
        let full = geometry.size
        let bs = box.size
        let n = bs.x * bs.y * bs.z
        var a = [Bool](repeating: false, count: n), b = [Bool](repeating: false, count: n)
        var q = 0
        var anyA = false, anyB = false
        for k in box.lower.z..<box.upper.z {
            for j in box.lower.y..<box.upper.y {
                let row = full.x * (j + full.y * k)
                for i in box.lower.x..<box.upper.x {
                    a[q] = prediction(row + i)
                    b[q] = truth(row + i)
                    anyA = anyA || a[q]
                    anyB = anyB || b[q]
                    q += 1
                }
            }
        }
        guard anyA, anyB else { return nil }
        // Outside the box is background (the box holds both masks), so the box's edges act as the grid's.
        let ignore = [full.x == 1, full.y == 1, full.z == 1]
        let surfaceA = surface(size: bs, mask: a, ignoreAxis: ignore)
        let surfaceB = surface(size: bs, mask: b, ignoreAxis: ignore)
        let boxGeometry = ImageGeometry(size: bs, spacing: geometry.spacing)
        let toB = DistanceTransform.squaredDistanceMM2(geometry: boxGeometry, isFeature: surfaceB)
        let toA = DistanceTransform.squaredDistanceMM2(geometry: boxGeometry, isFeature: surfaceA)
        var ab: [Double] = [], ba: [Double] = []
        for p in 0..<n {
            if surfaceA[p] { ab.append(toB[p].squareRoot()) }
            if surfaceB[p] { ba.append(toA[p].squareRoot()) }
        }
        return SurfaceDistances(predictionToTruthMM: ab, truthToPredictionMM: ba)
    }
}
