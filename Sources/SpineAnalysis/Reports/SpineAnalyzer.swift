import Foundation
import SpineImaging

/// Options for `SpineAnalyzer`.
public struct AnalysisOptions: Sendable {
    public var anchor: LabellingAnchor = .automatic
    public var canalThresholds = CentralCanalGrade.Thresholds()
    /// Components smaller than this fraction of the largest of their class are dropped as fragments.
    public var fragmentFraction = 0.1
    /// Cutting vertebral-body components that reach across a segmented disc (see
    /// `ConnectedComponents.cuttingAcrossDiscs`); nil leaves the components as they are.
    public var discCutting: DiscCuttingOptions? = DiscCuttingOptions()
    public init() {}
}

/// From a label map to named levels, measurements, grades and findings.
public enum SpineAnalyzer {
    /// Analyses a label map (any integer voxel type) with its class map. The input is not changed.
    ///
    /// - Throws: `ImagingError` for a 2D or empty map, or one with no vertebra, disc or sacrum label.
    public static func analyze(labelMap: AnyVolume, classMap: ClassMap, options: AnalysisOptions = AnalysisOptions())
        throws -> AnalysisReport
    {
        try analyzeWithInstances(labelMap: labelMap, classMap: classMap, options: options).report
    }

    /// `analyze`, plus the named instances on the label map's grid, numbered as VerSe and SPINEPS do: each
    /// vertebral body its vertebra's number (L1 20 … L5 24, L6 25, T13 28), the sacrum 26, each disc 100 + the
    /// number of the vertebra above (L4-L5 123). Only what the class map labels as bodies is a vertebra here
    /// (posterior elements are one class, not split per vertebra); unnamed components are 0.
    public static func analyzeWithInstances(
        labelMap: AnyVolume, classMap: ClassMap, options: AnalysisOptions = AnalysisOptions()
    ) throws -> (report: AnalysisReport, instances: Volume<UInt8>) {
        let g = labelMap.geometry
        guard g.isValid else {
            throw ImagingError(.invalidGeometry, "label map geometry is invalid (spacing, origin or direction)")
        }
        guard g.size.x > 1, g.size.y > 1, g.size.z > 1 else {
            throw ImagingError(
                .unsupported, "label map is 2D (\(g.size.x)×\(g.size.y)×\(g.size.z)): measurements need a 3D label map")
        }
        if labelMap.dataType.isFloatingPoint, let r = labelMap.valueRange,
            r.min.rounded() != r.min || r.max.rounded() != r.max
        {
            throw ImagingError(.unsupported, "label map has fractional values: expected integer labels")
        }
        let labels = labelMap.converted(to: Int32.self)
        let stats = labels.labelStatistics()
        guard !stats.isEmpty else { throw ImagingError(.noImageData, "label map is empty (every voxel is background)") }

        var report = AnalysisReport(
            classMap: classMap.identifier,
            input: .init(
                sizeVoxels: [g.size.x, g.size.y, g.size.z], spacingMM: [g.spacing.x, g.spacing.y, g.spacing.z],
                axisCodes: g.axisCodes.description, labelValues: stats.keys.sorted()))
        let unknown = stats.keys.filter { classMap.meaning(of: $0) == nil }.sorted()
        if !unknown.isEmpty {
            report.findings.append(
                Finding(
                    "unknown-labels", .warning,
                    "label values not in class map \(classMap.identifier) were ignored: \(unknown.map(String.init).joined(separator: ", "))"
                ))
        }

        // 1. Instances: one id per vertebral body, disc, the sacrum, and the dural sac.
        var ids = [Int32](repeating: 0, count: g.voxelCount)
        var next: Int32 = 1
        var bodies: [LabellingCandidate] = []
        var discs: [LabellingCandidate] = []
        var sacrumIDs: Set<Int32> = []
        var canalIDs: Set<Int32> = []
        var volumeMM3: [Int32: Double] = [:]
        var wholeVertebrae = false

        func mask(_ label: Int) -> Volume<UInt8> {
            Volume<UInt8>(geometry: g, voxels: labels.voxels.map { $0 == Int32(label) ? 1 : 0 })
        }
        // Disc planes, to cut vertebral bodies joined across a disc.
        var discPlanes: [DiscPlane] = []
        if options.discCutting != nil {
            for label in stats.keys.sorted() where classMap.meaning(of: label) == .structure(.intervertebralDisc) {
                let cc = mask(label).removingFragments(minimumFraction: options.fragmentFraction).connectedComponents()
                let members = InstanceVoxels(cc.labels)
                for c in cc.components {
                    if let plane = DiscPlane(pointsLPS: members.pointsLPS([c.id], geometry: g)) {
                        discPlanes.append(plane)
                    }
                }
            }
        }

        func assign(label: Int, split: Bool, cutAtDiscs: Bool = false) -> [(Int32, SIMD3<Double>, Int)] {
            if split {
                let cleaned = mask(label).removingFragments(minimumFraction: options.fragmentFraction)
                var cc = cleaned.connectedComponents()
                if cutAtDiscs, let cutting = options.discCutting {
                    let before = cc.components.count
                    cc = cc.cuttingAcrossDiscs(discPlanes, options: cutting)
                    if cc.components.count > before {
                        report.findings.append(
                            Finding(
                                "bodies-cut-at-discs", .info,
                                "\(cc.components.count - before) vertebral bod\(cc.components.count - before == 1 ? "y was" : "ies were") joined to a neighbour across a segmented disc and cut apart at the disc's plane"
                            ))
                    }
                    let pieces = cc.components.count
                    cc = cc.mergingPiecesWithinDiscSpaces(discPlanes, options: cutting)
                    if cc.components.count < pieces {
                        report.findings.append(
                            Finding(
                                "body-pieces-joined", .info,
                                "\(pieces - cc.components.count) small piece\(pieces - cc.components.count == 1 ? "" : "s") of vertebral body joined to the body in the same disc space"
                            ))
                    }
                }
                var out: [(Int32, SIMD3<Double>, Int)] = []
                var map: [Int32: Int32] = [:]
                for c in cc.components {
                    map[c.id] = next
                    out.append((next, c.centroidLPS, c.voxelCount))
                    volumeMM3[next] = c.volumeMM3
                    next += 1
                }
                for p in ids.indices where cc.labels.voxels[p] != 0 { ids[p] = map[cc.labels.voxels[p]]! }
                if stats[label]!.voxelCount > cc.components.map(\.voxelCount).reduce(0, +) {
                    report.findings.append(
                        Finding("fragments-removed", .info, "small fragments of label \(label) were ignored"))
                }
                return out
            }
            let id = next
            next += 1
            for p in ids.indices where labels.voxels[p] == Int32(label) { ids[p] = id }
            let s = stats[label]!
            volumeMM3[id] = s.volumeMM3
            return [(id, s.centroidLPS, s.voxelCount)]
        }

        var positioned: [(Int, Int32, SIMD3<Double>)] = []  // SPIDER-style: (position, id, centroid)
        var positionedDiscs: [(Int, Int32, SIMD3<Double>)] = []
        for label in stats.keys.sorted() {
            guard let meaning = classMap.meaning(of: label) else { continue }
            switch meaning {
            case .structure(.vertebralBody):
                for (id, c, _) in assign(label: label, split: true, cutAtDiscs: true) {
                    bodies.append(LabellingCandidate(id: id, centroidLPS: c))
                }
            case .structure(.intervertebralDisc):
                for (id, c, _) in assign(label: label, split: true) {
                    discs.append(LabellingCandidate(id: id, centroidLPS: c))
                }
            case .structure(.sacrum), .vertebra(.s1, _):
                for (id, _, _) in assign(label: label, split: false) { sacrumIDs.insert(id) }
            case .structure(let c) where c.isInsideDuralSac:
                for (id, _, _) in assign(label: label, split: false) { canalIDs.insert(id) }
            case .vertebra(let v, let part):
                if part == .posteriorElements { continue }
                if part == .whole { wholeVertebrae = true }
                for (id, c, _) in assign(label: label, split: false) {
                    bodies.append(LabellingCandidate(id: id, centroidLPS: c, knownVertebra: v))
                }
            case .disc(let d):
                for (id, c, _) in assign(label: label, split: false) {
                    discs.append(LabellingCandidate(id: id, centroidLPS: c, knownDisc: d))
                }
            case .vertebraByPosition(let n):
                for (id, c, _) in assign(label: label, split: false) {
                    positioned.append((n, id, c)); bodies.append(LabellingCandidate(id: id, centroidLPS: c))
                }
            case .discByPosition(let n):
                for (id, c, _) in assign(label: label, split: false) {
                    positionedDiscs.append((n, id, c)); discs.append(LabellingCandidate(id: id, centroidLPS: c))
                }
            default: continue
            }
        }
        if wholeVertebrae {
            report.findings.append(
                Finding(
                    "whole-vertebra-masks", .info,
                    "vertebrae are labelled whole (body and posterior elements): body heights are traced on the mid-sagittal outline and include no processes, but depth may include the pedicles"
                ))
        }
        guard !bodies.isEmpty || !discs.isEmpty || !sacrumIDs.isEmpty else {
            throw ImagingError(
                .invalidArgument,
                "no vertebra, disc or sacrum label in the map under class map \(classMap.identifier); choose the right --classes"
            )
        }
        let instances = Volume<Int32>(geometry: g, voxels: ids)
        guard let sampler = MaskSampler(ids: instances) else {
            throw ImagingError(.invalidGeometry, "singular label map geometry")
        }
        let voxelsByID = InstanceVoxels(instances)
        let sacrumPoints = voxelsByID.pointsLPS(sacrumIDs, geometry: g)
        let sacrumCentroid =
            sacrumPoints.isEmpty ? nil : sacrumPoints.reduce(SIMD3<Double>.zero, +) / Double(sacrumPoints.count)

        // 2. Curve through the bodies (or the discs when there are no bodies).
        let curvePoints = bodies.count >= 2 ? bodies.map(\.centroidLPS) : discs.map(\.centroidLPS)
        let curve = SpineCurve(throughLPS: curvePoints)
        if curve == nil {
            report.findings.append(
                Finding(
                    "single-structure", .warning,
                    "fewer than two vertebral bodies or discs: no spine curve; heights are taken along the patient's superior axis"
                ))
        }

        // 3. Labels.
        let (namedBodies, bodyFindings) = VertebraLabeller.labelBodies(
            bodies, curve: curve, sacrumCentroidLPS: sacrumCentroid, anchor: options.anchor)
        report.findings += bodyFindings
        let (namedDiscs, discFindings) = VertebraLabeller.labelDiscs(
            discs, bodies: namedBodies, curve: curve, sacrumCentroidLPS: sacrumCentroid, anchor: options.anchor)
        report.findings += discFindings

        func superior(at p: SIMD3<Double>) -> SIMD3<Double> {
            curve.map { $0.superiorDirection(at: $0.closestParameter(toLPS: p)) } ?? SIMD3(0, 0, 1)
        }

        // 4. Bodies.
        var outlines: [Vertebra: SagittalOutline] = [:]
        var bodyMeasures: [Vertebra: VertebralBodyMeasurement] = [:]
        for b in namedBodies {
            let pts = voxelsByID.pointsLPS([b.id], geometry: g)
            let frame = SpineFrame(originLPS: b.centroidLPS, superior: superior(at: b.centroidLPS))
            var r = AnalysisReport.VertebraReport(
                label: b.vertebra.name, verseLabel: b.vertebra.verseLabel, confidence: b.confidence, cue: b.cue,
                centroidLPS: b.centroidLPS, volumeMM3: volumeMM3[b.id] ?? 0)
            if voxelsByID.touchesSagittalBorder(b.id, geometry: g) {
                report.findings.append(
                    Finding(
                        "cut-by-image-edge", .warning,
                        "\(b.vertebra.name): body cut by the edge of the image: not measured", level: b.vertebra.name))
            } else if let (m, o) = VertebralBodyMeasurement.measure(
                sampler: sampler, members: [b.id], frame: frame, pointsLPS: pts)
            {
                outlines[b.vertebra] = o
                bodyMeasures[b.vertebra] = m
                r.anteriorHeightMM = m.anteriorHeightMM
                r.middleHeightMM = m.middleHeightMM
                r.posteriorHeightMM = m.posteriorHeightMM
                r.depthMM = m.depthMM
                r.wedgeAngleDeg = m.wedgeAngleDeg
            } else {
                report.findings.append(
                    Finding(
                        "not-measured", .warning, "\(b.vertebra.name): body outline too small to measure",
                        level: b.vertebra.name))
            }
            report.vertebrae.append(r)
        }
        // Genant grades, each body against its measured neighbours (see `GenantGrade.heightReduction`).
        for n in report.vertebrae.indices {
            guard let v = Vertebra(name: report.vertebrae[n].label), let m = bodyMeasures[v] else { continue }
            let rank = v.anatomicalRank
            let above = bodyMeasures.filter { $0.key.anatomicalRank < rank }.max { $0.key < $1.key }
            let below = bodyMeasures.filter { $0.key.anatomicalRank > rank }.min { $0.key < $1.key }
            let neighbours = [above, below].compactMap { $0 }
                .filter { abs($0.key.anatomicalRank - rank) <= 2 }
                .map {
                    GenantGrade.Heights(
                        anteriorMM: $0.value.anteriorHeightMM, middleMM: $0.value.middleHeightMM,
                        posteriorMM: $0.value.posteriorHeightMM)
                }
            let red = GenantGrade.heightReduction(
                GenantGrade.Heights(
                    anteriorMM: m.anteriorHeightMM, middleMM: m.middleHeightMM, posteriorMM: m.posteriorHeightMM),
                neighbours: neighbours)
            let grade = GenantGrade(heightReduction: red)
            report.vertebrae[n].heightReduction = red
            report.vertebrae[n].genantGrade = grade.rawValue
            if grade != .normal {
                report.findings.append(
                    Finding(
                        "vertebral-height-loss", .warning,
                        "\(v.name): height reduction \(Int((red * 100).rounded())) % (Genant grade \(grade.rawValue))",
                        level: v.name))
            }
        }
        // Sacrum: trace its cranial surface under the lowest disc for the S1 endplate.
        if let sc = sacrumCentroid {
            let lowest = namedDiscs.first { $0.level.lower == .s1 }
            let upper = lowest.map { $0.level.upper } ?? namedBodies.map(\.vertebra).filter { $0 < .s1 }.max()
            let hint = curve.map { $0.superiorDirection(at: $0.closestParameter(toLPS: sc)) } ?? SIMD3(0, 0, 1)
            if let o = SagittalOutline.traceSacralEndplate(
                sampler: sampler, members: sacrumIDs, sacrumPointsLPS: sacrumPoints,
                discPointsLPS: lowest.map { voxelsByID.pointsLPS([$0.id], geometry: g) } ?? [],
                upperBody: upper.flatMap { outlines[$0] }, superiorHint: hint)
            {
                outlines[.s1] = o
            }
        }

        // 5. Discs, canal, slip.
        var discReports: [AnalysisReport.DiscReport] = []
        for d in namedDiscs {
            let pts = voxelsByID.pointsLPS([d.id], geometry: g)
            var r = AnalysisReport.DiscReport(
                level: d.level.name, verseLabel: d.level.verseLabel, confidence: d.confidence, cue: d.cue,
                centroidLPS: d.centroidLPS,
                volumeMM3: volumeMM3[d.id] ?? 0)
            let (frame, source) = DiscMeasurement.discFrame(
                centroidLPS: d.centroidLPS, pointsLPS: pts,
                curveSuperior: curve == nil ? nil : superior(at: d.centroidLPS),
                upperCaudalNormal: outlines[d.level.upper]?.caudalNormalLPS,
                lowerCranialNormal: outlines[d.level.lower]?.cranialNormalLPS)
            let edges = outlines[d.level.upper].flatMap { u in
                outlines[d.level.lower].flatMap { DiscMeasurement.endplateEdges(frame: frame, upper: u, lower: $0) }
            }
            let cut = voxelsByID.touchesSagittalBorder(d.id, geometry: g)
            if cut {
                report.findings.append(
                    Finding(
                        "cut-by-image-edge", .warning,
                        "\(d.level.name): disc cut by the edge of the image: not measured",
                        level: d.level.name))
            }
            if !cut,
                let (m, o) = DiscMeasurement.measure(
                    sampler: sampler, members: [d.id], frame: frame, axisSource: source, pointsLPS: pts,
                    endplateEdgesMM: edges)
            {
                r.anteriorHeightMM = m.anteriorHeightMM
                r.middleHeightMM = m.middleHeightMM
                r.posteriorHeightMM = m.posteriorHeightMM
                r.depthMM = m.depthMM
                r.discHeightIndex = m.discHeightIndex
                r.wedgeAngleDeg = m.wedgeAngleDeg
                r.axisSource = m.axisSource
                if let hb = bodyMeasures[d.level.upper]?.middleHeightMM, hb > 0 {
                    r.heightToUpperBodyRatio = m.middleHeightMM / hb
                }
            }
            if !canalIDs.isEmpty, let c = CanalMeasurement.measure(sampler: sampler, members: canalIDs, frame: frame) {
                let grade = CentralCanalGrade(
                    areaMM2: c.areaMM2, apDiameterMM: c.apDiameterMM, thresholds: options.canalThresholds)
                r.canal = .init(areaMM2: c.areaMM2, apDiameterMM: c.apDiameterMM, grade: grade.rawValue)
                if grade >= .moderate {
                    report.findings.append(
                        Finding(
                            "central-canal-stenosis", .warning,
                            "\(d.level.name): \(grade.rawValue) central canal stenosis (dural sac \(Int(c.areaMM2.rounded())) mm²)",
                            level: d.level.name))
                }
            }
            if let u = outlines[d.level.upper], let l = outlines[d.level.lower],
                let s = Alignment.slip(upper: u, lower: l)
            {
                let grade = MeyerdingGrade(slipPercent: s.percent)
                r.slip = .init(distanceMM: s.distanceMM, percent: s.percent, meyerdingGrade: grade.rawValue)
                if grade != .none {
                    report.findings.append(
                        Finding(
                            "spondylolisthesis", .warning,
                            "\(d.level.upper.name) on \(d.level.lower.name): \(s.distanceMM > 0 ? "antero" : "retro")listhesis \(String(format: "%.1f", abs(s.distanceMM))) mm (\(Int(abs(s.percent).rounded())) %, Meyerding \(grade.rawValue))",
                            level: d.level.name))
                }
            }
            if let a = outlines[d.level.upper]?.caudalNormalLPS, let b = outlines[d.level.lower]?.cranialNormalLPS {
                report.alignment.segmentalAnglesDeg[d.level.name] = Alignment.cobbAngleDeg(
                    cranialNormalLPS: a, caudalNormalLPS: b)
            }
            discReports.append(r)
        }
        // Disc height class against the mean index of the other discs.
        for n in discReports.indices {
            guard let dhi = discReports[n].discHeightIndex else { continue }
            let others = discReports.indices.filter { $0 != n }.compactMap { discReports[$0].discHeightIndex }
            guard !others.isEmpty else { continue }
            let cls = DiscHeightClass(discHeightIndex: dhi, referenceIndex: others.reduce(0, +) / Double(others.count))
            discReports[n].discHeightClass = cls.rawValue
        }
        report.discs = discReports

        // 6. Lordosis.
        if let l1 = outlines[.l1]?.cranialNormalLPS {
            if let s1 = outlines[.s1]?.cranialNormalLPS {
                report.alignment.lordosisL1S1Deg = Alignment.cobbAngleDeg(cranialNormalLPS: l1, caudalNormalLPS: s1)
            } else {
                report.findings.append(
                    Finding(
                        "no-s1-endplate", .info,
                        "S1 not measurable: L1–S1 lordosis not reported (L1–L5 given instead when L5 is measured)"))
            }
            if let l5 = outlines[.l5]?.caudalNormalLPS {
                report.alignment.lordosisL1L5Deg = Alignment.cobbAngleDeg(cranialNormalLPS: l1, caudalNormalLPS: l5)
            }
        }
        if namedBodies.count == 1 {
            report.findings.append(
                Finding("one-vertebra", .warning, "only one vertebral body: no curve, discs by neighbours or alignment")
            )
        }
        var verse: [Int32: UInt8] = [:]
        for b in namedBodies where (1...255).contains(b.vertebra.verseLabel) { verse[b.id] = UInt8(b.vertebra.verseLabel) }
        for d in namedDiscs where (1...255).contains(d.level.verseLabel) { verse[d.id] = UInt8(d.level.verseLabel) }
        for id in sacrumIDs { verse[id] = UInt8(Vertebra.s1.verseLabel) }
        let named = Volume<UInt8>(geometry: g, voxels: ids.map { verse[$0] ?? 0 })
        return (report, named)
    }
}
