/// The proximal part of one rib (head, neck, tubercle and the first ≈ 45–55 mm of shaft), articulating with a
/// thoracic vertebra, in that vertebra's element frame.
///
/// Points are (a, u, s) with a anterior and u superior as in the vertebra's local frame and s the distance from
/// the midline toward the rib's side (x = s · side.sign). The rib is a sphere (the head) and three tubes along a
/// polyline: head → tubercle (the neck, running posterolaterally in front of the transverse process),
/// tubercle → angle (posterolaterally), angle → shaft end (inferolaterally, turning forward).
///
/// Dimensions, before the body-size scale: head radius 4.5 mm (the head ≈ 9–10 mm across), neck radius 3.5 mm and
/// neck ≈ 15–25 mm long (Standring S, ed., Gray's Anatomy, 41st ed., 2016, ch. 53, "Chest wall": the typical rib's
/// neck is ≈ 25 mm, shorter in the lower ribs); shaft radius 4 mm, i.e. a round stand-in for the ≈ 10–12 mm high,
/// ≈ 6 mm thick cross-section of the lower ribs' posterior shafts (Mohr M et al., "Geometry of human ribs
/// pertinent to orthopedic chest-wall reconstruction", J Biomech 2007;40(6):1310–1317), 3.6 mm for the floating
/// ribs (T11, T12, T13). Each rib is a separate bone: `SpineModel.placeRibs` shifts it laterally until nothing
/// of the column's bone or discs lies within `jointGapMM` of it (the costovertebral and costotransverse joint
/// spaces), so in a label map it is a connected component of its own.
struct RibShape: Sendable {
    /// Index of the vertebra in `SpineModel.vertebrae` and its posterior-element material.
    var vertebraIndex: Int
    var side: PhantomParameters.Side
    var material: UInt16
    /// Head centre, tubercle, angle and shaft end, (a, u, s) in the vertebra's frame [mm].
    var head: SIMD3<Double>
    var tubercle: SIMD3<Double>
    var angle: SIMD3<Double>
    var end: SIMD3<Double>
    var headRadius: Double
    var neckRadius: Double
    var shaftRadius: Double
    /// Local bounding box (a, u, s) with the radii, for culling; body-frame z extent, for binning.
    var boxMin = SIMD3<Double>(repeating: 0)
    var boxMax = SIMD3<Double>(repeating: 0)
    var zMin = 0.0
    var zMax = 0.0

    /// Smallest clearance kept between the rib and any other bone or disc [mm].
    static let jointGapMM = 2.0

    init(
        vertebraIndex: Int, side: PhantomParameters.Side, material: UInt16, head: SIMD3<Double>,
        tubercle: SIMD3<Double>, angle: SIMD3<Double>, end: SIMD3<Double>, scale: Double, floating: Bool
    ) {
        self.vertebraIndex = vertebraIndex
        self.side = side
        self.material = material
        self.head = head
        self.tubercle = tubercle
        self.angle = angle
        self.end = end
        headRadius = 4.5 * scale
        neckRadius = 3.5 * scale
        shaftRadius = (floating ? 3.6 : 4) * scale
        updateBox()
    }

    mutating func updateBox() {
        let r = max(headRadius, neckRadius, shaftRadius)
        boxMin = pointwiseMin(pointwiseMin(head, tubercle), pointwiseMin(angle, end)) - SIMD3(repeating: r)
        boxMax = pointwiseMax(pointwiseMax(head, tubercle), pointwiseMax(angle, end)) + SIMD3(repeating: r)
    }

    /// Moves the whole rib `ds` mm farther from the midline.
    mutating func shiftLaterally(_ ds: Double) {
        let d = SIMD3<Double>(0, 0, ds)
        head += d
        tubercle += d
        angle += d
        end += d
        updateBox()
    }

    /// The tubes: (start, end, radius).
    var segments: [(SIMD3<Double>, SIMD3<Double>, Double)] {
        [(head, tubercle, neckRadius), (tubercle, angle, shaftRadius), (angle, end, shaftRadius)]
    }

    /// Length of the neck and shaft modelled, along the polyline from the head centre [mm].
    var lengthMM: Double { (tubercle - head).length + (angle - tubercle).length + (end - angle).length }

    /// Whether a point (a, u, x) of the vertebra's frame lies in the rib.
    @inline(__always) func contains(a: Double, u: Double, x: Double) -> Bool {
        let s = x * side.sign
        if s < boxMin.z || s > boxMax.z || a < boxMin.x || a > boxMax.x || u < boxMin.y || u > boxMax.y {
            return false
        }
        let p = SIMD3(a, u, s)
        if (p - head).lengthSquared <= headRadius * headRadius { return true }
        return Self.inTube(p, head, tubercle, neckRadius) || Self.inTube(p, tubercle, angle, shaftRadius)
            || Self.inTube(p, angle, end, shaftRadius)
    }

    /// Whether p lies within `r` of the segment p0–p1 (a capsule).
    @inline(__always) static func inTube(_ p: SIMD3<Double>, _ p0: SIMD3<Double>, _ p1: SIMD3<Double>, _ r: Double)
        -> Bool
    {
        let d = p1 - p0, w = p - p0
        let t = min(max((w * d).sum() / (d * d).sum(), 0), 1)
        return (w - d * t).lengthSquared <= r * r
    }
}

extension SIMD3 where Scalar == Double {
    var lengthSquared: Double { (self * self).sum() }
}
