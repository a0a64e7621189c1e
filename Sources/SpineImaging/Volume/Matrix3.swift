/// A 3×3 matrix of doubles, stored row-major.
///
/// In `ImageGeometry.direction` the columns are the unit directions of the voxel axes i, j, k in patient LPS.
public struct Matrix3: Sendable, Hashable, Codable {
    /// Row-major elements: `m[r * 3 + c]`.
    public var elements: [Double]

    public init(rows: [[Double]]) {
        precondition(rows.count == 3 && rows.allSatisfy { $0.count == 3 }, "Matrix3 needs 3×3 rows")
        elements = rows.flatMap { $0 }
    }

    public init(columns c0: SIMD3<Double>, _ c1: SIMD3<Double>, _ c2: SIMD3<Double>) {
        elements = [c0.x, c1.x, c2.x, c0.y, c1.y, c2.y, c0.z, c1.z, c2.z]
    }

    public static let identity = Matrix3(rows: [[1, 0, 0], [0, 1, 0], [0, 0, 1]])

    public subscript(row: Int, column: Int) -> Double {
        get { elements[row * 3 + column] }
        set { elements[row * 3 + column] = newValue }
    }

    public func column(_ c: Int) -> SIMD3<Double> { SIMD3(self[0, c], self[1, c], self[2, c]) }
    public func row(_ r: Int) -> SIMD3<Double> { SIMD3(self[r, 0], self[r, 1], self[r, 2]) }

    public var rows: [[Double]] { (0..<3).map { r in (0..<3).map { self[r, $0] } } }

    public var transposed: Matrix3 { Matrix3(columns: row(0), row(1), row(2)) }

    public var determinant: Double {
        let a = elements
        return a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6])
            + a[2] * (a[3] * a[7] - a[4] * a[6])
    }

    /// The inverse, or nil when the matrix is singular.
    public var inverse: Matrix3? {
        let det = determinant
        guard det.isFinite, abs(det) > 1e-12 else { return nil }
        let a = elements
        let cof: [Double] = [
            a[4] * a[8] - a[5] * a[7], -(a[1] * a[8] - a[2] * a[7]), a[1] * a[5] - a[2] * a[4],
            -(a[3] * a[8] - a[5] * a[6]), a[0] * a[8] - a[2] * a[6], -(a[0] * a[5] - a[2] * a[3]),
            a[3] * a[7] - a[4] * a[6], -(a[0] * a[7] - a[1] * a[6]), a[0] * a[4] - a[1] * a[3],
        ]
        var m = Matrix3.identity
        m.elements = cof.map { $0 / det }
        return m
    }

    public static func * (m: Matrix3, v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((m.row(0) * v).sum(), (m.row(1) * v).sum(), (m.row(2) * v).sum())
    }

    public static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        Matrix3(columns: a * b.column(0), a * b.column(1), a * b.column(2))
    }
}

extension SIMD3 where Scalar == Double {
    @inlinable public var length: Double { (self * self).sum().squareRoot() }
    @inlinable public func dot(_ o: SIMD3<Double>) -> Double { (self * o).sum() }
    @inlinable public func cross(_ o: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x)
    }
    @inlinable public var normalized: SIMD3<Double> {
        let l = length
        return l > 0 ? self / l : self
    }
}
