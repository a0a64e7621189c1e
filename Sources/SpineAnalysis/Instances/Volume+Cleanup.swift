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
        var largest: [Int: Int] = [:]
        for c in cc.components { largest[c.sourceLabel] = max(largest[c.sourceLabel] ?? 0, c.voxelCount) }
        let keep = [Bool](unsafeUninitializedCapacity: cc.components.count + 1) { buf, n in
            buf[0] = false
            for c in cc.components {
                buf[Int(c.id)] =
                    Double(c.voxelCount) >= minimumFraction * Double(largest[c.sourceLabel]!)
                    && c.volumeMM3 >= minimumVolumeMM3
            }
            n = cc.components.count + 1
        }
        var out = voxels
        for p in out.indices where out[p] != .zero && !keep[Int(cc.labels.voxels[p])] { out[p] = .zero }
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
