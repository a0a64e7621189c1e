import SpineImaging

/// Local extent of a point set in a frame.
struct LocalExtent {
    var anterior: ClosedRange<Double>
    var superior: ClosedRange<Double>
    var lateral: ClosedRange<Double>

    init?(points: [SIMD3<Double>], frame: SpineFrame) {
        guard !points.isEmpty else { return nil }
        var lo = SIMD3<Double>(repeating: .infinity), hi = SIMD3<Double>(repeating: -.infinity)
        for p in points {
            let l = frame.local(p)
            lo = pointwiseMin(lo, l)
            hi = pointwiseMax(hi, l)
        }
        lateral = lo.x...hi.x
        anterior = lo.y...hi.y
        superior = lo.z...hi.z
    }
}

/// Principal axes of a point set: centroid and unit eigenvectors sorted by decreasing spread.
struct PrincipalAxes {
    var centroid: SIMD3<Double>
    var axes: [SIMD3<Double>]
    var variances: [Double]

    init?(points: [SIMD3<Double>]) {
        guard points.count >= 4 else { return nil }
        let mean = points.reduce(SIMD3<Double>.zero, +) / Double(points.count)
        var c = [Double](repeating: 0, count: 9)
        for p in points {
            let d = p - mean
            for r in 0..<3 { for q in 0..<3 { c[r * 3 + q] += d[r] * d[q] } }
        }
        for n in 0..<9 { c[n] /= Double(points.count) }
        let (values, vectors) = PrincipalAxes.jacobiEigen(c)
        let order = (0..<3).sorted { values[$0] > values[$1] }
        centroid = mean
        axes = order.map { vectors[$0] }
        variances = order.map { values[$0] }
    }

    /// Eigen-decomposition of a symmetric 3×3 matrix (row-major) by cyclic Jacobi rotations.
    static func jacobiEigen(_ m: [Double]) -> ([Double], [SIMD3<Double>]) {
        var a = m
        var v: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        for _ in 0..<50 {
            let off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5]
            if off < 1e-20 { break }
            for (p, q) in [(0, 1), (0, 2), (1, 2)] {
                let apq = a[p * 3 + q]
                if abs(apq) < 1e-300 { continue }
                let theta = (a[q * 3 + q] - a[p * 3 + p]) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<3 {
                    let akp = a[k * 3 + p], akq = a[k * 3 + q]
                    a[k * 3 + p] = c * akp - s * akq
                    a[k * 3 + q] = s * akp + c * akq
                }
                for k in 0..<3 {
                    let apk = a[p * 3 + k], aqk = a[q * 3 + k]
                    a[p * 3 + k] = c * apk - s * aqk
                    a[q * 3 + k] = s * apk + c * aqk
                }
                for k in 0..<3 {
                    let vkp = v[k * 3 + p], vkq = v[k * 3 + q]
                    v[k * 3 + p] = c * vkp - s * vkq
                    v[k * 3 + q] = s * vkp + c * vkq
                }
            }
        }
        return ([a[0], a[4], a[8]], (0..<3).map { SIMD3(v[$0], v[3 + $0], v[6 + $0]) })
    }
}
