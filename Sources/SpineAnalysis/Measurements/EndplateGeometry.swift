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
    /// How the endplate lines (and so the normals) are fitted to the boundaries.
    public var endplateFit: EndplateFit = .leastSquares

    /// How an endplate line is fitted to a traced boundary.
    public enum EndplateFit: String, Sendable, Hashable, Codable {
        /// Least squares over the central 80 % of the depth: robust to noise, but a concavity deeper at
        /// one end than the other tilts it.
        case leastSquares
        /// The line across the rims (the bitangent over the concavity, the way a reader draws an endplate
        /// from corner to corner): for the S1 endplate, whose concavity and the bone behind it are uneven.
        case rims
    }

    /// Height at a fraction of the AP extent (0 = most posterior line, 1 = most anterior) [mm],
    /// averaged over the lines within ±1 mm of it.
    public func heightMM(atFraction f: Double) -> Double? {
        guard let lo = anteriorMM.first, let hi = anteriorMM.last else { return nil }
        let target = lo + f * (hi - lo)
        let near = anteriorMM.indices.filter { abs(anteriorMM[$0] - target) <= 1.0 }
        guard !near.isEmpty else { return nil }
        return near.map { cranialMM[$0] - caudalMM[$0] }.reduce(0, +) / Double(near.count)
    }

    /// Spacing of the traced lines along `frame.anterior` [mm] (0.5 when fewer than two lines).
    public var lineSpacingMM: Double {
        anteriorMM.count > 1 ? (anteriorMM.last! - anteriorMM.first!) / Double(anteriorMM.count - 1) : 0.5
    }

    /// The outline's posterior and anterior edges along `frame.anterior` [mm]: the outermost lines
    /// widened by half a line spacing, since each line stands for a strip one spacing wide.
    public var edgesMM: ClosedRange<Double>? {
        guard let lo = anteriorMM.first, let hi = anteriorMM.last else { return nil }
        return (lo - lineSpacingMM / 2)...(hi + lineSpacingMM / 2)
    }

    /// Height [mm] at the AP position `positionMM` (along `frame.anterior`): the mean height of the lines
    /// within half a millimetre of it (three lines at the default spacing, symmetric about the position).
    public func heightMM(atAnteriorMM positionMM: Double) -> Double? {
        let near = anteriorMM.indices.filter { abs(anteriorMM[$0] - positionMM) <= 0.5 + 1e-9 }
        guard !near.isEmpty else { return nil }
        return near.map { cranialMM[$0] - caudalMM[$0] }.reduce(0, +) / Double(near.count)
    }

    /// Height at the anterior (or posterior) margin [mm], read `insetMM` inside that edge of `edgesMM`
    /// (or of the given edges), and never deeper than a quarter of the depth.
    ///
    /// Reading the margins a few millimetres inside the edges keeps the rounded corners of real masks,
    /// osteophytes and posterior disc bulges out of the margin heights; SpinePhantom's truth reads its
    /// margin heights the same way (3 mm inside a body's endplate edges, 4 mm inside a disc's).
    public func marginHeightMM(anterior: Bool, insetMM: Double, edgesMM given: ClosedRange<Double>? = nil) -> Double? {
        guard let e = given ?? edgesMM else { return nil }
        let inset = min(insetMM, (e.upperBound - e.lowerBound) / 4)
        return heightMM(atAnteriorMM: anterior ? e.upperBound - inset : e.lowerBound + inset)
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
    public var cranialNormalLPS: SIMD3<Double>? { endplateSlope(cranialMM, cranial: true).map { normal(slope: $0) } }
    /// Unit normal of the caudal boundary (endplate), pointing cranially, in world LPS.
    public var caudalNormalLPS: SIMD3<Double>? { endplateSlope(caudalMM, cranial: false).map { normal(slope: $0) } }

    func endplateSlope(_ boundary: [Double], cranial: Bool) -> Double? {
        switch endplateFit {
        case .leastSquares: slope(of: boundary)
        case .rims: rimSlope(of: boundary, cranial: cranial) ?? slope(of: boundary)
        }
    }

    /// Slope of the edge of the boundary's convex hull (upper hull for a cranial endplate, lower for a
    /// caudal one) that spans the middle of the depth: the line resting on both rims.
    func rimSlope(of boundary: [Double], cranial: Bool) -> Double? {
        guard let e = edgesMM, anteriorMM.count >= 3 else { return nil }
        let sign = cranial ? 1.0 : -1.0
        var hull: [(Double, Double)] = []
        for (a, b) in zip(anteriorMM, boundary.map { sign * $0 }) {
            // Monotone chain: keep the hull concave from above.
            while hull.count >= 2 {
                let (a1, b1) = hull[hull.count - 2], (a2, b2) = hull[hull.count - 1]
                if (a2 - a1) * (b - b1) - (b2 - b1) * (a - a1) >= 0 { hull.removeLast() } else { break }
            }
            hull.append((a, b))
        }
        let mid = (e.lowerBound + e.upperBound) / 2
        for n in 1..<hull.count where hull[n - 1].0 <= mid && hull[n].0 >= mid {
            let da = hull[n].0 - hull[n - 1].0
            return da > 0 ? sign * (hull[n].1 - hull[n - 1].1) / da : nil
        }
        return nil
    }

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

    /// World LPS point of the cranial boundary at the AP middle of the outline (the endplate's midpoint).
    public var cranialMidpointLPS: SIMD3<Double>? { midpoint(cranialMM) }
    /// World LPS point of the caudal boundary at the AP middle of the outline (the endplate's midpoint).
    public var caudalMidpointLPS: SIMD3<Double>? { midpoint(caudalMM) }

    private func midpoint(_ boundary: [Double]) -> SIMD3<Double>? {
        guard let e = edgesMM else { return nil }
        let m = (e.lowerBound + e.upperBound) / 2
        let near = anteriorMM.indices.filter { abs(anteriorMM[$0] - m) <= 0.5 + 1e-9 }
        guard !near.isEmpty else { return nil }
        return frame.world(SIMD3(0, m, near.map { boundary[$0] }.reduce(0, +) / Double(near.count)))
    }

    /// The outline without the lines, at either end, whose height is below `fraction` of the median
    /// height: on real masks, lines just beyond a body's wall still clip its rounded corners or a
    /// neighbour's lip and give short runs that would widen the body and move its margins. Keeps the
    /// contiguous stretch around the line nearest to the frame's origin.
    public func trimmed(minimumHeightFraction fraction: Double = 0.5) -> SagittalOutline {
        let h = anteriorMM.indices.map { cranialMM[$0] - caudalMM[$0] }
        guard h.count >= 3, let centre = anteriorMM.indices.min(by: { abs(anteriorMM[$0]) < abs(anteriorMM[$1]) })
        else { return self }
        let median = h.sorted()[h.count / 2]
        let floor = fraction * median
        guard h[centre] >= floor else { return self }
        var lo = centre, hi = centre
        while lo > 0 && h[lo - 1] >= floor { lo -= 1 }
        while hi < h.count - 1 && h[hi + 1] >= floor { hi += 1 }
        var out = self
        out.anteriorMM = Array(anteriorMM[lo...hi])
        out.cranialMM = Array(cranialMM[lo...hi])
        out.caudalMM = Array(caudalMM[lo...hi])
        return out
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
