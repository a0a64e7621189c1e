import SpineImaging

/// One 3D connected component of a label map.
public struct Component: Sendable, Hashable, Codable {
    /// Component id in `ConnectedComponents.labels` (1, 2, …).
    public var id: Int32
    /// The label value of the input voxels it is made of.
    public var sourceLabel: Int
    public var voxelCount: Int
    /// Volume [mm³].
    public var volumeMM3: Double
    /// Mean voxel index (i, j, k).
    public var centroidVoxelIJK: SIMD3<Double>
    /// Centroid in world LPS [mm].
    public var centroidLPS: SIMD3<Double>
    /// Tight box of voxel indices.
    public var boundingBox: VoxelBox
}

/// The connected components of a label map: an id volume (0 = background) and one record per component.
public struct ConnectedComponents: Sendable {
    /// Component ids, same grid as the input; 0 where the input was background.
    public var labels: Volume<Int32>
    /// Components in id order (`components[n - 1].id == n`).
    public var components: [Component]

    /// Component by id.
    public subscript(id: Int32) -> Component { components[Int(id) - 1] }
}

extension Volume {
    /// The 3D connected components of the non-zero voxels; neighbours join only when they hold the
    /// same label value (so touching L4 and L5 stay apart). The input is not changed.
    ///
    /// - Complexity: O(voxels × neighbours), one breadth-first pass.
    public func connectedComponents(connectivity: Connectivity = .full) -> ConnectedComponents {
        connectedComponents(
            connectivity: connectivity, sameComponent: { a, b in a == b }, isForeground: { $0 != .zero })
    }

    /// Components of the voxels where `isForeground` holds, joined when `sameComponent` holds for two neighbours.
    public func connectedComponents(
        connectivity: Connectivity, sameComponent: (Scalar, Scalar) -> Bool, isForeground: (Scalar) -> Bool
    ) -> ConnectedComponents {
        let size = geometry.size
        let (nx, ny, nz) = (size.x, size.y, size.z)
        let offsets = connectivity.offsets
        let linearOffsets = offsets.map { $0.x + nx * ($0.y + ny * $0.z) }
        var ids = [Int32](repeating: 0, count: voxels.count)
        var components: [Component] = []
        var stack: [Int] = []
        let src = voxels
        src.withUnsafeBufferPointer { v in
            ids.withUnsafeMutableBufferPointer { out in
                var next: Int32 = 1
                for start in 0..<v.count where out[start] == 0 && isForeground(v[start]) {
                    let value = v[start]
                    out[start] = next
                    stack.removeAll(keepingCapacity: true)
                    stack.append(start)
                    var count = 0
                    var sum = SIMD3<Double>.zero
                    var lo = SIMD3<Int>(nx, ny, nz), hi = SIMD3<Int>(-1, -1, -1)
                    while let p = stack.popLast() {
                        let i = p % nx, j = (p / nx) % ny, k = p / (nx * ny)
                        count += 1
                        sum += SIMD3(Double(i), Double(j), Double(k))
                        let ijk = SIMD3(i, j, k)
                        lo = pointwiseMin(lo, ijk)
                        hi = pointwiseMax(hi, ijk)
                        let interior = i > 0 && j > 0 && k > 0 && i < nx - 1 && j < ny - 1 && k < nz - 1
                        for (n, o) in offsets.enumerated() {
                            let q: Int
                            if interior {
                                q = p + linearOffsets[n]
                            } else {
                                let a = i + o.x, b = j + o.y, c = k + o.z
                                if a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz { continue }
                                q = p + linearOffsets[n]
                            }
                            if out[q] == 0 && isForeground(v[q]) && sameComponent(value, v[q]) {
                                out[q] = next
                                stack.append(q)
                            }
                        }
                    }
                    let centroid = sum / Double(count)
                    components.append(
                        Component(
                            id: next, sourceLabel: Int(value.doubleValue), voxelCount: count,
                            volumeMM3: Double(count) * geometry.spacing.x * geometry.spacing.y * geometry.spacing.z,
                            centroidVoxelIJK: centroid, centroidLPS: geometry.worldLPS(voxelIJK: centroid),
                            boundingBox: VoxelBox(lower: lo, upper: hi &+ 1)))
                    next += 1
                }
            }
        }
        return ConnectedComponents(labels: Volume<Int32>(geometry: geometry, voxels: ids), components: components)
    }

    /// Per label value: voxel count, centroid (voxel and LPS) and bounding box, without splitting into components.
    public func labelStatistics() -> [Int: Component] {
        var count: [Int: Int] = [:]
        var sum: [Int: SIMD3<Double>] = [:]
        var lo: [Int: SIMD3<Int>] = [:]
        var hi: [Int: SIMD3<Int>] = [:]
        let (nx, ny) = (geometry.size.x, geometry.size.y)
        var last = -1
        var lastCount = 0, lastSum = SIMD3<Double>.zero, lastLo = SIMD3<Int>(repeating: .max),
            lastHi = SIMD3<Int>(repeating: .min)
        func flush() {
            guard last > 0, lastCount > 0 else { return }
            count[last, default: 0] += lastCount
            sum[last, default: .zero] += lastSum
            lo[last] = pointwiseMin(lo[last] ?? lastLo, lastLo)
            hi[last] = pointwiseMax(hi[last] ?? lastHi, lastHi)
        }
        for (p, v) in voxels.enumerated() where v != .zero {
            let label = Int(v.doubleValue)
            if label != last {
                flush()
                last = label
                lastCount = 0
                lastSum = .zero
                lastLo = SIMD3(repeating: .max)
                lastHi = SIMD3(repeating: .min)
            }
            let ijk = SIMD3(p % nx, (p / nx) % ny, p / (nx * ny))
            lastCount += 1
            lastSum += SIMD3(Double(ijk.x), Double(ijk.y), Double(ijk.z))
            lastLo = pointwiseMin(lastLo, ijk)
            lastHi = pointwiseMax(lastHi, ijk)
        }
        flush()
        let voxelMM3 = geometry.spacing.x * geometry.spacing.y * geometry.spacing.z
        var out: [Int: Component] = [:]
        for (label, n) in count {
            let c = sum[label]! / Double(n)
            out[label] = Component(
                id: Int32(clamping: label), sourceLabel: label, voxelCount: n, volumeMM3: Double(n) * voxelMM3,
                centroidVoxelIJK: c, centroidLPS: geometry.worldLPS(voxelIJK: c),
                boundingBox: VoxelBox(lower: lo[label]!, upper: hi[label]! &+ 1))
        }
        return out
    }
}
