import SpineImaging

/// Options for splitting touching bodies (e.g. two vertebral bodies joined across a collapsed disc).
public struct SeparationOptions: Sendable, Hashable, Codable {
    /// Seed levels tried, as fractions of each component's largest inside distance, high to low.
    public var seedLevels: [Double] = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
    /// Seeds smaller than this [mm³] are ignored (noise in the distance map).
    public var minimumSeedVolumeMM3: Double = 8
    /// Connectivity of the bodies and of the seeds.
    public var connectivity: Connectivity = .full

    public init() {}
}

extension Volume {
    /// Splits touching bodies into instances by a marker-controlled watershed on the distance transform.
    ///
    /// Voxels where `isForeground` holds are the bodies. The exact Euclidean distance to the background
    /// is computed; for each connected component, seeds are the components of `distance ≥ level × max`
    /// at the level (from `options.seedLevels`) that yields the most seeds of at least
    /// `minimumSeedVolumeMM3` (the lowest such level, for the largest seeds); the seeds then grow by
    /// priority flooding from high to low distance, restricted to the component. Two bodies joined by a
    /// neck narrower than their cores split at the neck; a shape with no neck (two equal cubes face to
    /// face form one box) stays one instance — without a shape prior the split is ill-posed.
    ///
    /// - Returns: instance ids 1…n (0 = background), same grid; the input is not changed.
    public func separatingTouchingBodies(
        options: SeparationOptions = SeparationOptions(), where isForeground: (Scalar) -> Bool = { $0 != .zero }
    ) -> ConnectedComponents {
        let inside = voxels.map(isForeground)
        let dist = DistanceTransform.insideDistanceMM(geometry: geometry, inside: inside)
        let insideVolume = Volume<UInt8>(geometry: geometry, voxels: inside.map { $0 ? 1 : 0 })
        let bodies = insideVolume.connectedComponents(connectivity: options.connectivity)
        var maxD = [Double](repeating: 0, count: bodies.components.count + 1)
        for p in dist.indices where inside[p] {
            let id = Int(bodies.labels.voxels[p])
            maxD[id] = Swift.max(maxD[id], dist[p])
        }
        // Relative distance, per component.
        let rel = dist.indices.map { p -> Double in inside[p] ? dist[p] / maxD[Int(bodies.labels.voxels[p])] : 0 }
        let voxelMM3 = geometry.spacing.x * geometry.spacing.y * geometry.spacing.z
        let minSeedVoxels = Swift.max(1, Int((options.minimumSeedVolumeMM3 / voxelMM3).rounded(.up)))

        // For each body: the seed level with the most significant seeds.
        var bestCount = [Int](repeating: 0, count: bodies.components.count + 1)
        var seedLabelsByLevel: [(ConnectedComponents, [Bool])] = []
        for level in options.seedLevels {
            let seedVol = Volume<UInt8>(geometry: geometry, voxels: rel.map { $0 >= level ? 1 : 0 })
            let seeds = seedVol.connectedComponents(connectivity: options.connectivity)
            let big = [false] + seeds.components.map { $0.voxelCount >= minSeedVoxels }
            seedLabelsByLevel.append((seeds, big))
        }
        // Count significant seeds per body per level; keep the lowest level with the maximum count.
        var chosenLevel = [Int](repeating: -1, count: bodies.components.count + 1)
        for (li, (seeds, big)) in seedLabelsByLevel.enumerated() {
            var perBody = [Set<Int32>](repeating: [], count: bodies.components.count + 1)
            for p in seeds.labels.voxels.indices {
                let s = seeds.labels.voxels[p]
                if s != 0 && big[Int(s)] { perBody[Int(bodies.labels.voxels[p])].insert(s) }
            }
            for b in bodies.components.map({ Int($0.id) }) {
                if perBody[b].count >= bestCount[b] && perBody[b].count > 0 {
                    bestCount[b] = perBody[b].count
                    chosenLevel[b] = li
                }
            }
        }
        // Build the seed map: instance ids numbered per body in order.
        var seedId = [Int32: Int32]()  // (level index * 2^20 + seed) → instance
        var nextInstance: Int32 = 1
        var heap = MaxHeap()
        var out = [Int32](repeating: 0, count: voxels.count)
        for p in voxels.indices where inside[p] {
            let b = Int(bodies.labels.voxels[p])
            let li = chosenLevel[b]
            if li < 0 {
                // No significant seed (tiny body): the body is its own instance.
                let key = Int32(-b)
                if seedId[key] == nil { seedId[key] = nextInstance; nextInstance += 1 }
                out[p] = seedId[key]!
                continue
            }
            let (seeds, big) = seedLabelsByLevel[li]
            let s = seeds.labels.voxels[p]
            guard s != 0, big[Int(s)] else { continue }
            let key = Int32(li) << 24 | s
            if seedId[key] == nil { seedId[key] = nextInstance; nextInstance += 1 }
            out[p] = seedId[key]!
            heap.push(dist[p], p)
        }
        // Priority flood from the seeds.
        let nx = geometry.size.x, ny = geometry.size.y, nz = geometry.size.z
        let offsets = options.connectivity.offsets
        while let (_, p) = heap.pop() {
            let i = p % nx, j = (p / nx) % ny, k = p / (nx * ny)
            for o in offsets {
                let a = i + o.x, b = j + o.y, c = k + o.z
                guard a >= 0, b >= 0, c >= 0, a < nx, b < ny, c < nz else { continue }
                let q = a + nx * (b + ny * c)
                if inside[q] && out[q] == 0 {
                    out[q] = out[p]
                    heap.push(dist[q], q)
                }
            }
        }
        // Recompute component records on the instance map (face-connected grouping by id).
        let instances = Volume<Int32>(geometry: geometry, voxels: out)
        let stats = instances.labelStatistics()
        let comps = (1..<nextInstance).compactMap { stats[Int($0)] }
        return ConnectedComponents(labels: instances, components: comps)
    }
}
