import Foundation
import SpineAnalysis
import SpineImaging
import SpineNN

/// The dural sac measured where it is imaged best: on the axial stacks angled through the disc levels.
///
/// A sagittal stack's 3–4.5 mm slices blur the sac's sides, so its area read off a sagittal label map is an
/// estimate. An axial stack shows the sac's cross-section at 0.5–0.8 mm. For each stack paired with a disc
/// level, an axial model segments the stack; the sac (its classes inside the dural sac, ``StructureClass/
/// isInsideDuralSac``) is measured on each slice and interpolated to the disc's mid-plane; and the area and AP
/// diameter, measured on the stack's plane, are multiplied by the cosine of the angle between the stack's normal
/// and the canal's direction (the principal axis of the sagittal label map's sac near the level), since the
/// stenosis thresholds (Hamanishi et al., Spine 1994: < 100 mm² relative, < 75 mm² absolute; Schizas et al.,
/// Spine 2010) are for the section perpendicular to the canal.
///
/// `spine analyze` (``StudyAnalysis``) and `spine evaluate --task phantom` both grade through ``refine(_:stacks:
/// sagittalLabels:classMap:segmenter:)``.
public enum AxialCanal {
    /// The axial model used when none is named.
    public static let defaultModel = "lumbar-axial-canal"

    /// An axial stack that may be paired with a disc level.
    public struct Stack: Sendable {
        /// What `report.json` calls it: series number and description, or a file name; no patient data.
        public var name: String
        public var image: AnyVolume
        public init(name: String, image: AnyVolume) {
            self.name = name
            self.image = image
        }
    }

    /// One level's dural sac on its axial stack.
    public struct Measurement: Sendable, Codable, Equatable {
        /// "L4-L5".
        public var level: String
        public var stack: String
        /// Dural sac area perpendicular to the canal [mm²]: `planeAreaMM2 · cos(obliquityDeg)`.
        public var areaMM2: Double
        /// Dural sac AP diameter perpendicular to the canal [mm].
        public var apDiameterMM: Double
        /// The area on the stack's plane, interpolated to the disc's mid-plane [mm²].
        public var planeAreaMM2: Double
        /// Angle between the stack's normal and the canal's direction [degrees]; nil when the sagittal label map
        /// shows no sac near the level (no correction then).
        public var obliquityDeg: Double?
        /// Signed distance of the disc centre from the stack's middle slice, along its normal [mm].
        public var discOffsetMM: Double
        /// Slices (0-based) the figure was interpolated from.
        public var slices: [Int]
        /// Centre of the sac on the measured slice(s) [mm, LPS].
        public var centroidLPS: SIMD3<Double>
    }

    /// What ``refine(_:stacks:sagittalLabels:classMap:segmenter:)`` measured.
    public struct Result: Sendable {
        public var measurements: [Measurement]
        /// Each measured stack with its label map (the axial model's classes), by level.
        public var segmented: [String: (stack: Stack, labels: Volume<UInt8>)]
        /// One line per stack that could not be measured, and why.
        public var notes: [String]
    }

    /// Pairs each stack with the disc level it crosses (``StudyAnalysis/pair(_:with:)``, the level nearest its
    /// middle; one stack per level, the nearest), segments it, measures the sac and replaces that level's canal
    /// figures and grade in `report`; every other level with a canal keeps its sagittal figure, marked so.
    /// Grades with the thresholds the report was graded with (`report.grading`; the defaults when it has none).
    /// - Throws: the segmenter's errors (a model folder that does not load).
    public static func refine(
        _ report: inout AnalysisReport, stacks: [Stack], sagittalLabels: AnyVolume, classMap: ClassMap,
        segmenter: ModelSegmenter
    ) throws -> Result {
        let thresholds = report.grading?.centralCanal ?? .init()
        for i in report.discs.indices where report.discs[i].canal != nil { report.discs[i].canal?.source = "sagittal" }
        let discs = report.discs.map { ($0.level, $0.centroidLPS) }
        var best: [String: (stack: Stack, offset: Double)] = [:]
        var notes: [String] = []
        for s in stacks {
            let pairing = StudyAnalysis.pair(s.image.geometry, with: discs)
            guard let level = pairing.levels.first else {
                notes.append("axial stack \(s.name): crosses no disc level")
                continue
            }
            if let other = best[level], abs(other.offset) <= abs(pairing.offsetMM) { continue }
            best[level] = (s, pairing.offsetMM)
        }
        let sagittalSac = sacPoints(sagittalLabels, classMap: classMap)
        let axialSac = Set(
            (1..<segmenter.model.plan.classNames.count).filter {
                if case .structure(let c) = LabelMeaning(name: segmenter.model.plan.classNames[$0]) {
                    return c.isInsideDuralSac
                }
                return false
            })
        guard !axialSac.isEmpty else {
            throw ImagingError(
                .invalidArgument, "model \(segmenter.model.name) has no dural sac class (spinal_canal, cauda_equina)")
        }
        var measurements: [Measurement] = []
        var segmented: [String: (stack: Stack, labels: Volume<UInt8>)] = [:]
        for level in best.keys.sorted() {
            let stack = best[level]!.stack
            guard let disc = report.discs.first(where: { $0.level == level }) else { continue }
            // The canal's neighbourhood only (the model sees a 128² window; the rest of a 200 mm field is muscle and
            // fat), z-scored with the whole stack's statistics as in training.
            let (image, intensity) = canalRegion(of: stack.image, discCentreLPS: disc.centroidLPS)
            var local = segmenter
            local.model.plan.intensity = intensity
            let probabilities = try local.probabilities(image)
            let labels = argmax(probabilities, geometry: image.geometry)
            segmented[level] = (Stack(name: stack.name, image: image), labels)
            guard
                let m = measure(
                    labels: labels, probabilities: probabilities, sacClasses: axialSac, discCentreLPS: disc.centroidLPS,
                    sagittalSac: sagittalSac)
            else {
                notes.append("axial stack \(stack.name) (\(level)): no dural sac found; the sagittal estimate is kept")
                continue
            }
            var measured = m
            measured.level = level
            measured.stack = stack.name
            measurements.append(measured)
        }
        apply(measurements, to: &report, thresholds: thresholds)
        return Result(measurements: measurements, segmented: segmented, notes: notes)
    }

    /// Replaces each measured level's canal figures and grade (and its stenosis finding).
    static func apply(
        _ measurements: [Measurement], to report: inout AnalysisReport, thresholds: CentralCanalGrade.Thresholds
    ) {
        for m in measurements {
            guard let i = report.discs.firstIndex(where: { $0.level == m.level }) else { continue }
            let grade = CentralCanalGrade(areaMM2: m.areaMM2, apDiameterMM: m.apDiameterMM, thresholds: thresholds)
            var canal = AnalysisReport.CanalReport(
                areaMM2: m.areaMM2, apDiameterMM: m.apDiameterMM, grade: grade.rawValue)
            canal.source = "axial"
            canal.series = m.stack
            canal.sagittalAreaMM2 = report.discs[i].canal?.areaMM2
            canal.obliquityDeg = m.obliquityDeg
            report.discs[i].canal = canal
            report.findings.removeAll { $0.code == "central-canal-stenosis" && $0.level == m.level }
            if grade >= .moderate {
                report.findings.append(
                    Finding(
                        "central-canal-stenosis", .warning,
                        "\(m.level): \(grade.rawValue) central canal stenosis (dural sac \(Int(m.areaMM2.rounded())) mm² on the axial stack)",
                        level: m.level))
            }
        }
    }

    /// The part of an axial stack around the canal behind a disc: every slice, `halfMM` either side of the point
    /// `posteriorMM` behind the disc centre (within the stack); and the whole stack's mean and standard deviation.
    static func canalRegion(
        of image: AnyVolume, discCentreLPS c: SIMD3<Double>, posteriorMM: Double = 20, halfMM: Double = 48
    ) -> (AnyVolume, ModelPlan.IntensityNormalization) {
        let voxels = image.converted(to: Float.self).voxels
        let count = Double(max(voxels.count, 1))
        let mean = voxels.reduce(0.0) { $0 + Double($1) } / count
        let variance = voxels.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
        let intensity = ModelPlan.IntensityNormalization(
            mean: Float(mean), standardDeviation: Float(variance.squareRoot()))
        let g = image.geometry
        let n = g.direction.column(2).normalized
        var back = SIMD3<Double>(0, 1, 0) - n * n.y
        back = back.length > 0.3 ? back.normalized : .zero
        guard let centre = g.voxelIJK(worldLPS: c + back * posteriorMM) else { return (image, intensity) }
        let hi = Int((halfMM / g.spacing.x).rounded()), hj = Int((halfMM / g.spacing.y).rounded())
        let i0 = max(Int(centre.x.rounded()) - hi, 0), i1 = min(Int(centre.x.rounded()) + hi + 1, g.size.x)
        let j0 = max(Int(centre.y.rounded()) - hj, 0), j1 = min(Int(centre.y.rounded()) + hj + 1, g.size.y)
        guard i1 - i0 >= 16, j1 - j0 >= 16 else { return (image, intensity) }
        let box = VoxelBox(lower: SIMD3(i0, j0, 0), upper: SIMD3(i1, j1, g.size.z))
        return (image.cropped(to: box), intensity)
    }

    /// Arg-max of per-class probabilities on `geometry`.
    static func argmax(_ p: [[Float]], geometry: ImageGeometry) -> Volume<UInt8> {
        var labels = Volume<UInt8>(geometry: geometry)
        for v in labels.voxels.indices {
            var best = 0
            var top = p[0][v]
            for c in 1..<p.count where p[c][v] > top { (top, best) = (p[c][v], c) }
            labels.voxels[v] = UInt8(best)
        }
        return labels
    }

    /// World positions [mm, LPS] of the sagittal label map's dural sac voxels.
    static func sacPoints(_ labels: AnyVolume, classMap: ClassMap) -> [SIMD3<Double>] {
        let values = LabelMapDetection.labelValues(of: labels) ?? []
        let sac = Set(
            values.filter {
                if case .structure(let c) = classMap.meaning(of: $0) { return c.isInsideDuralSac }
                return false
            })
        guard !sac.isEmpty else { return [] }
        let l = labels.converted(to: Int32.self)
        let g = l.geometry
        var points: [SIMD3<Double>] = []
        for k in 0..<g.size.z {
            for j in 0..<g.size.y {
                for i in 0..<g.size.x where sac.contains(Int(l.voxels[g.linearIndex(i, j, k)])) {
                    points.append(g.worldLPS(voxelIJK: SIMD3(Double(i), Double(j), Double(k))))
                }
            }
        }
        return points
    }

    /// The canal's direction near `point`: the principal axis of the sac points within `radiusMM` (a tube much
    /// longer than wide there); nil with fewer than 50 points.
    static func canalDirection(near point: SIMD3<Double>, sac: [SIMD3<Double>], radiusMM: Double = 20)
        -> SIMD3<Double>?
    {
        let near = sac.filter { ($0 - point).length <= radiusMM }
        guard near.count >= 50 else { return nil }
        let mean = near.reduce(SIMD3<Double>.zero, +) / Double(near.count)
        var c = [[Double]](repeating: [0, 0, 0], count: 3)
        for p in near {
            let d = p - mean
            for a in 0..<3 { for b in 0..<3 { c[a][b] += d[a] * d[b] } }
        }
        // Power iteration: the largest eigenvalue's eigenvector.
        var v = SIMD3<Double>(0, 0.3, 1).normalized
        for _ in 0..<100 {
            let w = SIMD3(
                c[0][0] * v.x + c[0][1] * v.y + c[0][2] * v.z, c[1][0] * v.x + c[1][1] * v.y + c[1][2] * v.z,
                c[2][0] * v.x + c[2][1] * v.y + c[2][2] * v.z)
            guard w.length > 0 else { return nil }
            v = w.normalized
        }
        return v
    }

    /// The sac on each slice (the largest connected sac region within 60 mm of the disc centre's projection),
    /// interpolated linearly to the disc's mid-plane (the plane through the disc centre parallel to the slices),
    /// then corrected for obliquity.
    static func measure(
        labels: Volume<UInt8>, probabilities p: [[Float]], sacClasses: Set<Int>, discCentreLPS c: SIMD3<Double>,
        sagittalSac: [SIMD3<Double>]
    ) -> Measurement? {
        let g = labels.geometry
        let n = g.direction.column(2).normalized
        let ei = g.direction.column(0).normalized, ej = g.direction.column(1).normalized
        // In-plane anterior (patient −P) on the slices.
        let anterior = SIMD3<Double>(0, -1, 0) - n * (-n.y)
        guard anterior.length > 0.3 else { return nil }
        let a = anterior.normalized
        let pixelMM2 = g.spacing.x * g.spacing.y
        let plane = g.size.x * g.size.y
        struct SliceFigure {
            var slice: Int
            var offsetMM: Double
            var areaMM2: Double
            var apMM: Double
            var centroid: SIMD3<Double>
        }
        var figures: [SliceFigure] = []
        for k in 0..<g.size.z {
            let base = k * plane
            // The sac's 8-connected regions on this slice (18-connectivity on a one-slice volume); the largest whose
            // centre is within 60 mm of the disc centre's projection.
            let slice = labels.cropped(to: VoxelBox(lower: SIMD3(0, 0, k), upper: SIMD3(g.size.x, g.size.y, k + 1)))
            let regions = slice.connectedComponents(
                connectivity: .facesAndEdges, sameComponent: { _, _ in true },
                isForeground: { sacClasses.contains(Int($0)) })
            var largest: Component?
            for r in regions.components {
                let inPlane = (r.centroidLPS - c) - n * (r.centroidLPS - c).dot(n)
                if inPlane.length <= 60, r.voxelCount > (largest?.voxelCount ?? 0) { largest = r }
            }
            guard let largest else { continue }
            let region = regions.labels.voxels
            let bestRegion = largest.id
            // Soft area: the sac probability summed over the region and the pixels around it.
            var area = 0.0
            var minA = Double.infinity, maxA = -Double.infinity
            for q in 0..<plane {
                let x = q % g.size.x, y = q / g.size.x
                var inRegion = region[q] == bestRegion
                let inside = inRegion
                if !inRegion {
                    for dy in -1...1 where !inRegion {
                        for dx in -1...1 {
                            let xx = x + dx, yy = y + dy
                            if xx >= 0, yy >= 0, xx < g.size.x, yy < g.size.y, region[xx + yy * g.size.x] == bestRegion
                            {
                                inRegion = true
                                break
                            }
                        }
                    }
                }
                guard inRegion else { continue }
                var ps = 0.0
                for s in sacClasses { ps += Double(p[s][base + q]) }
                area += ps * pixelMM2
                if inside {
                    let t = g.worldLPS(voxelIJK: SIMD3(Double(x), Double(y), Double(k))).dot(a)
                    minA = min(minA, t)
                    maxA = max(maxA, t)
                }
            }
            // One pixel's extent along the anterior direction, as CanalMeasurement adds one step.
            let pixelAlong = abs(ei.dot(a)) * g.spacing.x + abs(ej.dot(a)) * g.spacing.y
            figures.append(
                SliceFigure(
                    slice: k, offsetMM: (g.worldLPS(voxelIJK: SIMD3(0, 0, Double(k))) - c).dot(n), areaMM2: area,
                    apMM: maxA - minA + pixelAlong, centroid: largest.centroidLPS))
        }
        guard !figures.isEmpty else { return nil }
        // Interpolate to offset 0 (the disc's mid-plane) between the slices either side, else the nearest slice.
        let below = figures.filter { $0.offsetMM <= 0 }.max { $0.offsetMM < $1.offsetMM }
        let above = figures.filter { $0.offsetMM > 0 }.min { $0.offsetMM < $1.offsetMM }
        var area: Double, ap: Double, centre: SIMD3<Double>, used: [Int]
        if let b = below, let u = above, u.offsetMM - b.offsetMM <= 1.5 * g.spacing.z {
            let t = -b.offsetMM / (u.offsetMM - b.offsetMM)
            area = b.areaMM2 + t * (u.areaMM2 - b.areaMM2)
            ap = b.apMM + t * (u.apMM - b.apMM)
            centre = b.centroid + t * (u.centroid - b.centroid)
            used = [b.slice, u.slice]
        } else {
            let f = figures.min { abs($0.offsetMM) < abs($1.offsetMM) }!
            (area, ap, centre, used) = (f.areaMM2, f.apMM, f.centroid, [f.slice])
        }
        let middle = g.worldLPS(
            voxelIJK: SIMD3(Double(g.size.x - 1) / 2, Double(g.size.y - 1) / 2, Double(g.size.z - 1) / 2))
        var m = Measurement(
            level: "", stack: "", areaMM2: area, apDiameterMM: ap, planeAreaMM2: area, obliquityDeg: nil,
            discOffsetMM: (c - middle).dot(n), slices: used, centroidLPS: centre)
        if let t = canalDirection(near: centre, sac: sagittalSac) {
            let cosine = min(abs(t.dot(n)), 1)
            m.obliquityDeg = acos(cosine) * 180 / .pi
            m.areaMM2 = area * cosine
            m.apDiameterMM = ap * cosine
        }
        return m
    }
}
