/// Voxel-to-world affines of a NIfTI header, computed exactly as nibabel does.
///
/// All matrices here are 4×4, row-major, mapping voxel (i, j, k, 1) to NIfTI world RAS millimetres.
extension NIfTIHeader {
    /// nibabel's `get_best_affine`: the sform when `sform_code != 0`, else the qform when
    /// `qform_code != 0`, else the pixdim-based fallback (`get_base_affine`).
    func bestAffineRAS() throws -> [[Double]] {
        if sformCode != 0 { return sformAffineRAS }
        if qformCode != 0 { return try qformAffineRAS() }
        return baseAffineRAS
    }

    /// pixdim after nibabel's load-time fixes: qfac not ±1 → 1; zero voxel sizes → 1; negative → absolute value.
    var fixedPixdim: [Double] {
        var p = pixdim
        if p[0] != 1 && p[0] != -1 { p[0] = 1 }
        for n in 1...3 {
            if p[n] == 0 { p[n] = 1 } else if p[n] < 0 { p[n] = -p[n] }
        }
        return p
    }

    var sformAffineRAS: [[Double]] { srow + [[0, 0, 0, 1]] }

    /// nibabel's `get_qform`: rotation from the quaternion (b, c, d) with a = √(1 − b² − c² − d²),
    /// voxel sizes pixdim[1...3], the third one multiplied by qfac = pixdim[0].
    func qformAffineRAS() throws -> [[Double]] {
        // nibabel's fillpositive threshold: 3 ε of the stored float type.
        let threshold = format == .nifti1 ? 3 * Double(Float.ulpOfOne) : 3 * Double.ulpOfOne
        let (b, c, d) = (quatern.x, quatern.y, quatern.z)
        let w2 = 1.0 - (b * b + c * c + d * d)
        let a: Double
        if abs(w2) < threshold {
            a = 0
        } else if w2 < 0 {
            throw ImagingError.malformed("qform quaternion (b, c, d) = (\(b), \(c), \(d)) has b² + c² + d² > 1")
        } else {
            a = w2.squareRoot()
        }
        let r = Self.rotation(a: a, b: b, c: c, d: d)
        let p = fixedPixdim
        let zooms = [p[1], p[2], p[3] * p[0]]
        return (0..<3).map { row in (0..<3).map { col in r[row][col] * zooms[col] } + [qoffset[row]] } + [[0, 0, 0, 1]]
    }

    /// nibabel's `quat2mat` (non-unit quaternions are normalised; a near-zero one gives the identity).
    static func rotation(a w: Double, b x: Double, c y: Double, d z: Double) -> [[Double]] {
        let n = w * w + x * x + y * y + z * z
        if n < Double.ulpOfOne { return [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }
        let s = 2.0 / n
        let (X, Y, Z) = (x * s, y * s, z * s)
        let (wX, wY, wZ) = (w * X, w * Y, w * Z)
        let (xX, xY, xZ) = (x * X, x * Y, x * Z)
        let (yY, yZ, zZ) = (y * Y, y * Z, z * Z)
        return [
            [1.0 - (yY + zZ), xY - wZ, xZ + wY],
            [xY + wZ, 1.0 - (xX + zZ), yZ - wX],
            [xZ - wY, yZ + wX, 1.0 - (xX + yY)],
        ]
    }

    /// nibabel's `get_base_affine` (`shape_zoom_affine` with x flipped): voxel sizes on the diagonal,
    /// x negated, and the image centre at the world origin.
    var baseAffineRAS: [[Double]] {
        let p = fixedPixdim
        let ndim = max(1, min(dim[0], 7))
        var shape = [1.0, 1.0, 1.0]
        var zooms = [1.0, 1.0, 1.0]
        for n in 0..<min(ndim, 3) {
            shape[n] = Double(dim[n + 1])
            zooms[n] = p[n + 1]
        }
        zooms[0] = -zooms[0]
        var a: [[Double]] = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
        for n in 0..<3 {
            a[n][n] = zooms[n]
            a[n][3] = -(shape[n] - 1) / 2 * zooms[n]
        }
        return a
    }

    /// Sets sform and qform (both with `code`) and pixdim from a geometry, converting LPS to RAS.
    mutating func setGeometry(_ g: ImageGeometry, code: Int) {
        var ras = g.affineLPS
        for c in 0..<4 {
            ras[0][c] = -ras[0][c]
            ras[1][c] = -ras[1][c]
        }
        srow = Array(ras[0..<3])
        sformCode = code

        // qform: the nearest rotation (Gram–Schmidt on the direction columns), qfac for a left-handed frame.
        let flip = Matrix3(rows: [[-1, 0, 0], [0, -1, 0], [0, 0, 1]])
        let dirRAS = flip * g.direction
        var c0 = dirRAS.column(0).normalized
        var c1 = (dirRAS.column(1) - c0 * c0.dot(dirRAS.column(1))).normalized
        if c0.length == 0 { c0 = SIMD3(1, 0, 0) }
        if c1.length == 0 || abs(c1.dot(c0)) > 0.5 { c1 = Self.anyPerpendicular(to: c0) }
        let rightHanded = c0.cross(c1)
        let qfac: Double = rightHanded.dot(dirRAS.column(2)) < 0 ? -1 : 1
        let r = Matrix3(columns: c0, c1, rightHanded)
        let q = Self.quaternion(r)
        quatern = SIMD3(q.b, q.c, q.d)
        qoffset = SIMD3(ras[0][3], ras[1][3], ras[2][3])
        qformCode = code
        pixdim = [qfac, g.spacing.x, g.spacing.y, g.spacing.z, 1, 1, 1, 1]
    }

    private static func anyPerpendicular(to v: SIMD3<Double>) -> SIMD3<Double> {
        let t: SIMD3<Double> = abs(v.x) < 0.9 ? SIMD3(1, 0, 0) : SIMD3(0, 1, 0)
        return v.cross(t).normalized
    }

    /// Unit quaternion (a ≥ 0) of a proper rotation matrix (nifti_mat44_to_quatern's branches).
    static func quaternion(_ r: Matrix3) -> (a: Double, b: Double, c: Double, d: Double) {
        let (r11, r12, r13) = (r[0, 0], r[0, 1], r[0, 2])
        let (r21, r22, r23) = (r[1, 0], r[1, 1], r[1, 2])
        let (r31, r32, r33) = (r[2, 0], r[2, 1], r[2, 2])
        var a = r11 + r22 + r33 + 1
        var b: Double, c: Double, d: Double
        if a > 0.5 {
            a = 0.5 * a.squareRoot()
            b = 0.25 * (r32 - r23) / a
            c = 0.25 * (r13 - r31) / a
            d = 0.25 * (r21 - r12) / a
        } else {
            let xd = 1 + r11 - (r22 + r33)
            let yd = 1 + r22 - (r11 + r33)
            let zd = 1 + r33 - (r11 + r22)
            if xd > 1 {
                b = 0.5 * xd.squareRoot()
                c = 0.25 * (r12 + r21) / b
                d = 0.25 * (r13 + r31) / b
                a = 0.25 * (r32 - r23) / b
            } else if yd > 1 {
                c = 0.5 * yd.squareRoot()
                b = 0.25 * (r12 + r21) / c
                d = 0.25 * (r23 + r32) / c
                a = 0.25 * (r13 - r31) / c
            } else {
                d = 0.5 * zd.squareRoot()
                b = 0.25 * (r13 + r31) / d
                c = 0.25 * (r23 + r32) / d
                a = 0.25 * (r21 - r12) / d
            }
            if a < 0 { (a, b, c, d) = (-a, -b, -c, -d) }
        }
        return (a, b, c, d)
    }
}
