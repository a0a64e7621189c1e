/// Where every voxel of a volume lies in the patient, in DICOM patient LPS millimetres.
///
/// World position of voxel index `(i, j, k)`: `origin + direction · diag(spacing) · (i, j, k)`.
/// `origin` is the centre of voxel (0, 0, 0); the columns of `direction` are unit vectors along
/// the voxel axes i, j, k, expressed in LPS (+x toward the patient's Left, +y Posterior, +z Superior).
/// Voxel data are stored with i varying fastest.
public struct ImageGeometry: Sendable, Hashable, Codable {
    /// Voxels along i, j, k (a 2D image has `size.z == 1`).
    public var size: SIMD3<Int>
    /// Centre-to-centre distance along i, j, k [mm].
    public var spacing: SIMD3<Double>
    /// World LPS position of the centre of voxel (0, 0, 0) [mm].
    public var origin: SIMD3<Double>
    /// Columns: unit directions of the voxel axes in LPS.
    public var direction: Matrix3

    public init(
        size: SIMD3<Int>, spacing: SIMD3<Double> = .one, origin: SIMD3<Double> = .zero,
        direction: Matrix3 = .identity
    ) {
        self.size = size
        self.spacing = spacing
        self.origin = origin
        self.direction = direction
    }

    /// Number of voxels.
    public var voxelCount: Int { size.x * size.y * size.z }

    /// Linear index of voxel (i, j, k), i fastest.
    @inlinable public func linearIndex(_ i: Int, _ j: Int, _ k: Int) -> Int { i + size.x * (j + size.y * k) }

    /// The 3×3 matrix that maps voxel index offsets to LPS offsets: `direction · diag(spacing)`.
    public var indexToWorldLinear: Matrix3 {
        Matrix3(
            columns: direction.column(0) * spacing.x, direction.column(1) * spacing.y,
            direction.column(2) * spacing.z)
    }

    /// World LPS position [mm] of a (possibly fractional) voxel index.
    public func worldLPS(voxelIJK p: SIMD3<Double>) -> SIMD3<Double> { origin + indexToWorldLinear * p }

    /// Continuous voxel index of a world LPS point [mm]. Nil only for a degenerate geometry.
    public func voxelIJK(worldLPS p: SIMD3<Double>) -> SIMD3<Double>? {
        guard let inv = indexToWorldLinear.inverse else { return nil }
        return inv * (p - origin)
    }

    /// The 4×4 affine (row-major) that maps (i, j, k, 1) to LPS.
    public var affineLPS: [[Double]] {
        let m = indexToWorldLinear
        return [
            [m[0, 0], m[0, 1], m[0, 2], origin.x], [m[1, 0], m[1, 1], m[1, 2], origin.y],
            [m[2, 0], m[2, 1], m[2, 2], origin.z], [0, 0, 0, 1],
        ]
    }

    /// Builds a geometry from a 4×4 voxel-to-LPS affine (rows), splitting it into direction and spacing.
    /// Shear is not representable and is dropped (columns are normalised independently).
    public init(size: SIMD3<Int>, affineLPS a: [[Double]]) {
        let c0 = SIMD3(a[0][0], a[1][0], a[2][0])
        let c1 = SIMD3(a[0][1], a[1][1], a[2][1])
        let c2 = SIMD3(a[0][2], a[1][2], a[2][2])
        let sp = SIMD3(c0.length, c1.length, c2.length)
        func unit(_ v: SIMD3<Double>, fallback: SIMD3<Double>) -> SIMD3<Double> {
            v.length > 0 ? v / v.length : fallback
        }
        self.init(
            size: size, spacing: SIMD3(sp.x > 0 ? sp.x : 1, sp.y > 0 ? sp.y : 1, sp.z > 0 ? sp.z : 1),
            origin: SIMD3(a[0][3], a[1][3], a[2][3]),
            direction: Matrix3(
                columns: unit(c0, fallback: SIMD3(1, 0, 0)), unit(c1, fallback: SIMD3(0, 1, 0)),
                unit(c2, fallback: SIMD3(0, 0, 1))))
    }

    /// Axis codes in the nibabel sense: for each voxel axis i, j, k, the patient direction
    /// toward which the index increases (`L`/`R`, `P`/`A`, `S`/`I`), by the closest world axis.
    /// "LPS" is the identity direction; "PIR" is a typical sagittal stack stored row-major.
    public var axisCodes: AxisCodes { AxisCodes(direction: direction) }

    /// The geometry's eight corner voxel centres in LPS.
    public var cornersLPS: [SIMD3<Double>] {
        var out: [SIMD3<Double>] = []
        let m = SIMD3<Double>(Double(max(size.x - 1, 0)), Double(max(size.y - 1, 0)), Double(max(size.z - 1, 0)))
        for c in 0..<8 {
            let p = SIMD3<Double>(c & 1 == 0 ? 0 : m.x, c & 2 == 0 ? 0 : m.y, c & 4 == 0 ? 0 : m.z)
            out.append(worldLPS(voxelIJK: p))
        }
        return out
    }

    /// True when the geometry is usable: positive finite spacing, finite origin, non-singular direction.
    public var isValid: Bool {
        size.x > 0 && size.y > 0 && size.z > 0
            && [spacing.x, spacing.y, spacing.z].allSatisfy { $0.isFinite && $0 > 0 }
            && [origin.x, origin.y, origin.z].allSatisfy(\.isFinite)
            && direction.elements.allSatisfy(\.isFinite) && abs(direction.determinant) > 1e-6
    }
}

/// The orientation of a volume's three voxel axes, e.g. `"LPS"`, `"RAS"`, `"PIR"`.
///
/// Each letter is the patient direction toward which that voxel index increases
/// (the nibabel `aff2axcodes` convention, not ITK's "from" convention).
public struct AxisCodes: Sendable, Hashable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// For each voxel axis: the world LPS axis (0 = x L/R, 1 = y P/A, 2 = z S/I) it runs along.
    public let worldAxis: SIMD3<Int>
    /// For each voxel axis: +1 if it increases toward L, P or S; −1 toward R, A or I.
    public let sign: SIMD3<Int>

    static let positive: [Character] = ["L", "P", "S"]
    static let negative: [Character] = ["R", "A", "I"]

    /// Parses a three-letter code such as "RAS"; nil unless it names each world axis exactly once.
    public init?(_ description: String) {
        let letters = Array(description.uppercased())
        guard letters.count == 3 else { return nil }
        var axis = SIMD3<Int>(repeating: -1)
        var sign = SIMD3<Int>(repeating: 0)
        for (n, ch) in letters.enumerated() {
            if let a = Self.positive.firstIndex(of: ch) {
                axis[n] = a
                sign[n] = 1
            } else if let a = Self.negative.firstIndex(of: ch) {
                axis[n] = a
                sign[n] = -1
            } else {
                return nil
            }
        }
        guard Set([axis.x, axis.y, axis.z]).count == 3 else { return nil }
        worldAxis = axis
        self.sign = sign
    }

    /// The closest axis codes for a direction matrix (columns = voxel axes in LPS).
    /// Assigns world axes greedily by the largest absolute cosine, so oblique axes get a unique code.
    public init(direction: Matrix3) {
        var axis = SIMD3<Int>(repeating: -1)
        var sign = SIMD3<Int>(repeating: 1)
        var usedVoxel = Set<Int>()
        var usedWorld = Set<Int>()
        for _ in 0..<3 {
            var best = (v: 0, w: 0, value: -1.0)
            for v in 0..<3 where !usedVoxel.contains(v) {
                for w in 0..<3 where !usedWorld.contains(w) {
                    let value = abs(direction[w, v])
                    if value > best.value { best = (v, w, value) }
                }
            }
            axis[best.v] = best.w
            sign[best.v] = direction[best.w, best.v] < 0 ? -1 : 1
            usedVoxel.insert(best.v)
            usedWorld.insert(best.w)
        }
        worldAxis = axis
        self.sign = sign
    }

    public var description: String {
        String((0..<3).map { sign[$0] > 0 ? Self.positive[worldAxis[$0]] : Self.negative[worldAxis[$0]] })
    }

    /// The direction matrix whose axes are exactly these codes (columns are ± unit world axes).
    public var direction: Matrix3 {
        var m = Matrix3(rows: [[0, 0, 0], [0, 0, 0], [0, 0, 0]])
        for v in 0..<3 { m[worldAxis[v], v] = Double(sign[v]) }
        return m
    }
}
