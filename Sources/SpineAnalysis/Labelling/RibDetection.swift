import SpineImaging

/// Ribs in a semantic label map: posterior-element components that stand apart from every vertebra's own posterior
/// elements and lie beside a vertebral body, each attached to the body it lies beside.
///
/// A rib articulates with its vertebra through the costovertebral and costotransverse joints, so in a label map it is
/// a component of bone separate from the body and the transverse process (a joint gap), with its head at the
/// posterolateral corner of the body and its shaft running posterolaterally and inferolaterally. Thoracic vertebrae
/// bear ribs and lumbar vertebrae do not: the lowest rib-bearing vertebra is the last thoracic one (Standring S (ed.),
/// Gray's Anatomy, 41st ed., 2016, ch. 54). A lumbar MRI shows the rib heads only where its field of view reaches
/// 15–25 mm lateral of the midline at the thoracolumbar junction.
public enum RibDetection {
    /// A rib attached to a vertebral body.
    public struct Rib: Sendable, Hashable {
        /// Instance id of the body the rib lies beside.
        public var bodyID: Int32
        public var side: BodySide
        /// The rib's most medial voxel [mm, LPS].
        public var headLPS: SIMD3<Double>
        public var volumeMM3: Double
        /// Largest distance from the head to another voxel of the rib [mm].
        public var lengthMM: Double
    }

    /// What counts as a rib.
    public struct Options: Sendable, Hashable {
        /// Smallest rib component [mm³]; smaller ones are fragments.
        public var minimumVolumeMM3 = 15.0
        /// Shortest visible rib [mm] (head to farthest voxel).
        public var minimumLengthMM = 6.0
        /// Lateral distance of the rib head from the body's centre [mm]: at least `headLateralMM.lowerBound` (the
        /// component stays clear of the midline, where laminae and spinous processes lie), at most the upper bound.
        public var headLateralMM = 8.0...40.0
        /// Anteroposterior position of the rib head relative to the body's centroid [mm], positive anterior: the
        /// posterior half of the body and the pedicles behind it.
        public var headAnteriorMM = -45.0...10.0
        /// Lateral distance [mm] at which the field of view must reach, on at least one side, for a body's ribs to
        /// count as visible (their heads lie 15–25 mm lateral of the midline).
        public var visibleLateralMM = 25.0
        public init() {}
    }

    /// The ribs in the map.
    ///
    /// - Parameters:
    ///   - posterior: where the label map holds posterior elements (non-zero), on the instance grid.
    ///   - instances: instance ids; `bodies` and `sacrumIDs` name the bone a rib must not touch.
    ///   - bodies: the vertebral bodies with their centroids.
    ///   - curve: the spine curve through the bodies (its tangent gives each body's superior axis).
    /// - Returns: the ribs, cranial bodies first; a body may have one per side.
    /// - Complexity: O(voxels) for the components and the touch test.
    public static func ribs(
        posterior: Volume<UInt8>, instances: Volume<Int32>, bodies: [LabellingCandidate], sacrumIDs: Set<Int32>,
        curve: SpineCurve?, options: Options = Options()
    ) -> [Rib] {
        guard let curve, bodies.count >= 2, posterior.geometry.size == instances.geometry.size else { return [] }
        let g = posterior.geometry
        let cc = posterior.connectedComponents(connectivity: .faces)
        guard !cc.components.isEmpty else { return [] }
        // Ids of bodies and the sacrum, as a table (26 lookups per posterior voxel below).
        let maxID = Int(max(bodies.map(\.id).max() ?? 0, sacrumIDs.max() ?? 0))
        var bone = [Bool](repeating: false, count: maxID + 1)
        for id in bodies.map(\.id) + Array(sacrumIDs) where id > 0 { bone[Int(id)] = true }
        // Components touching a body or the sacrum (26-neighbours) belong to a vertebra: pedicles, processes.
        var touches = [Bool](repeating: false, count: cc.components.count + 1)
        let n = g.size
        let offsets = Connectivity.full.offsets
        let labels = cc.labels.voxels, ids = instances.voxels
        for k in 0..<n.z {
            for j in 0..<n.y {
                for i in 0..<n.x {
                    let p = i + n.x * (j + n.y * k)
                    let c = Int(labels[p])
                    guard c != 0, !touches[c] else { continue }
                    for o in offsets {
                        let (a, b, d) = (i + o.x, j + o.y, k + o.z)
                        guard a >= 0, b >= 0, d >= 0, a < n.x, b < n.y, d < n.z else { continue }
                        let id = Int(ids[a + n.x * (b + n.y * d)])
                        if id > 0, id < bone.count, bone[id] {
                            touches[c] = true
                            break
                        }
                    }
                }
            }
        }
        var points = [[SIMD3<Double>]](repeating: [], count: cc.components.count + 1)
        for k in 0..<n.z {
            for j in 0..<n.y {
                for i in 0..<n.x {
                    let c = Int(labels[i + n.x * (j + n.y * k)])
                    guard c != 0, !touches[c], cc[Int32(c)].volumeMM3 >= options.minimumVolumeMM3 else { continue }
                    points[c].append(g.worldLPS(voxelIJK: SIMD3(Double(i), Double(j), Double(k))))
                }
            }
        }
        let bodyS = bodies.map { ($0, curve.closestParameter(toLPS: $0.centroidLPS)) }
        var out: [(Rib, Double)] = []
        for c in cc.components where !touches[Int(c.id)] && !points[Int(c.id)].isEmpty {
            let pts = points[Int(c.id)]
            // The body beside the component's centre along the curve; its frame gives left, anterior, superior.
            let s = curve.closestParameter(toLPS: c.centroidLPS)
            guard let (body, _) = bodyS.min(by: { abs($0.1 - s) < abs($1.1 - s) }) else { continue }
            let frame = SpineFrame(originLPS: body.centroidLPS, superior: curve.superiorDirection(at: s))
            let local = pts.map(frame.local)
            // One side only, clear of the midline.
            let lefts = local.map(\.x)
            guard let lo = lefts.min(), let hi = lefts.max(), lo > 0 || hi < 0 else { continue }
            let headIndex = local.indices.min { abs(local[$0].x) < abs(local[$1].x) }!
            let head = local[headIndex]
            guard options.headLateralMM.contains(abs(head.x)), options.headAnteriorMM.contains(head.y) else {
                continue
            }
            // The head beside this body: within half the distance to its neighbours along the curve.
            let headS = curve.closestParameter(toLPS: pts[headIndex])
            guard let (owner, ownerS) = bodyS.min(by: { abs($0.1 - headS) < abs($1.1 - headS) }) else { continue }
            let spacing = bodyS.map { abs($0.1 - ownerS) }.filter { $0 > 1 }.min() ?? 30
            guard abs(headS - ownerS) <= 0.6 * spacing else { continue }
            let length = local.map { ($0 - head).length }.max() ?? 0
            guard length >= options.minimumLengthMM else { continue }
            out.append(
                (
                    Rib(
                        bodyID: owner.id, side: head.x > 0 ? .left : .right, headLPS: pts[headIndex],
                        volumeMM3: c.volumeMM3, lengthMM: length), ownerS
                ))
        }
        return out.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// Whether the label map's grid reaches `lateralMM` to the left or right of a body's centroid (perpendicular to
    /// the spine), so that a rib head there would be in view.
    public static func fieldOfViewReachesRibs(
        bodyCentroidLPS: SIMD3<Double>, curve: SpineCurve, geometry g: ImageGeometry,
        lateralMM: Double = Options().visibleLateralMM
    ) -> Bool {
        let frame = curve.frame(nearestLPS: bodyCentroidLPS)
        return [1.0, -1.0].contains { sign in
            guard let ijk = g.voxelIJK(worldLPS: bodyCentroidLPS + sign * lateralMM * frame.left) else { return false }
            return (0..<3).allSatisfy { ijk[$0] >= -0.5 && ijk[$0] <= Double(g.size[$0]) - 0.5 }
        }
    }
}

/// What the ribs say about the count of lumbar vertebrae above the sacrum.
public struct RibCount: Sendable, Hashable {
    /// Non-rib-bearing bodies between the lowest rib-bearing body and the sacrum, all of them in a field of view wide
    /// enough to show a rib head.
    public var nonRibBearingAboveSacrum: Int
    /// The lowest rib-bearing body, and on which sides its ribs were seen.
    public var lowestRibBearingID: Int32
    public var sides: Set<BodySide>

    /// The count from ribs over bodies ordered cranial → caudal (the sacrum below the last), or nil when no rib is
    /// seen, or when a body between the lowest rib-bearing one and the sacrum lies where the field of view would not
    /// show its ribs (it could bear one out of view).
    public init?(
        orderedBodies: [LabellingCandidate], ribs: [RibDetection.Rib], ribsInView: (LabellingCandidate) -> Bool
    ) {
        let bearing = Set(ribs.map(\.bodyID))
        guard let lowest = orderedBodies.lastIndex(where: { bearing.contains($0.id) }) else { return nil }
        let below = orderedBodies[(lowest + 1)...]
        guard below.allSatisfy(ribsInView) else { return nil }
        nonRibBearingAboveSacrum = below.count
        lowestRibBearingID = orderedBodies[lowest].id
        sides = Set(ribs.filter { $0.bodyID == orderedBodies[lowest].id }.map(\.side))
    }
}
