import SpineImaging

/// Dural sac cross-section on a plane perpendicular to the spine at one level.
public struct CanalMeasurement: Sendable, Hashable, Codable {
    /// Dural sac cross-sectional area [mm²].
    public var areaMM2: Double
    /// Anteroposterior diameter of the dural sac on the plane [mm].
    public var apDiameterMM: Double
    /// Centre of the section [mm, LPS].
    public var centroidLPS: SIMD3<Double>

    /// Measures the dural sac (the `members` ids) on the plane through `frame.originLPS` perpendicular
    /// to `frame.superior`, sampled every `stepMM`; the section is the connected region of the plane
    /// (8-neighbours) nearest to the origin, searched within `radiusMM`.
    public static func measure(
        sampler: MaskSampler, members: Set<Int32>, frame: SpineFrame, radiusMM: Double = 60, stepMM: Double = 0.25
    ) -> CanalMeasurement? {
        let n = Int(radiusMM / stepMM)
        let side = 2 * n + 1
        var inside = [Bool](repeating: false, count: side * side)
        var any = false
        for b in 0..<side {
            let y = Double(b - n) * stepMM  // anterior
            for a in 0..<side {
                let x = Double(a - n) * stepMM  // left
                if sampler.isInside(frame.world(SIMD3(x, y, 0)), members) {
                    inside[a + side * b] = true
                    any = true
                }
            }
        }
        guard any else { return nil }
        // Connected regions; keep the one whose nearest sample is closest to the origin.
        var region = [Int32](repeating: 0, count: side * side)
        var best: (id: Int32, distance: Double, count: Int) = (0, .infinity, 0)
        var next: Int32 = 1
        var stack: [Int] = []
        var regionCount: [Int32: Int] = [:]
        for start in inside.indices where inside[start] && region[start] == 0 {
            region[start] = next
            stack = [start]
            var count = 0
            var nearest = Double.infinity
            while let p = stack.popLast() {
                count += 1
                let a = p % side, b = p / side
                let d = (Double((a - n) * (a - n) + (b - n) * (b - n))).squareRoot() * stepMM
                nearest = min(nearest, d)
                for db in -1...1 {
                    for da in -1...1 where da != 0 || db != 0 {
                        let aa = a + da, bb = b + db
                        guard aa >= 0, bb >= 0, aa < side, bb < side else { continue }
                        let q = aa + side * bb
                        if inside[q] && region[q] == 0 { region[q] = next; stack.append(q) }
                    }
                }
            }
            regionCount[next] = count
            if nearest < best.distance { best = (next, nearest, count) }
            next += 1
        }
        var minY = Double.infinity, maxY = -Double.infinity
        var sum = SIMD3<Double>.zero
        for p in region.indices where region[p] == best.id {
            let x = Double(p % side - n) * stepMM, y = Double(p / side - n) * stepMM
            minY = min(minY, y)
            maxY = max(maxY, y)
            sum += frame.world(SIMD3(x, y, 0))
        }
        return CanalMeasurement(
            areaMM2: Double(best.count) * stepMM * stepMM, apDiameterMM: maxY - minY + stepMM,
            centroidLPS: sum / Double(best.count))
    }
}
