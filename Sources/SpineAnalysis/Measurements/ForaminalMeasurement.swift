import SpineImaging

/// The side of the body a paired structure lies on, in the patient's frame.
public enum BodySide: String, Sendable, Hashable, Codable, CaseIterable {
    case left, right

    /// +1 for left (LPS +x side), −1 for right.
    var sign: Double { self == .left ? 1 : -1 }
}

/// One intervertebral (neural) foramen measured on the parasagittal plane through it.
///
/// Definitions, as radiologists measure them on a sagittal slice through the foramen (Hasegawa T et al.,
/// "Lumbar foraminal stenosis: critical heights of the intervertebral discs and foramina", J Bone Joint Surg
/// Am 1995;77(1):32–38; Senoo I et al., Spine 2014;39(16):E929–E935):
/// - foraminal height: the distance between the inferior margin of the upper pedicle and the superior
///   margin of the lower pedicle, the largest such distance over the depth of the foramen;
/// - foraminal area: the cross-section of the foramen on that plane, bounded by the pedicles above and
///   below, the vertebral bodies and disc in front and the articular processes (posterior elements) behind.
///
/// The plane is parallel to the disc's local frame (`SpineFrame`: superior along the spine curve,
/// anterior), offset laterally to the middle of the upper vertebra's pedicle on that side (or, where bone
/// does not close the foramen on that plane, the nearest plane up to 4.5 mm either side, within the
/// pedicle, that it does close). Only the label
/// map is read: bone is what the class map calls vertebral body, posterior elements or sacrum, the disc is
/// any disc, and everything else (nerve root, fat, vessels, unlabelled) is the foramen's content.
public struct ForaminalMeasurement: Sendable, Hashable, Codable {
    public var side: BodySide
    /// Foraminal height [mm]: the largest craniocaudal distance, along the disc's superior axis, between bone
    /// above and bone below across the foramen.
    public var heightMM: Double
    /// Foraminal cross-sectional area on the parasagittal plane [mm²].
    public var areaMM2: Double
    /// Largest anteroposterior width of the foramen on the plane [mm] (posterior disc/body margin to the
    /// articular processes).
    public var widthMM: Double
    /// Share of the foraminal area labelled epidural fat (0…1); nil when the label map has no fat class.
    public var fatFraction: Double?
    /// Lateral offset of the plane from the disc centre [mm] (positive to the patient's left).
    public var planeOffsetMM: Double

    /// How a measurement can fail; each has a one-line reason for a finding.
    public enum Failure: Error, Sendable, Hashable {
        /// No bone behind the disc on this side (posterior elements not labelled, or outside the field of view).
        case noPedicle
        /// The plane does not meet the disc or a vertebral body at the level.
        case noDiscOnPlane
        /// The open region behind the disc reaches the edge of the search window: the outline is not closed.
        case notClosed
        /// No column of the region is bounded by bone both above and below.
        case noPedicleMargins

        public var reason: String {
            switch self {
            case .noPedicle:
                "no pedicle found behind the disc (posterior elements not labelled or outside the field of view)"
            case .noDiscOnPlane: "the parasagittal plane through the pedicle does not meet the disc"
            case .notClosed: "the foramen's outline is not closed by bone on the parasagittal plane"
            case .noPedicleMargins: "no pedicle margins above and below the foramen on the parasagittal plane"
            }
        }
    }

    /// What each instance id of the map is, for the foramen.
    public struct Tissues: Sendable {
        /// Bone that bounds the foramen: vertebral bodies, posterior elements, sacrum (or whole vertebrae).
        public var bone: Set<Int32>
        public var disc: Set<Int32>
        /// Epidural fat; empty when the map has no fat class.
        public var fat: Set<Int32>
        public init(bone: Set<Int32>, disc: Set<Int32>, fat: Set<Int32>) {
            self.bone = bone
            self.disc = disc
            self.fat = fat
        }
    }

    /// Measures the left or right foramen at one disc.
    ///
    /// - Parameters:
    ///   - frame: the disc's frame (origin at the disc centre, superior along the spine).
    ///   - discPointsLPS, posteriorPointsLPS: voxel centres of this disc and of the pedicle-capable bone
    ///     near the level [mm, LPS]; the pedicle root is looked for in a slab 0.5–5 mm behind the disc's
    ///     posterior margin, cranial to the disc centre and below the upper body's centre (+ 5 mm), where
    ///     neither the transverse process nor the articular processes reach; the plane goes through the
    ///     median lateral position of that bone.
    ///   - upperCentreMM: the distance of the upper vertebral body's centre above the disc centre along
    ///     `frame.superior` [mm]; the search window reaches 1.6 times that far up and down.
    ///   - stepMM: sampling step on the plane.
    /// - Complexity: O((window / step)²) lookups, about 60 000 at the defaults.
    public static func measure(
        side: BodySide, sampler: MaskSampler, tissues: Tissues, frame: SpineFrame, discPointsLPS: [SIMD3<Double>],
        posteriorPointsLPS: [SIMD3<Double>], upperCentreMM: Double, stepMM: Double = 0.25
    ) -> Result<ForaminalMeasurement, Failure> {
        guard !discPointsLPS.isEmpty else { return .failure(.noDiscOnPlane) }
        // Posterior margin of the disc: the 2nd percentile of its anterior coordinate.
        let discA = discPointsLPS.map { frame.local($0).y }.sorted()
        let wallA = discA[min(discA.count - 1, discA.count / 50)]
        let reach = max(upperCentreMM, 8)
        // Pedicle root: pedicle-capable bone 0.5–5 mm behind the disc margin, above the disc centre, on this side.
        var xs: [Double] = []
        for p in posteriorPointsLPS {
            let l = frame.local(p)
            let x = l.x * side.sign
            if x > 3, l.y <= wallA - 0.5, l.y >= wallA - 5, l.z >= 0, l.z <= reach + 5 { xs.append(x) }
        }
        guard xs.count >= 3 else { return .failure(.noPedicle) }
        xs.sort()
        // The plane through the pedicle's middle first; where bone does not close the foramen there (a gap
        // between the articular processes, a thick slice), planes up to 4.5 mm either side within the
        // pedicle, as a reader picks the parasagittal slice that shows the foramen best.
        let median = xs[xs.count / 2], inner = xs[xs.count / 10], outer = xs[xs.count * 9 / 10]
        var failure = Failure.notClosed
        for shift in [0, 1.5, -1.5, 3, -3, 4.5, -4.5] where shift == 0 || (inner...outer).contains(median + shift) {
            switch measure(
                side: side, sampler: sampler, tissues: tissues, frame: frame, wallA: wallA, reach: reach,
                offset: (median + shift) * side.sign, stepMM: stepMM)
            {
            case .success(let m): return .success(m)
            case .failure(let f): if shift == 0 { failure = f }
            }
        }
        return .failure(failure)
    }

    /// The foramen on the plane at lateral `offset` [mm] of the disc frame.
    static func measure(
        side: BodySide, sampler: MaskSampler, tissues: Tissues, frame: SpineFrame, wallA: Double, reach: Double,
        offset: Double, stepMM: Double
    ) -> Result<ForaminalMeasurement, Failure> {
        // Sample the plane: columns along anterior, rows along superior.
        let halfU = 1.6 * reach
        let aLo = wallA - 35, aHi = wallA + 25
        let nu = Int((2 * halfU / stepMM).rounded(.up)) + 1, na = Int(((aHi - aLo) / stepMM).rounded(.up)) + 1
        // 0 open, 1 fat (open), 2 bone, 3 disc.
        var kind = [UInt8](repeating: 0, count: nu * na)
        for r in 0..<nu {
            let u = -halfU + Double(r) * stepMM
            for c in 0..<na {
                let a = aLo + Double(c) * stepMM
                let id = sampler.id(atLPS: frame.world(SIMD3(offset, a, u)))
                guard id != 0 else { continue }
                if tissues.disc.contains(id) {
                    kind[c + na * r] = 3
                } else if tissues.bone.contains(id) {
                    kind[c + na * r] = 2
                } else if tissues.fat.contains(id) {
                    kind[c + na * r] = 1
                }
            }
        }
        // Seed: on the rows nearest the disc centre, the first open sample behind the disc.
        let r0 = Int((halfU / stepMM).rounded())
        var seed: Int? = nil
        search: for dr in [0, 1, -1, 2, -2, 4, -4, 8, -8] {
            let r = r0 + dr
            guard r >= 0, r < nu else { continue }
            var solid = false
            for c in stride(from: na - 1, through: 0, by: -1) {
                let k = kind[c + na * r]
                if k == 3 { solid = true } else if solid && k <= 1 { seed = c + na * r; break search }
            }
        }
        guard let seed else { return .failure(.noDiscOnPlane) }

        // Flood fill of the open samples, 4-connected (a diagonal gap in the bone does not leak).
        var region = [Bool](repeating: false, count: nu * na)
        region[seed] = true
        var stack = [seed]
        var count = 0, fat = 0
        var closed = true
        while let p = stack.popLast() {
            count += 1
            if kind[p] == 1 { fat += 1 }
            let c = p % na, r = p / na
            if c == 0 || r == 0 || c == na - 1 || r == nu - 1 { closed = false }
            for (dc, dr) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let cc = c + dc, rr = r + dr
                guard cc >= 0, rr >= 0, cc < na, rr < nu else { continue }
                let q = cc + na * rr
                if !region[q] && kind[q] <= 1 { region[q] = true; stack.append(q) }
            }
        }
        guard closed else { return .failure(.notClosed) }
        // Height: the longest run of the region in one column with bone just above and just below.
        var height = 0
        for c in 0..<na {
            var r = 0
            while r < nu {
                guard region[c + na * r] else { r += 1; continue }
                let start = r
                while r < nu && region[c + na * r] { r += 1 }
                if start > 0, r < nu, kind[c + na * (start - 1)] == 2, kind[c + na * r] == 2 {
                    height = max(height, r - start)
                }
            }
        }
        guard height > 0 else { return .failure(.noPedicleMargins) }
        // Width: the longest run of the region in one row.
        var width = 0
        for r in 0..<nu {
            var run = 0
            for c in 0..<na {
                if region[c + na * r] { run += 1; width = max(width, run) } else { run = 0 }
            }
        }
        return .success(
            ForaminalMeasurement(
                side: side, heightMM: Double(height) * stepMM, areaMM2: Double(count) * stepMM * stepMM,
                widthMM: Double(width) * stepMM,
                fatFraction: tissues.fat.isEmpty ? nil : Double(fat) / Double(count), planeOffsetMM: offset))
    }
}
