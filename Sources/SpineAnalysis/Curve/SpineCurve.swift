import SpineImaging

/// A local frame on the spine curve, in world LPS: three orthonormal directions at a point.
public struct SpineFrame: Sendable, Hashable, Codable {
    /// The point on the curve [mm, LPS].
    public var originLPS: SIMD3<Double>
    /// Unit tangent pointing cranially (toward the head) along the spine.
    public var superior: SIMD3<Double>
    /// Unit direction toward the patient's front, perpendicular to `superior`.
    public var anterior: SIMD3<Double>
    /// Unit direction toward the patient's left: `superior × anterior`.
    public var left: SIMD3<Double>

    /// A frame from a cranial tangent; `anterior` is the patient's anterior (LPS −y) made perpendicular
    /// to it, falling back to the patient's left when the tangent points anteriorly.
    public init(originLPS: SIMD3<Double>, superior: SIMD3<Double>) {
        let t = superior.normalized
        var a = SIMD3<Double>(0, -1, 0) - t.dot(SIMD3(0, -1, 0)) * t
        if a.length < 1e-6 { a = SIMD3<Double>(1, 0, 0) - t.dot(SIMD3(1, 0, 0)) * t }
        a = a.normalized
        self.originLPS = originLPS
        self.superior = t
        self.anterior = a
        self.left = t.cross(a)
    }

    /// Coordinates of a world point in this frame: (left, anterior, superior) [mm] from the origin.
    public func local(_ pLPS: SIMD3<Double>) -> SIMD3<Double> {
        let d = pLPS - originLPS
        return SIMD3(d.dot(left), d.dot(anterior), d.dot(superior))
    }

    /// The world point at local coordinates (left, anterior, superior) [mm].
    public func world(_ local: SIMD3<Double>) -> SIMD3<Double> {
        originLPS + local.x * left + local.y * anterior + local.z * superior
    }
}

/// A smooth curve through vertebral-body centroids in world LPS (the DeepSPINE idea: measure on
/// planes perpendicular to the spine, not to the image axes).
///
/// The curve is a natural cubic spline per coordinate over the chord-length parameter `s` [mm],
/// from the most cranial point (s = 0) to the most caudal; beyond the ends it continues straight
/// along the end tangents. It follows any orientation and lateral (scoliotic) bends, since it lives in
/// patient space and fits each coordinate independently.
public struct SpineCurve: Sendable, Hashable, Codable {
    /// The points it passes through, cranial to caudal [mm, LPS].
    public private(set) var pointsLPS: [SIMD3<Double>]
    /// Chord-length parameter of each point [mm]; `knots[0] == 0`.
    public private(set) var knots: [Double]
    /// Second derivatives of the spline at the knots, per point.
    private var secondDerivatives: [SIMD3<Double>]

    /// Fits a curve through at least two points. Points are ordered cranial to caudal by their
    /// projection on the principal axis, oriented toward the patient's superior (LPS +z).
    public init?(throughLPS points: [SIMD3<Double>]) {
        guard points.count >= 2 else { return nil }
        let ordered = SpineCurve.orderCranialToCaudal(points)
        var knots = [0.0]
        for n in 1..<ordered.count {
            let step = (ordered[n] - ordered[n - 1]).length
            guard step > 1e-9 else { return nil }
            knots.append(knots[n - 1] + step)
        }
        self.pointsLPS = ordered
        self.knots = knots
        self.secondDerivatives = SpineCurve.naturalSplineSecondDerivatives(knots: knots, values: ordered)
    }

    /// Total parameter length [mm] (chord length between the end points through all points).
    public var lengthMM: Double { knots.last! }

    /// The point at parameter `s` [mm].
    public func pointLPS(at s: Double) -> SIMD3<Double> {
        if s <= 0 { return pointsLPS[0] + s * derivative(at: 0) }
        if s >= lengthMM { return pointsLPS.last! + (s - lengthMM) * derivative(at: lengthMM) }
        let n = segment(for: s)
        let h = knots[n + 1] - knots[n]
        let a = (knots[n + 1] - s) / h, b = (s - knots[n]) / h
        let m0 = secondDerivatives[n], m1 = secondDerivatives[n + 1]
        return a * pointsLPS[n] + b * pointsLPS[n + 1] + ((a * a * a - a) * m0 + (b * b * b - b) * m1) * (h * h / 6)
    }

    /// dP/ds at `s` (points caudally).
    public func derivative(at s: Double) -> SIMD3<Double> {
        let sc = min(max(s, 0), lengthMM)
        let n = segment(for: sc)
        let h = knots[n + 1] - knots[n]
        let a = (knots[n + 1] - sc) / h, b = (sc - knots[n]) / h
        let m0 = secondDerivatives[n], m1 = secondDerivatives[n + 1]
        return (pointsLPS[n + 1] - pointsLPS[n]) / h + ((1 - 3 * a * a) * m0 + (3 * b * b - 1) * m1) * (h / 6)
    }

    /// Unit tangent pointing cranially at `s`.
    public func superiorDirection(at s: Double) -> SIMD3<Double> { (-derivative(at: s)).normalized }

    /// The local frame at parameter `s`.
    public func frame(at s: Double) -> SpineFrame {
        SpineFrame(originLPS: pointLPS(at: s), superior: superiorDirection(at: s))
    }

    /// The parameter of the curve point closest to `pLPS` (searched over the curve and 50 mm beyond each end).
    public func closestParameter(toLPS p: SIMD3<Double>) -> Double {
        let lo = -50.0, hi = lengthMM + 50
        let steps = max(Int((hi - lo) / 1.0), 10)
        var best = lo, bestD = Double.infinity
        for n in 0...steps {
            let s = lo + (hi - lo) * Double(n) / Double(steps)
            let d = (pointLPS(at: s) - p).length
            if d < bestD { bestD = d; best = s }
        }
        // Refine by golden-section search in ±1 step.
        var a = best - (hi - lo) / Double(steps), b = best + (hi - lo) / Double(steps)
        let g = 0.6180339887498949
        for _ in 0..<40 {
            let c = b - g * (b - a), d = a + g * (b - a)
            if (pointLPS(at: c) - p).length < (pointLPS(at: d) - p).length { b = d } else { a = c }
        }
        return (a + b) / 2
    }

    /// The frame at the curve point closest to `pLPS`.
    public func frame(nearestLPS p: SIMD3<Double>) -> SpineFrame { frame(at: closestParameter(toLPS: p)) }

    private func segment(for s: Double) -> Int {
        var lo = 0, hi = knots.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if knots[mid] <= s { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// Orders points along their principal axis, cranial first (largest LPS z projection first).
    static func orderCranialToCaudal(_ points: [SIMD3<Double>]) -> [SIMD3<Double>] {
        let axis = principalAxis(points)
        let oriented = axis.z < 0 ? -axis : axis
        return points.sorted { $0.dot(oriented) > $1.dot(oriented) }
    }

    /// The direction of largest spread (power iteration on the covariance).
    static func principalAxis(_ points: [SIMD3<Double>]) -> SIMD3<Double> {
        let mean = points.reduce(SIMD3<Double>.zero, +) / Double(points.count)
        var c = [[Double]](repeating: [0, 0, 0], count: 3)
        for p in points {
            let d = p - mean
            for r in 0..<3 { for q in 0..<3 { c[r][q] += d[r] * d[q] } }
        }
        var v = SIMD3<Double>(0.1, 0.2, 1)
        for _ in 0..<100 {
            let w = SIMD3(
                c[0][0] * v.x + c[0][1] * v.y + c[0][2] * v.z, c[1][0] * v.x + c[1][1] * v.y + c[1][2] * v.z,
                c[2][0] * v.x + c[2][1] * v.y + c[2][2] * v.z)
            if w.length < 1e-12 { return SIMD3(0, 0, 1) }
            v = w.normalized
        }
        return v
    }

    /// Natural cubic spline second derivatives (zero at both ends), per coordinate (tridiagonal solve).
    static func naturalSplineSecondDerivatives(knots t: [Double], values y: [SIMD3<Double>]) -> [SIMD3<Double>] {
        let n = t.count
        var m = [SIMD3<Double>](repeating: .zero, count: n)
        guard n > 2 else { return m }
        // Solve for m[1…n−2]: h[i−1] m[i−1] + 2(h[i−1]+h[i]) m[i] + h[i] m[i+1] = 6(Δ[i] − Δ[i−1]).
        var diag = [Double](repeating: 0, count: n), upper = [Double](repeating: 0, count: n)
        var rhs = [SIMD3<Double>](repeating: .zero, count: n)
        for i in 1..<(n - 1) {
            let h0 = t[i] - t[i - 1], h1 = t[i + 1] - t[i]
            diag[i] = 2 * (h0 + h1)
            upper[i] = h1
            rhs[i] = 6 * ((y[i + 1] - y[i]) / h1 - (y[i] - y[i - 1]) / h0)
            if i > 1 {
                let w = h0 / diag[i - 1]
                diag[i] -= w * upper[i - 1]
                rhs[i] -= w * rhs[i - 1]
            }
        }
        for i in stride(from: n - 2, through: 1, by: -1) {
            m[i] = (rhs[i] - upper[i] * m[i + 1]) / diag[i]
        }
        return m
    }
}
