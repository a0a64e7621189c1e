import Foundation
import SpineImaging

/// Heights, depth and wedge angle of one vertebral body, on its mid-sagittal plane in the spine frame.
public struct VertebralBodyMeasurement: Sendable, Hashable, Codable {
    /// Height at the anterior margin, `marginInsetMM` inside the anterior edge [mm].
    public var anteriorHeightMM: Double
    /// Height at the middle of the body [mm].
    public var middleHeightMM: Double
    /// Height at the posterior margin, `marginInsetMM` inside the posterior edge [mm].
    public var posteriorHeightMM: Double
    /// Anteroposterior depth on the mid-sagittal plane [mm].
    public var depthMM: Double
    /// Angle between the cranial and caudal endplates [degrees]; positive when the anterior side is taller.
    public var wedgeAngleDeg: Double
    /// Sagittal tilt of the cranial endplate normal (from superior toward anterior) [degrees].
    public var cranialEndplateTiltDeg: Double
    /// Sagittal tilt of the caudal endplate normal [degrees].
    public var caudalEndplateTiltDeg: Double

    /// How far inside the anterior and posterior edges the margin heights are read [mm] (at most a
    /// quarter of the depth): clear of rounded corners and osteophytes.
    public static let marginInsetMM = 3.0

    /// Measures a body, with heights taken parallel to the frame's `superior` (the spine tangent), the
    /// way Genant's semiquantitative method reads anterior, middle and posterior heights
    /// (Genant et al., J Bone Miner Res 1993;8:1137–1148).
    ///
    /// - Parameters:
    ///   - frame: local frame, its origin at the body's centroid and `superior` along the spine.
    ///   - pointsLPS: voxel centres of the body (to bound the search).
    /// - Returns: nil when the body's mid-sagittal outline has fewer than three lines.
    public static func measure(
        sampler: MaskSampler, members: Set<Int32>, frame: SpineFrame, pointsLPS: [SIMD3<Double>]
    ) -> (VertebralBodyMeasurement, SagittalOutline)? {
        // Trace in the given frame, then re-trace in the body's own frame (superior = the bisector of its
        // endplate normals) until it settles, so a frame tilted against the body does not bias heights.
        var current = frame
        var traced: SagittalOutline? = nil
        for _ in 0..<4 {
            guard let ext = LocalExtent(points: pointsLPS, frame: current) else { return nil }
            let o = SagittalOutline.trace(
                sampler: sampler, members: members, frame: current,
                anteriorRangeMM: (ext.anterior.lowerBound - 1)...(ext.anterior.upperBound + 1),
                reachMM: max(abs(ext.superior.lowerBound), abs(ext.superior.upperBound)) + 3
            ).trimmed()
            traced = o
            guard let a = o.cranialNormalLPS, let b = o.caudalNormalLPS else { break }
            let axis = (a + b).normalized
            if acos(min(1, axis.dot(current.superior))) < 0.2 * .pi / 180 { break }
            current = SpineFrame(originLPS: frame.originLPS, superior: axis)
        }
        guard let outline = traced, outline.anteriorMM.count >= 3, let edges = outline.edgesMM,
            let ha = outline.marginHeightMM(anterior: true, insetMM: marginInsetMM),
            let hm = outline.heightMM(atAnteriorMM: (edges.lowerBound + edges.upperBound) / 2),
            let hp = outline.marginHeightMM(anterior: false, insetMM: marginInsetMM),
            let nTop = outline.cranialNormalLPS, let nBottom = outline.caudalNormalLPS
        else { return nil }
        // Wedge: angle between the endplate lines in the frame's sagittal plane.
        let sTop = outline.slope(of: outline.cranialMM) ?? 0, sBottom = outline.slope(of: outline.caudalMM) ?? 0
        let wedge = (atan(sTop) - atan(sBottom)) * 180 / .pi
        let depth = edges.upperBound - edges.lowerBound
        return (
            VertebralBodyMeasurement(
                anteriorHeightMM: ha, middleHeightMM: hm, posteriorHeightMM: hp, depthMM: depth, wedgeAngleDeg: wedge,
                cranialEndplateTiltDeg: sagittalTiltDeg(nTop), caudalEndplateTiltDeg: sagittalTiltDeg(nBottom)),
            outline
        )
    }
}

/// Heights and disc height index of one intervertebral disc.
public struct DiscMeasurement: Sendable, Hashable, Codable {
    /// Height at the anterior margin, `marginInsetMM` inside the anterior edge of the endplates [mm].
    public var anteriorHeightMM: Double
    /// Height at the AP middle of the endplates [mm].
    public var middleHeightMM: Double
    /// Height at the posterior margin, `marginInsetMM` inside the posterior edge of the endplates [mm].
    public var posteriorHeightMM: Double
    /// Anteroposterior depth on the mid-sagittal plane [mm]: of the adjacent endplates when they are
    /// known, else of the disc outline.
    public var depthMM: Double
    /// Farfan's disc height index: (anterior + posterior height) / depth
    /// (Farfan et al., J Bone Joint Surg Am 1972;54:492–510).
    public var discHeightIndex: Double
    /// Middle disc height over the middle height of the vertebral body above (nil when that body is not measured).
    public var heightToUpperBodyRatio: Double?
    /// Angle between the caudal endplate above and the cranial endplate below [degrees]; positive
    /// when the disc is taller anteriorly (lordotic).
    public var wedgeAngleDeg: Double
    /// How the disc's height axis was chosen: "endplates", "principal-axes" or "curve".
    public var axisSource: String

    /// How far inside the anterior and posterior edges the margin heights are read [mm] (at most a
    /// quarter of the depth).
    public static let marginInsetMM = 4.0

    /// Measures a disc with heights along `frame.superior`; see `discFrame` for how the axis is chosen.
    ///
    /// - Parameter endplateEdgesMM: posterior and anterior edges of the adjacent endplates along
    ///   `frame.anterior` (see `endplateEdges`); the margins and the middle are placed on them, so a
    ///   posterior bulge or a herniation does not move them. Without them, the disc outline's edges.
    public static func measure(
        sampler: MaskSampler, members: Set<Int32>, frame: SpineFrame, axisSource: String, pointsLPS: [SIMD3<Double>],
        endplateEdgesMM: ClosedRange<Double>? = nil
    ) -> (DiscMeasurement, SagittalOutline)? {
        guard let ext = LocalExtent(points: pointsLPS, frame: frame) else { return nil }
        let outline = SagittalOutline.trace(
            sampler: sampler, members: members, frame: frame,
            anteriorRangeMM: (ext.anterior.lowerBound - 1)...(ext.anterior.upperBound + 1),
            reachMM: max(abs(ext.superior.lowerBound), abs(ext.superior.upperBound)) + 3)
        // The endplates' edges, within the disc's own (a disc need not follow a slipped body).
        let own = outline.edgesMM
        let edges =
            endplateEdgesMM.flatMap { e in
                own.flatMap { o in
                    let lo = max(e.lowerBound, o.lowerBound), hi = min(e.upperBound, o.upperBound)
                    return hi > lo ? lo...hi : nil
                }
            } ?? own
        guard outline.anteriorMM.count >= 3, let edges,
            let ha = outline.marginHeightMM(anterior: true, insetMM: marginInsetMM, edgesMM: edges),
            let hm = outline.heightMM(atAnteriorMM: (edges.lowerBound + edges.upperBound) / 2),
            let hp = outline.marginHeightMM(anterior: false, insetMM: marginInsetMM, edgesMM: edges)
        else { return nil }
        let depth = edges.upperBound - edges.lowerBound
        let sTop = outline.slope(of: outline.cranialMM) ?? 0, sBottom = outline.slope(of: outline.caudalMM) ?? 0
        return (
            DiscMeasurement(
                anteriorHeightMM: ha, middleHeightMM: hm, posteriorHeightMM: hp, depthMM: depth,
                discHeightIndex: (ha + hp) / depth, heightToUpperBodyRatio: nil,
                wedgeAngleDeg: (atan(sTop) - atan(sBottom)) * 180 / .pi, axisSource: axisSource),
            outline
        )
    }

    /// Posterior and anterior edges of a disc's endplates along `frame.anterior` [mm]: the means of
    /// the edges of the caudal endplate above and the cranial endplate below, projected on the frame.
    public static func endplateEdges(
        frame: SpineFrame, upper: SagittalOutline, lower: SagittalOutline
    ) -> ClosedRange<Double>? {
        // The edges at the endplate's own level, since a body's frame is tilted against the disc's: the
        // boundary a margin inset inside each edge (the outermost lines run through rounded corners).
        func edges(_ o: SagittalOutline, _ boundary: [Double]) -> (Double, Double)? {
            guard let e = o.edgesMM else { return nil }
            let inset = min(marginInsetMM, (e.upperBound - e.lowerBound) / 4)
            func level(_ y: Double) -> Double? {
                let near = o.anteriorMM.indices.filter { abs(o.anteriorMM[$0] - y) <= 0.5 + 1e-9 }
                return near.isEmpty ? nil : near.map { boundary[$0] }.reduce(0, +) / Double(near.count)
            }
            guard let z0 = level(e.lowerBound + inset), let z1 = level(e.upperBound - inset) else { return nil }
            let p = o.frame.world(SIMD3(0, e.lowerBound, z0)), a = o.frame.world(SIMD3(0, e.upperBound, z1))
            return (frame.local(p).y, frame.local(a).y)
        }
        guard let u = edges(upper, upper.caudalMM), let l = edges(lower, lower.cranialMM) else { return nil }
        let lo = (u.0 + l.0) / 2, hi = (u.1 + l.1) / 2
        return hi > lo ? lo...hi : nil
    }

    /// The frame for measuring a disc: origin at its centroid; height axis the bisector of the adjacent
    /// endplate normals when both are known, else the disc's thinnest principal axis when the disc is
    /// clearly flat, else the spine curve's tangent.
    public static func discFrame(
        centroidLPS: SIMD3<Double>, pointsLPS: [SIMD3<Double>], curveSuperior: SIMD3<Double>?,
        upperCaudalNormal: SIMD3<Double>?, lowerCranialNormal: SIMD3<Double>?
    ) -> (SpineFrame, String) {
        if let a = upperCaudalNormal, let b = lowerCranialNormal {
            return (SpineFrame(originLPS: centroidLPS, superior: (a + b).normalized), "endplates")
        }
        let reference = curveSuperior ?? SIMD3(0, 0, 1)
        if let pca = PrincipalAxes(points: pointsLPS), pca.variances[2] < 0.5 * pca.variances[1] {
            let n = pca.axes[2]
            return (SpineFrame(originLPS: centroidLPS, superior: n.dot(reference) < 0 ? -n : n), "principal-axes")
        }
        return (SpineFrame(originLPS: centroidLPS, superior: reference), "curve")
    }
}
