import Foundation

/// The spinal canal as a tube around a smooth centreline in the sagittal plane, sampled densely.
///
/// Samples run craniocaudally (arc length `s` grows downward). At each sample the cross-section
/// in the plane normal to the centreline holds: the bony canal (a rounded rectangle of half depth
/// `ac`, half width `bc`), the dural sac (an ellipse between `sacAnt` and `sacPost` along the
/// anterior normal, half width `sacHalfWidth`), and the narrowing at disc levels (bulge, ligamentum
/// flavum). The dural sac area at a sample is exactly π · (sacAnt − sacPost)/2 · sacHalfWidth.
struct CanalCurve: Sendable {
    struct Control {
        var y: Double
        var z: Double
        var ac: Double
        var bc: Double
        var sacDepth: Double
        var sacWidth: Double
    }

    var y: [Double] = []
    var z: [Double] = []
    /// Unit anterior normal.
    var ny: [Double] = []
    var nz: [Double] = []
    var s: [Double] = []
    var ac: [Double] = []
    var bc: [Double] = []
    var sacAnt: [Double] = []
    var sacPost: [Double] = []
    var sacHalfWidth: [Double] = []
    var bulgeDepth: [Double] = []
    var flavum: [Double] = []
    /// Index into the model's discs of the nearest disc level (for bulge material), or −1.
    var disc: [Int] = []
    /// Dense index of each control point.
    var controlIndex: [Int] = []
    /// Disc herniations (`DiscHerniationShape`), and per dense sample the index into them of the one whose
    /// arc-length range holds it, or −1 (empty: no herniation anywhere).
    var herniations: [DiscHerniationShape] = []
    var herniationAt: [Int] = []
    /// Arc length where the sac ends (its caudal tip) and where the conus medullaris ends.
    var sacEndS = Double.infinity
    var conusTipS = 0.0
    /// Lookup: for a z bin (1 mm, from `zBinOrigin` downward... ascending), a dense index with nearest z.
    var zBinOrigin = 0.0
    var nearestByZ: [Int] = []
    /// |x| [mm] beyond which no point is inside the bony canal anywhere: the largest half width `bc`
    /// plus a relative margin of 10⁻⁶, so that `(x / bc)² > 1` holds there after rounding too.
    var cullHalfWidth = 0.0

    init(controls: [Control]) {
        precondition(controls.count >= 2)
        for i in 0..<(controls.count - 1) {
            let p0 = controls[max(i - 1, 0)], p1 = controls[i], p2 = controls[i + 1]
            let p3 = controls[min(i + 2, controls.count - 1)]
            let len = ((p2.y - p1.y) * (p2.y - p1.y) + (p2.z - p1.z) * (p2.z - p1.z)).squareRoot()
            let n = max(2, Int((len / 0.4).rounded(.up)))
            controlIndex.append(y.count)
            for k in 0..<n {
                let t = Double(k) / Double(n)
                let t2 = t * t, t3 = t2 * t
                func cr(_ a: Double, _ b: Double, _ c: Double, _ d: Double) -> Double {
                    0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3)
                }
                y.append(cr(p0.y, p1.y, p2.y, p3.y))
                z.append(cr(p0.z, p1.z, p2.z, p3.z))
                func lin(_ a: Double, _ b: Double) -> Double { a + (b - a) * t }
                ac.append(lin(p1.ac, p2.ac))
                bc.append(lin(p1.bc, p2.bc))
                let depth = lin(p1.sacDepth, p2.sacDepth)
                let acv = lin(p1.ac, p2.ac)
                // Sac sits forward in the canal: 1 mm anterior epidural space, dorsal fat behind.
                sacAnt.append(acv - 1)
                sacPost.append(acv - 1 - depth)
                sacHalfWidth.append(lin(p1.sacWidth, p2.sacWidth) / 2)
            }
        }
        controlIndex.append(y.count)
        let last = controls[controls.count - 1]
        y.append(last.y)
        z.append(last.z)
        ac.append(last.ac)
        bc.append(last.bc)
        sacAnt.append(last.ac - 1)
        sacPost.append(last.ac - 1 - last.sacDepth)
        sacHalfWidth.append(last.sacWidth / 2)
        let count = y.count
        bulgeDepth = Array(repeating: 0, count: count)
        flavum = Array(repeating: 0, count: count)
        disc = Array(repeating: -1, count: count)
        s = Array(repeating: 0, count: count)
        ny = Array(repeating: 0, count: count)
        nz = Array(repeating: 0, count: count)
        for i in 1..<count {
            s[i] =
                s[i - 1] + ((y[i] - y[i - 1]) * (y[i] - y[i - 1]) + (z[i] - z[i - 1]) * (z[i] - z[i - 1])).squareRoot()
        }
        for i in 0..<count {
            let a = max(i - 1, 0), b = min(i + 1, count - 1)
            var ty = y[b] - y[a], tz = z[b] - z[a]
            let l = (ty * ty + tz * tz).squareRoot()
            ty /= l
            tz /= l
            // Tangent points caudally; the anterior normal is the tangent turned toward −y.
            ny[i] = tz
            nz[i] = -ty
        }
        buildLookup()
        cullHalfWidth = (bc.max() ?? 0) * (1 + 1e-6)
    }

    mutating func buildLookup() {
        let zMin = z.min()! - 60, zMax = z.max()! + 60
        zBinOrigin = zMin
        let bins = Int(zMax - zMin) + 1
        nearestByZ = Array(repeating: 0, count: bins)
        var best = 0
        for b in 0..<bins {
            let zc = zMin + Double(b)
            var bestD = Double.infinity
            for i in 0..<z.count where abs(z[i] - zc) < bestD {
                bestD = abs(z[i] - zc)
                best = i
            }
            nearestByZ[b] = best
        }
    }

    /// Narrows the sac around arc length `sLevel` (Gaussian profile, full effect at the level).
    mutating func narrow(
        atIndex centre: Int, discIndex: Int, bulge: Double, flavum thick: Double, facet: Double, sigma: Double
    ) {
        let sLevel = s[centre]
        for i in 0..<s.count {
            let d = (s[i] - sLevel) / sigma
            if d * d > 9 { continue }
            let g = exp(-d * d)
            if g > 0.05, bulge > 0 || disc[i] < 0 { disc[i] = discIndex }
            bulgeDepth[i] = max(bulgeDepth[i], bulge * g)
            sacAnt[i] -= bulge * g
            flavum[i] = max(flavum[i], thick * g)
            sacPost[i] += thick * g
            sacHalfWidth[i] -= facet * g / 2
        }
    }

    /// Adds a herniation and marks the dense samples its arc-length range covers.
    /// Also sets the shape's `zRange`: the marked samples' z ± 20 mm (`zFallback` ± 20 when none is marked).
    mutating func add(_ h: inout DiscHerniationShape, zFallback: Double) {
        if herniationAt.isEmpty { herniationAt = Array(repeating: -1, count: s.count) }
        // A 1 mm margin: a point's nearest sample may lie just outside the range its own arc length is in.
        var zMin = Double.infinity, zMax = -Double.infinity
        for i in s.indices where s[i] >= h.sRange.lowerBound - 1 && s[i] <= h.sRange.upperBound + 1 {
            herniationAt[i] = herniations.count
            zMin = min(zMin, z[i])
            zMax = max(zMax, z[i])
        }
        h.zRange = zMin <= zMax ? (zMin - 20)...(zMax + 20) : (zFallback - 20)...(zFallback + 20)
        herniations.append(h)
    }

    /// Arc length at a dense index and fraction toward the next sample (as `closest` returns them).
    @inline(__always) func arcLength(index i: Int, t: Double) -> Double {
        i + 1 < s.count ? s[i] + (s[i + 1] - s[i]) * t : s[i]
    }

    /// Closest centreline point of a body-frame (y, z): dense index, fraction toward the next sample,
    /// and the point's offset along the anterior normal [mm].
    @inline(__always) func closest(y py: Double, z pz: Double) -> (index: Int, t: Double, n: Double) {
        let bin = min(max(Int(pz - zBinOrigin), 0), nearestByZ.count - 1)
        var i = nearestByZ[bin]
        @inline(__always) func d2(_ k: Int) -> Double {
            let dy = py - y[k], dz = pz - z[k]
            return dy * dy + dz * dz
        }
        var di = d2(i)
        while i + 1 < y.count, d2(i + 1) < di {
            i += 1
            di = d2(i)
        }
        while i > 0, d2(i - 1) < di {
            i -= 1
            di = d2(i)
        }
        // Project onto the segment toward the closer neighbour.
        var j = i, t = 0.0
        if i + 1 < y.count {
            let ey = y[i + 1] - y[i], ez = z[i + 1] - z[i]
            let tt = ((py - y[i]) * ey + (pz - z[i]) * ez) / (ey * ey + ez * ez)
            if tt > 0 { t = min(tt, 1) }
        }
        if t == 0, i > 0 {
            let ey = y[i] - y[i - 1], ez = z[i] - z[i - 1]
            let tt = ((py - y[i - 1]) * ey + (pz - z[i - 1]) * ez) / (ey * ey + ez * ez)
            if tt < 1 {
                j = i - 1
                t = max(tt, 0)
            }
        }
        let k = min(j + 1, y.count - 1)
        let cy = y[j] + (y[k] - y[j]) * t, cz = z[j] + (z[k] - z[j]) * t
        let n = (py - cy) * (ny[j] + (ny[k] - ny[j]) * t) + (pz - cz) * (nz[j] + (nz[k] - nz[j]) * t)
        return (j, t, n)
    }

    /// Dural sac area [mm²] in the plane normal to the centreline at a dense index.
    func sacAreaMM2(at i: Int) -> Double {
        Double.pi * (sacAnt[i] - sacPost[i]) / 2 * max(sacHalfWidth[i], 0)
    }
}
