import Foundation
import SpineImaging

/// The sagittal outline of one structure (vertebral body or disc) in a local frame: cranial and caudal
/// boundary points along lines parallel to the frame's `superior`, across its anteroposterior extent.
public struct SagittalOutline: Sendable, Hashable, Codable {
    /// The frame the outline was traced in (origin at the structure's centroid).
    public var frame: SpineFrame
    /// Anteroposterior positions of the traced lines [mm, along `frame.anterior`].
    public var anteriorMM: [Double]
    /// Cranial boundary at each line [mm, along `frame.superior`].
    public var cranialMM: [Double]
    /// Caudal boundary at each line [mm, along `frame.superior`].
    public var caudalMM: [Double]

    /// Height at a fraction of the AP extent (0 = most posterior line, 1 = most anterior) [mm],
    /// averaged over the lines within ±1 mm of it.
    public func heightMM(atFraction f: Double) -> Double? {
        guard let lo = anteriorMM.first, let hi = anteriorMM.last else { return nil }
        let target = lo + f * (hi - lo)
        let near = anteriorMM.indices.filter { abs(anteriorMM[$0] - target) <= 1.0 }
        guard !near.isEmpty else { return nil }
        return near.map { cranialMM[$0] - caudalMM[$0] }.reduce(0, +) / Double(near.count)
    }

    /// Height at the anterior (or posterior) margin: the largest height within that `fraction` of the
    /// depth, so the tapered, rounded margins of real masks do not read as collapse [mm].
    public func marginHeightMM(anterior: Bool, fraction: Double = 0.25) -> Double? {
        guard let lo = anteriorMM.first, let hi = anteriorMM.last else { return nil }
        let cut = anterior ? hi - fraction * (hi - lo) : lo + fraction * (hi - lo)
        let idx = anteriorMM.indices.filter { anterior ? anteriorMM[$0] >= cut : anteriorMM[$0] <= cut }
        return idx.map { cranialMM[$0] - caudalMM[$0] }.max()
    }

    /// AP extent between the first and last traced lines [mm].
    public var depthMM: Double { (anteriorMM.last ?? 0) - (anteriorMM.first ?? 0) }

    /// Least-squares slope d(boundary)/d(anterior) over the central `fraction` of the AP extent.
    func slope(of boundary: [Double], centralFraction fraction: Double = 0.8) -> Double? {
        guard let lo = anteriorMM.first, let hi = anteriorMM.last, hi > lo else { return nil }
        let margin = (1 - fraction) / 2 * (hi - lo)
        let idx = anteriorMM.indices.filter { anteriorMM[$0] >= lo + margin && anteriorMM[$0] <= hi - margin }
        guard idx.count >= 2 else { return nil }
        let xs = idx.map { anteriorMM[$0] }, ys = idx.map { boundary[$0] }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        let sxx = xs.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
        let sxy = zip(xs, ys).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        return sxx > 0 ? sxy / sxx : nil
    }

    /// Unit normal of the cranial boundary (endplate), pointing cranially, in world LPS.
    public var cranialNormalLPS: SIMD3<Double>? { slope(of: cranialMM).map { normal(slope: $0) } }
    /// Unit normal of the caudal boundary (endplate), pointing cranially, in world LPS.
    public var caudalNormalLPS: SIMD3<Double>? { slope(of: caudalMM).map { normal(slope: $0) } }

    func normal(slope: Double) -> SIMD3<Double> { (frame.superior - slope * frame.anterior).normalized }

    /// World LPS point of the cranial boundary at the most posterior (`posterior == true`) or anterior line.
    public func cranialCornerLPS(posterior: Bool) -> SIMD3<Double>? {
        guard let n = posterior ? anteriorMM.indices.first : anteriorMM.indices.last else { return nil }
        return frame.world(SIMD3(0, anteriorMM[n], cranialMM[n]))
    }

    /// World LPS point of the caudal boundary at the most posterior (`posterior == true`) or anterior line.
    public func caudalCornerLPS(posterior: Bool) -> SIMD3<Double>? {
        guard let n = posterior ? anteriorMM.indices.first : anteriorMM.indices.last else { return nil }
        return frame.world(SIMD3(0, anteriorMM[n], caudalMM[n]))
    }

    /// Traces the outline of `members` in `frame`: lines parallel to `frame.superior`, every `stepMM`
    /// along `frame.anterior`, in the mid-sagittal plane of the frame (and ±`lateralMM`, averaged).
    public static func trace(
        sampler: MaskSampler, members: Set<Int32>, frame: SpineFrame, stepMM: Double = 0.5,
        lateralOffsetsMM: [Double] = [-1, 0, 1], anteriorRangeMM: ClosedRange<Double> = -60...60, reachMM: Double = 60
    ) -> SagittalOutline {
        var a: [Double] = [], top: [Double] = [], bottom: [Double] = []
        let qlo = Int((anteriorRangeMM.lowerBound / stepMM).rounded(.down)),
            qhi = Int((anteriorRangeMM.upperBound / stepMM).rounded(.up))
        for q in qlo...max(qlo, qhi) {
            let y = Double(q) * stepMM
            var hits: [(Double, Double)] = []
            for x in lateralOffsetsMM {
                let c = frame.world(SIMD3(x, y, 0))
                if let r = sampler.run(
                    centerLPS: c, direction: frame.superior, members: members, halfLengthMM: reachMM, stepMM: 0.1),
                    r.lower <= 0 + 15, r.upper >= -15
                {
                    hits.append((r.lower, r.upper))
                }
            }
            guard hits.count * 2 > lateralOffsetsMM.count else { continue }
            a.append(y)
            bottom.append(hits.map(\.0).reduce(0, +) / Double(hits.count))
            top.append(hits.map(\.1).reduce(0, +) / Double(hits.count))
        }
        // Keep the contiguous AP stretch that contains the centre (drop processes and neighbours).
        if let centre = a.indices.min(by: { abs(a[$0]) < abs(a[$1]) }) {
            var lo = centre, hi = centre
            while lo > 0 && abs(a[lo - 1] - a[lo] + stepMM) < 1e-9 { lo -= 1 }
            while hi < a.count - 1 && abs(a[hi + 1] - a[hi] - stepMM) < 1e-9 { hi += 1 }
            a = Array(a[lo...hi]); top = Array(top[lo...hi]); bottom = Array(bottom[lo...hi])
        }
        return SagittalOutline(frame: frame, anteriorMM: a, cranialMM: top, caudalMM: bottom)
    }
}

/// Signed angle [degrees] of a direction in the patient's sagittal plane, measured from superior
/// (LPS +z) toward anterior (LPS −y): the tilt of an endplate normal.
public func sagittalTiltDeg(_ nLPS: SIMD3<Double>) -> Double {
    atan2(-nLPS.y, nLPS.z) * 180 / .pi
}
