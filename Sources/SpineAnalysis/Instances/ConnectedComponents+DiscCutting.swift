import SpineImaging

/// A segmented disc seen as a cutting plane, in world LPS.
public struct DiscPlane: Sendable, Hashable, Codable {
    /// Disc centroid [mm, LPS].
    public var centroidLPS: SIMD3<Double>
    /// Unit normal: the disc's thinnest principal axis (its height direction; sign arbitrary).
    public var normalLPS: SIMD3<Double>
    /// In-plane radius [mm]: twice the standard deviation along the disc's widest axis.
    public var radiusMM: Double

    public init(centroidLPS: SIMD3<Double>, normalLPS: SIMD3<Double>, radiusMM: Double) {
        self.centroidLPS = centroidLPS
        self.normalLPS = normalLPS.normalized
        self.radiusMM = radiusMM
    }

    /// The plane of a disc from its voxel centres [mm, LPS]; nil when the points are too few or not flat
    /// (thinnest spread at least half the middle one), when the normal would be a guess.
    public init?(pointsLPS: [SIMD3<Double>]) {
        guard let pca = PrincipalAxes(points: pointsLPS), pca.variances[2] < 0.5 * pca.variances[1] else { return nil }
        self.init(
            centroidLPS: pca.centroid, normalLPS: pca.axes[2], radiusMM: 2 * Swift.max(pca.variances[0], 0).squareRoot()
        )
    }
}

/// Options for cutting vertebral-body components at the discs they reach across.
public struct DiscCuttingOptions: Sendable, Hashable, Codable {
    /// Each side of a cut must hold at least this fraction of the median component's voxels; smaller
    /// pieces left by a cut (the bridge that joined two bodies past the disc) become background.
    public var minimumPieceFraction = 0.15
    /// Connectivity of the pieces.
    public var connectivity: Connectivity = .full
    /// A piece below this fraction of the median component joins a large one in the same disc space
    /// (see `ConnectedComponents.mergingPiecesWithinDiscSpaces`).
    public var smallPieceFraction = 0.5
    /// ... when their centroids lie within this distance [mm] and the union stays below
    /// `largestUnionFraction` of the median component.
    public var mergeDistanceMM = 20.0
    public var largestUnionFraction = 1.25

    public init() {}
}

extension ConnectedComponents {
    /// Cuts components that reach across a segmented disc into one instance per side of the disc's plane.
    ///
    /// A segmentation with a disc between two vertebral bodies may still join the bodies through a thin
    /// bridge at the disc's rim or in a lateral slice; the joined component then carries two (or more)
    /// bodies and shifts every name counted along the spine. For each disc whose in-plane footprint
    /// holds the component's centroid (within `DiscPlane.radiusMM`), the component is cut by the disc's
    /// mid-plane when both sides hold at least `minimumPieceFraction` of the median component; each
    /// side then splits into its connected pieces, and pieces smaller than that are dropped. Cuts repeat
    /// for every disc, so three bodies joined across two discs become three instances. A body next to a
    /// disc lies on one side of its plane and is never cut.
    ///
    /// - Parameters:
    ///   - discs: disc planes in world LPS.
    ///   - options: piece size and connectivity.
    /// - Returns: instance ids 1…n (0 = background) on the same grid, in the order of the input
    ///   components and, within one, cranial pieces first; `self` unchanged when nothing is cut.
    /// - Complexity: O(component voxels × discs × neighbours).
    public func cuttingAcrossDiscs(_ discs: [DiscPlane], options: DiscCuttingOptions = DiscCuttingOptions())
        -> ConnectedComponents
    {
        guard !discs.isEmpty, !components.isEmpty else { return self }
        let g = labels.geometry
        let (nx, ny, nz) = (g.size.x, g.size.y, g.size.z)
        let m = g.indexToWorldLinear
        func worldLPS(_ p: Int) -> SIMD3<Double> {
            g.origin + m * SIMD3(Double(p % nx), Double((p / nx) % ny), Double(p / (nx * ny)))
        }
        let sizes = components.map(\.voxelCount).sorted()
        let median = sizes[sizes.count / 2]
        let minimumPiece = Swift.max(1, Int((options.minimumPieceFraction * Double(median)).rounded(.up)))

        var members = [[Int]](repeating: [], count: components.count)
        for (p, id) in labels.voxels.enumerated() where id != 0 { members[Int(id) - 1].append(p) }

        // Scratch marks for piece-restricted flood fills; a fresh stamp per fill avoids clearing.
        var mark = [Int32](repeating: 0, count: labels.voxels.count)
        var stamp: Int32 = 0
        let offsets = options.connectivity.offsets
        func pieces(of voxels: [Int]) -> [[Int]] {
            stamp += 1
            let inside = stamp
            for p in voxels { mark[p] = inside }
            var out: [[Int]] = []
            for start in voxels where mark[start] == inside {
                stamp += 1
                let done = stamp
                mark[start] = done
                var piece = [start], stack = [start]
                while let p = stack.popLast() {
                    let i = p % nx, j = (p / nx) % ny, k = p / (nx * ny)
                    for o in offsets {
                        let a = i + o.x, b = j + o.y, c = k + o.z
                        guard a >= 0, b >= 0, c >= 0, a < nx, b < ny, c < nz else { continue }
                        let q = a + nx * (b + ny * c)
                        if mark[q] == inside {
                            mark[q] = done
                            piece.append(q)
                            stack.append(q)
                        }
                    }
                }
                out.append(piece)
            }
            return out
        }

        var cutAny = false
        var result: [[Int]] = []
        for component in members {
            var current = [component]
            for disc in discs {
                var next: [[Int]] = []
                for piece in current {
                    let points = piece.map(worldLPS)
                    let centroid = points.reduce(SIMD3<Double>.zero, +) / Double(points.count)
                    let offset = centroid - disc.centroidLPS
                    let inPlane = offset - offset.dot(disc.normalLPS) * disc.normalLPS
                    let side = points.map { ($0 - disc.centroidLPS).dot(disc.normalLPS) > 0 }
                    let above = side.filter { $0 }.count
                    guard inPlane.length <= disc.radiusMM, above >= minimumPiece, piece.count - above >= minimumPiece
                    else {
                        next.append(piece)
                        continue
                    }
                    cutAny = true
                    let halves = [
                        zip(piece, side).filter { $0.1 }.map(\.0), zip(piece, side).filter { !$0.1 }.map(\.0),
                    ]
                    for half in halves {
                        next += pieces(of: half).filter { $0.count >= minimumPiece }
                    }
                }
                current = next
            }
            // Cranial pieces first (largest mean LPS z), so ids follow the spine.
            result += current.map { piece in (piece, piece.map { worldLPS($0).z }.reduce(0, +) / Double(piece.count)) }
                .sorted { $0.1 > $1.1 }.map(\.0)
        }
        guard cutAny else { return self }
        var out = [Int32](repeating: 0, count: labels.voxels.count)
        for (n, piece) in result.enumerated() { for p in piece { out[p] = Int32(n + 1) } }
        let instances = Volume<Int32>(geometry: g, voxels: out)
        let stats = instances.labelStatistics()
        return ConnectedComponents(labels: instances, components: (1...result.count).compactMap { stats[$0] })
    }

    /// Joins each small piece to the nearest large component in the same disc space: a body that the
    /// segmentation split in two (a hole through it, a rim apart from the core) is one vertebra, and
    /// counting both would shift every name along the spine.
    ///
    /// A piece smaller than `smallPieceFraction` of the median component joins the nearest component at
    /// least that large whose centroid lies within `mergeDistanceMM`, when no disc lies between the two
    /// centroids (both on the same side of every disc plane whose footprint holds either) and the
    /// union stays below `largestUnionFraction` of the median. Other pieces stay as they are.
    ///
    /// - Returns: instance ids 1…n on the same grid, in the input order; `self` when nothing is joined.
    public func mergingPiecesWithinDiscSpaces(
        _ discs: [DiscPlane], options: DiscCuttingOptions = DiscCuttingOptions()
    ) -> ConnectedComponents {
        guard components.count >= 2 else { return self }
        let sizes = components.map(\.voxelCount).sorted()
        let median = Double(sizes[sizes.count / 2])
        let small = options.smallPieceFraction * median
        func covers(_ d: DiscPlane, _ p: SIMD3<Double>) -> Bool {
            let o = p - d.centroidLPS
            return (o - o.dot(d.normalLPS) * d.normalLPS).length <= d.radiusMM
        }
        func sameDiscSpace(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Bool {
            discs.allSatisfy { d in
                !(covers(d, a) || covers(d, b))
                    || ((a - d.centroidLPS).dot(d.normalLPS) > 0) == ((b - d.centroidLPS).dot(d.normalLPS) > 0)
            }
        }
        var target = components.map(\.id)
        var count = components.map(\.voxelCount)
        var merged = false
        for a in components.sorted(by: { $0.voxelCount < $1.voxelCount }) where Double(a.voxelCount) < small {
            let partner = components.filter { b in
                Double(b.voxelCount) >= small && target[Int(b.id) - 1] == b.id
                    && (b.centroidLPS - a.centroidLPS).length <= options.mergeDistanceMM
                    && Double(count[Int(b.id) - 1] + a.voxelCount) <= options.largestUnionFraction * median
                    && sameDiscSpace(a.centroidLPS, b.centroidLPS)
            }.min { ($0.centroidLPS - a.centroidLPS).length < ($1.centroidLPS - a.centroidLPS).length }
            guard let b = partner else { continue }
            target[Int(a.id) - 1] = b.id
            count[Int(b.id) - 1] += a.voxelCount
            merged = true
        }
        guard merged else { return self }
        var renumber: [Int32: Int32] = [:]
        for c in components where target[Int(c.id) - 1] == c.id { renumber[c.id] = Int32(renumber.count + 1) }
        let out = labels.voxels.map { v -> Int32 in v == 0 ? 0 : renumber[target[Int(v) - 1]]! }
        let instances = Volume<Int32>(geometry: labels.geometry, voxels: out)
        let stats = instances.labelStatistics()
        return ConnectedComponents(labels: instances, components: (1...renumber.count).compactMap { stats[$0] })
    }
}
