import Foundation
import SpineImaging

extension Volume {
    /// A copy without small fragments: for each label value, components smaller than
    /// `minimumFraction` of that label's largest component, or than `minimumVolumeMM3`, become background.
    ///
    /// The input is not changed.
    public func removingFragments(
        minimumFraction: Double = 0.1, minimumVolumeMM3: Double = 0, connectivity: Connectivity = .full
    ) -> Volume {
        let cc = connectedComponents(connectivity: connectivity)
            .removingFragments(minimumFraction: minimumFraction, minimumVolumeMM3: minimumVolumeMM3)
        var out = voxels
        for p in out.indices where out[p] != .zero && cc.labels.voxels[p] == 0 { out[p] = .zero }
        return Volume(geometry: geometry, voxels: out)
    }

    /// A copy where each label value keeps only its largest component.
    public func keepingLargestComponentPerLabel(connectivity: Connectivity = .full) -> Volume {
        removingFragments(minimumFraction: 1, connectivity: connectivity)
    }

    /// A copy with enclosed holes filled: a background region (6-connected) that touches no grid border
    /// and is surrounded by one label value only takes that value. Holes bordered by several labels stay.
    ///
    /// The input is not changed.
    public func fillingHoles() -> Volume {
        let size = geometry.size
        let (nx, ny, nz) = (size.x, size.y, size.z)
        let background = connectedComponents(
            connectivity: .faces, sameComponent: { _, _ in true }, isForeground: { $0 == .zero })
        let n = background.components.count
        guard n > 0 else { return self }
        var fillValue = [Scalar?](repeating: nil, count: n + 1)
        var invalid = [Bool](repeating: false, count: n + 1)
        for c in background.components {
            let b = c.boundingBox
            if b.lower.x == 0 || b.lower.y == 0 || b.lower.z == 0 || b.upper.x == nx || b.upper.y == ny
                || b.upper.z == nz
            {
                invalid[Int(c.id)] = true
            }
        }
        let ids = background.labels.voxels
        let faceOffsets = Connectivity.faces.offsets
        for p in ids.indices where ids[p] != 0 && !invalid[Int(ids[p])] {
            let id = Int(ids[p])
            let i = p % nx, j = (p / nx) % ny, k = p / (nx * ny)
            for o in faceOffsets {
                let a = i + o.x, b = j + o.y, c = k + o.z
                guard a >= 0, b >= 0, c >= 0, a < nx, b < ny, c < nz else { continue }
                let v = voxels[a + nx * (b + ny * c)]
                if v == .zero { continue }
                if let f = fillValue[id], f != v { invalid[id] = true } else { fillValue[id] = v }
            }
        }
        var out = voxels
        for p in out.indices where ids[p] != 0 {
            let id = Int(ids[p])
            if !invalid[id], let f = fillValue[id] { out[p] = f }
        }
        return Volume(geometry: geometry, voxels: out)
    }
}

extension ConnectedComponents {
    /// A column's members beside each other: a component below the fragment fraction is still kept when a kept
    /// component of its label lies close (centroids within `reachVolumeRoots` cube roots of the kept one's volume)
    /// and it holds at least `ratio` of that one's voxels — as each body of a spine holds most of the next one's,
    /// where a fragment beside a body is a sliver of it. `floorFraction` of the label's largest bounds the chain.
    public struct NeighbourRule: Sendable, Hashable {
        public var ratio: Double
        public var reachVolumeRoots: Double
        public var floorFraction: Double
        public init(ratio: Double = 0.3, reachVolumeRoots: Double = 3, floorFraction: Double = 0.01) {
            self.ratio = ratio
            self.reachVolumeRoots = reachVolumeRoots
            self.floorFraction = floorFraction
        }
    }

    /// These components without fragments, renumbered 1, 2, … in their order (exactly the components of the
    /// cleaned label map): for each label, components smaller than `minimumFraction` of its largest or than
    /// `minimumVolumeMM3` go, unless `neighbours` keeps them beside a kept component of their label (applied
    /// until nothing more is kept, so a column's bodies are kept one from the next).
    public func removingFragments(
        minimumFraction: Double, minimumVolumeMM3: Double = 0, neighbours: NeighbourRule? = nil
    ) -> ConnectedComponents {
        var largest: [Int: Int] = [:]
        for c in components { largest[c.sourceLabel] = Swift.max(largest[c.sourceLabel] ?? 0, c.voxelCount) }
        var keep = components.map {
            Double($0.voxelCount) >= minimumFraction * Double(largest[$0.sourceLabel]!) && $0.volumeMM3 >= minimumVolumeMM3
        }
        if let rule = neighbours {
            var changed = true
            while changed {
                changed = false
                for (n, c) in components.enumerated() where !keep[n] && c.volumeMM3 >= minimumVolumeMM3 {
                    guard Double(c.voxelCount) >= rule.floorFraction * Double(largest[c.sourceLabel]!) else { continue }
                    let beside = components.indices.contains { m in
                        let k = components[m]
                        guard keep[m], k.sourceLabel == c.sourceLabel,
                            Double(c.voxelCount) >= rule.ratio * Double(k.voxelCount)
                        else { return false }
                        let reach = rule.reachVolumeRoots * Foundation.cbrt(k.volumeMM3)
                        return (c.centroidLPS - k.centroidLPS).length <= reach
                    }
                    if beside {
                        keep[n] = true
                        changed = true
                    }
                }
            }
        }
        guard keep.contains(false) else { return self }
        var newID = [Int32](repeating: 0, count: components.count + 1)
        var kept: [Component] = []
        for (n, c) in components.enumerated() where keep[n] {
            var c = c
            c.id = Int32(kept.count + 1)
            newID[n + 1] = c.id
            kept.append(c)
        }
        let ids = labels.voxels.map { newID[Int($0)] }
        return ConnectedComponents(labels: Volume(geometry: labels.geometry, voxels: ids), components: kept)
    }
}
