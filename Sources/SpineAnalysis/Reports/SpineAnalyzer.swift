import SpineImaging

/// Options for `SpineAnalyzer`.
public struct AnalysisOptions: Sendable {
    public var anchor: LabellingAnchor = .automatic
    public var canalThresholds = CentralCanalGrade.Thresholds()
    public var foraminalThresholds = ForaminalGrade.Thresholds()
    /// Coronal Cobb angle above which scoliosis is reported [degrees] (the usual 10° definition, e.g. the
    /// Scoliosis Research Society's).
    public var scoliosisCobbDeg = 10.0
    /// Components smaller than this fraction of the largest of their class are dropped as fragments, unless
    /// `fragmentNeighbours` keeps them.
    public var fragmentFraction = 0.1
    /// Keeps a component below `fragmentFraction` that holds at least 30 % of a kept neighbour of its class
    /// (`ConnectedComponents.NeighbourRule`): on a whole-spine map a cervical body holds about 5 % of a lumbar
    /// body's voxels, but most of the next body's. nil: the fraction alone decides.
    public var fragmentNeighbours: ConnectedComponents.NeighbourRule? = .init()
    /// Cutting vertebral-body components that reach across a segmented disc (see
    /// `ConnectedComponents.cuttingAcrossDiscs`); nil leaves the components as they are.
    public var discCutting: DiscCuttingOptions? = DiscCuttingOptions()
    public init() {}
}

/// From a label map to named levels, measurements, grades and findings.
public enum SpineAnalyzer {
    /// A rudimentary disc above the sacrum: the mean of its anterior and posterior heights below
    /// `rudimentaryRatio` (0.6, a SpineKit convention) of the largest such mean among the other lumbar discs
    /// (the largest, not the median, so that degenerate discs above do not hide it).
    ///
    /// A lumbosacral transitional vertebra (sacralised L5, Castellvi types II–IV: Castellvi AE et al., Spine
    /// 1984;9(5):493–496) keeps only a rudimentary, thin and little-lordotic disc with the sacrum; a collapsed
    /// degenerate disc looks the same in a label map, so the finding names both. The levels are not renamed:
    /// they count from the sacrum, and only a count from C2 (or the iliolumbar ligament, the ribs) can tell
    /// a sacralised L5 (four free lumbar vertebrae) from a normal L5 over a degenerate disc.
    ///
    /// The transverse processes of the vertebra over the sacrum, where the field of view shows them, settle what the
    /// disc alone cannot: enlarged ones (`TransverseProcessCue.isEnlarged`: Castellvi type I, ≥ 19 mm, or half again
    /// as tall as those of the two vertebrae above) make the vertebra transitional even over a disc of normal height;
    /// normal-sized ones over a rudimentary disc make it a collapsed disc (an info finding, not an anomaly).
    static func transitionalVertebraFinding(
        _ discs: [AnalysisReport.DiscReport], transverseProcesses tp: TransverseProcessCue? = nil,
        rudimentaryRatio: Double = 0.6
    ) -> Finding? {
        let m = lumbosacralMargins(discs)
        let rudimentary =
            m.map { m in
                m.discsAbove >= 2 && (m.largestAboveMM ?? 0) > 0 && m.heightMM < rudimentaryRatio * m.largestAboveMM!
            } ?? false
        let upperName = m.flatMap { DiscLevel(name: $0.disc.level)?.upper.name } ?? tp?.vertebra.name ?? "L5"
        let tpText = tp.map { " \($0.description)" } ?? ""
        switch (rudimentary, tp.map { $0.isEnlarged ? true : $0.isNormal ? false : nil } ?? nil) {
        case (true, false?):
            let m = m!
            return Finding(
                "collapsed-lumbosacral-disc", .info,
                "\(m.disc.level) disc is rudimentary (\(String(format: "%.1f", m.heightMM)) mm at its margins) but\(tpText): a collapsed disc rather than a transitional vertebra",
                level: m.disc.level)
        case (true, _):
            let m = m!
            return Finding(
                "possible-transitional-vertebra", .warning,
                "\(m.disc.level) disc is rudimentary (\(String(format: "%.1f", m.heightMM)) mm at its margins, \(Int((100 * m.heightMM / m.largestAboveMM!).rounded())) % of the largest lumbar disc above)\(tp == nil ? "" : " and\(tpText)"): a lumbosacral transitional vertebra (sacralised \(upperName)) or a collapsed disc; levels are counted from the sacrum and were not renumbered: confirm the count from C2",
                level: m.disc.level)
        case (false, true?):
            return Finding(
                "possible-transitional-vertebra", .warning,
                "\(tp!.vertebra.name):\(tpText): a lumbosacral transitional vertebra (Castellvi type I or more, sacralised \(upperName)); levels are counted from the sacrum and were not renumbered: confirm the count from C2",
                level: m?.disc.level ?? tp!.vertebra.name)
        default: return nil
        }
    }

    /// The transverse processes of the vertebra over the sacrum against those of the two vertebrae above.
    struct TransverseProcessCue: CustomStringConvertible {
        var vertebra: Vertebra
        /// The taller side's height near the tip [mm].
        var heightMM: Double
        /// The tallest of the two vertebrae above [mm], when measured.
        var referenceMM: Double?
        /// Whether a process of the vertebra was measured whole (not cut by the image edge): only then can a small
        /// height say "normal" (a process cut by the edge may show only a sliver of its tip).
        var complete: Bool

        /// Castellvi type I (≥ 19 mm), or at least 1.5 times the processes above (the same measurement on the same
        /// image, so a size ratio survives where the tip zone cuts the process short).
        var isEnlarged: Bool {
            heightMM >= TransverseProcess.castellviTypeIHeightMM || referenceMM.map { heightMM >= 1.5 * $0 } == true
        }

        /// Measured whole and not enlarged.
        var isNormal: Bool { complete && !isEnlarged }

        var description: String {
            let h = String(format: "%.1f", heightMM)
            let ref = referenceMM.map { String(format: " against %.1f mm above", $0) } ?? ""
            if isEnlarged { return "its transverse process is enlarged (\(h) mm craniocaudal near the tip\(ref))" }
            return complete
                ? "its transverse processes are of normal size (\(h) mm craniocaudal near the tip\(ref))"
                : "its transverse processes run off the image (\(h) mm seen\(ref))"
        }
    }

    /// The disc above the sacrum with its mean margin height (mean of the anterior and posterior heights) [mm], and
    /// the largest mean margin height of the other lumbar discs with how many of them are measured; nil when the
    /// lumbosacral disc is not there or not measured.
    public static func lumbosacralMargins(_ discs: [AnalysisReport.DiscReport])
        -> (disc: AnalysisReport.DiscReport, heightMM: Double, largestAboveMM: Double?, discsAbove: Int)?
    {
        func margins(_ d: AnalysisReport.DiscReport) -> Double? {
            guard let a = d.anteriorHeightMM, let p = d.posteriorHeightMM else { return nil }
            return (a + p) / 2
        }
        guard let lowest = discs.first(where: { DiscLevel(name: $0.level)?.lower == .s1 }), let h = margins(lowest)
        else { return nil }
        let above = discs.filter {
            guard let l = DiscLevel(name: $0.level) else { return false }
            return l.upper.region == .lumbar && l.lower != .s1
        }.compactMap(margins)
        return (lowest, h, above.max(), above.count)
    }

    /// Analyses a label map (any integer voxel type) with its class map. The input is not changed.
    ///
    /// - Throws: `ImagingError` for a 2D or empty map, or one with no vertebra, disc or sacrum label.
    public static func analyze(labelMap: AnyVolume, classMap: ClassMap, options: AnalysisOptions = AnalysisOptions())
        throws -> AnalysisReport
    {
        try run(labelMap: labelMap, classMap: classMap, options: options, withInstances: false).report
    }

    /// `analyze`, plus the named instances on the label map's grid, numbered as VerSe and SPINEPS do: each
    /// vertebra its number (L1 20 … L5 24, L6 25, T13 28), the sacrum 26, each disc 100 + the number of the
    /// vertebra above (L4-L5 123). A vertebra is its body plus the posterior elements in its slab along the
    /// spine (``Volume/assigningArches(in:bodies:)``); unnamed components, and posterior elements beyond the
    /// first and last named body, are 0.
    public static func analyzeWithInstances(
        labelMap: AnyVolume, classMap: ClassMap, options: AnalysisOptions = AnalysisOptions()
    ) throws -> (report: AnalysisReport, instances: Volume<UInt8>) {
        let (report, named) = try run(labelMap: labelMap, classMap: classMap, options: options, withInstances: true)
        return (report, named!)
    }

    /// The analysis; the instance volume (a pass over the whole grid) only when `withInstances`.
    static func run(labelMap: AnyVolume, classMap: ClassMap, options: AnalysisOptions, withInstances: Bool) throws -> (
        report: AnalysisReport, instances: Volume<UInt8>?
    ) {
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
        report.grading = .init(centralCanal: options.canalThresholds, foraminal: options.foraminalThresholds)
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
        var posteriorIDs: Set<Int32> = []
        var fatIDs: Set<Int32> = []
        var volumeMM3: [Int32: Double] = [:]
        var wholeVertebrae = false

        func mask(_ label: Int) -> Volume<UInt8> {
            Volume<UInt8>(geometry: g, voxels: labels.voxels.map { $0 == Int32(label) ? 1 : 0 })
        }
        func components(_ label: Int) -> ConnectedComponents {
            mask(label).connectedComponents().removingFragments(
                minimumFraction: options.fragmentFraction, neighbours: options.fragmentNeighbours)
        }
        // Disc planes, to cut vertebral bodies joined across a disc (their components are kept for `assign`).
        var discPlanes: [DiscPlane] = []
        var discComponents: [Int: ConnectedComponents] = [:]
        if options.discCutting != nil {
            for label in stats.keys.sorted() where classMap.meaning(of: label) == .structure(.intervertebralDisc) {
                let cc = components(label)
                discComponents[label] = cc
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
                var cc = discComponents[label] ?? components(label)
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
            case .structure(.posteriorElements):
                for (id, _, _) in assign(label: label, split: false) { posteriorIDs.insert(id) }
            case .structure(.epiduralFat):
                for (id, _, _) in assign(label: label, split: false) { fatIDs.insert(id) }
            case .vertebra(let v, let part):
                if part == .posteriorElements {
                    for (id, _, _) in assign(label: label, split: false) { posteriorIDs.insert(id) }
                    continue
                }
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

        func superior(at p: SIMD3<Double>) -> SIMD3<Double> {
            curve.map { $0.superiorDirection(at: $0.closestParameter(toLPS: p)) } ?? SIMD3(0, 0, 1)
        }

        // 3. Body outlines (names do not change them), then labels: the outlines' disc wedges find the
        // thoracolumbar junction, which tells an L6 over the sacrum from an L5.
        // Each body's points and border test are worked out once here and used again in step 4.
        var measured: [Int32: (VertebralBodyMeasurement, SagittalOutline)] = [:]
        var bodyPoints: [Int32: [SIMD3<Double>]] = [:]
        var cutBySagittalEdge: Set<Int32> = []
        for b in bodies {
            let pts = voxelsByID.pointsLPS([b.id], geometry: g)
            bodyPoints[b.id] = pts
            if voxelsByID.touchesSagittalBorder(b.id, geometry: g) {
                cutBySagittalEdge.insert(b.id)
                continue
            }
            let frame = SpineFrame(originLPS: b.centroidLPS, superior: superior(at: b.centroidLPS))
            measured[b.id] = VertebralBodyMeasurement.measure(
                sampler: sampler, members: [b.id], frame: frame, pointsLPS: pts)
        }
        // Ids are dense (1..<next): which voxels are posterior elements, from a table rather than a Set per voxel;
        // used by the rib search and by the whole-vertebra instances.
        let isPosterior: [Bool] = {
            guard !posteriorIDs.isEmpty else { return [] }
            var table = [Bool](repeating: false, count: Int(next))
            for id in posteriorIDs { table[Int(id)] = true }
            return ids.map { table[Int($0)] }
        }()
        var lumbarTypeCount: Int? = nil
        var ribCount: RibCount? = nil
        var axisID: Int32? = nil
        var ribsSeen: [RibDetection.Rib] = []
        if sacrumCentroid != nil, bodies.allSatisfy({ $0.knownVertebra == nil }) {
            let ordered = VertebraLabeller.sortCranialToCaudal(bodies, curve: curve)
            let angles = zip(ordered, ordered.dropFirst()).map { u, l -> Double? in
                guard let a = measured[u.id]?.1.caudalNormalLPS, let b = measured[l.id]?.1.cranialNormalLPS else {
                    return nil
                }
                return Alignment.cobbAngleDeg(cranialNormalLPS: a, caudalNormalLPS: b)
            }
            lumbarTypeCount = ThoracolumbarJunction.lumbarTypeCount(discAnglesDeg: angles)
            // A whole-spine view: the most cranial body is C2 when it carries the dens.
            func extentAlongSpine(_ b: LabellingCandidate) -> Double {
                let up = superior(at: b.centroidLPS)
                let h = (bodyPoints[b.id] ?? []).map { (($0 - b.centroidLPS) * up).sum() }.sorted()
                guard h.count >= 10 else { return 0 }
                return h[h.count * 98 / 100] - h[h.count * 2 / 100]
            }
            // (Only where the bodies could reach from C2 to the sacrum: a lumbar view's long top body is not C2.)
            if ordered.count >= ColumnCount.fewestPresacralBodies,
                ColumnCount.looksLikeAxis(
                    extentMM: extentAlongSpine(ordered[0]), nextExtentsMM: ordered[1...3].map(extentAlongSpine))
            {
                axisID = ordered[0].id
            }
            // Ribs: posterior-element components apart from every vertebra's own, beside a body.
            if !posteriorIDs.isEmpty, let curve {
                let posterior = Volume<UInt8>(geometry: g, voxels: isPosterior.map { $0 ? 1 : 0 })
                let ribs = RibDetection.ribs(
                    posterior: posterior, instances: instances, bodies: bodies, sacrumIDs: sacrumIDs, curve: curve)
                ribCount = RibCount(orderedBodies: ordered, ribs: ribs) {
                    RibDetection.fieldOfViewReachesRibs(bodyCentroidLPS: $0.centroidLPS, curve: curve, geometry: g)
                }
                ribsSeen = ribs
            }
        }
        let (namedBodies, bodyFindings) = VertebraLabeller.labelBodies(
            bodies, curve: curve, sacrumCentroidLPS: sacrumCentroid, anchor: options.anchor,
            lumbarTypeCount: lumbarTypeCount, ribCount: ribCount, axisID: axisID)
        if !ribsSeen.isEmpty {
            let name = Dictionary(namedBodies.map { ($0.id, $0.vertebra) }) { a, _ in a }
            let bySide = Dictionary(grouping: ribsSeen, by: \.bodyID).sorted {
                (name[$0.key] ?? .s1) < (name[$1.key] ?? .s1)
            }
            let list = bySide.map { id, r in
                "\(name[id]?.name ?? "?") (\(Set(r.map(\.side.rawValue)).sorted().joined(separator: ", ")))"
            }
            report.findings.append(
                Finding(
                    "ribs-seen", .info,
                    "ribs beside \(list.joined(separator: ", "))\(ribCount.map { ": \($0.nonRibBearingAboveSacrum) bodies without ribs above the sacrum" } ?? ": the field of view does not show whether the bodies below bear ribs")"
                ))
        }
        report.findings += bodyFindings
        let (namedDiscs, discFindings) = VertebraLabeller.labelDiscs(
            discs, bodies: namedBodies, curve: curve, sacrumCentroidLPS: sacrumCentroid, anchor: options.anchor)
        report.findings += discFindings

        // 4. Bodies.
        var outlines: [Vertebra: SagittalOutline] = [:]
        var bodyMeasures: [Vertebra: VertebralBodyMeasurement] = [:]
        for b in namedBodies {
            let pts = bodyPoints[b.id] ?? voxelsByID.pointsLPS([b.id], geometry: g)
            var r = AnalysisReport.VertebraReport(
                label: b.vertebra.name, verseLabel: b.vertebra.verseLabel, confidence: b.confidence, cue: b.cue,
                centroidLPS: b.centroidLPS, volumeMM3: volumeMM3[b.id] ?? 0)
            if cutBySagittalEdge.contains(b.id) {
                report.findings.append(
                    Finding(
                        "cut-by-image-edge", .warning,
                        "\(b.vertebra.name): body cut by the edge of the image: not measured", level: b.vertebra.name))
            } else if let (m, o) = measured[b.id] {
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
            if !voxelsByID.touchesLateralBorder(b.id, geometry: g) {
                r.coronalTiltDeg = Alignment.coronalTiltDeg(pointsLPS: pts)
            }
            report.vertebrae.append(r)
        }
        // Coronal Cobb angle from the bodies whose coronal tilt the map shows.
        let tilts = report.vertebrae.compactMap { r in
            r.coronalTiltDeg.flatMap { t in Vertebra(name: r.label).map { ($0, t) } }
        }.sorted { $0.0 < $1.0 }
        if let c = Alignment.coronalCobb(tiltsDeg: tilts) {
            report.alignment.coronalCobb = .init(
                angleDeg: c.angleDeg, upperEndVertebra: c.upper.name, lowerEndVertebra: c.lower.name,
                measuredVertebrae: tilts.count)
            if c.angleDeg > options.scoliosisCobbDeg {
                report.findings.append(
                    Finding(
                        "scoliosis", .warning,
                        "coronal Cobb angle \(String(format: "%.1f", c.angleDeg))° from \(c.upper.name) to \(c.lower.name): scoliosis (> \(Int(options.scoliosisCobbDeg))°)",
                        level: "\(c.upper.name)-\(c.lower.name)"))
            }
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
            let hint = superior(at: sc)
            if let o = SagittalOutline.traceSacralEndplate(
                sampler: sampler, members: sacrumIDs, sacrumPointsLPS: sacrumPoints,
                discPointsLPS: lowest.map { voxelsByID.pointsLPS([$0.id], geometry: g) } ?? [],
                upperBody: upper.flatMap { outlines[$0] }, superiorHint: hint)
            {
                outlines[.s1] = o
            }
        }

        // 5. Discs, canal, foramina, slip.
        var discReports: [AnalysisReport.DiscReport] = []
        // Foramina need bone behind the discs that can form pedicles: the posterior elements, or whole vertebrae.
        let bodyIDs = Set(bodies.map(\.id))
        let pedicleIDs = !posteriorIDs.isEmpty ? posteriorIDs : wholeVertebrae ? bodyIDs : []
        let tissues = ForaminalMeasurement.Tissues(
            bone: bodyIDs.union(posteriorIDs).union(sacrumIDs), disc: Set(discs.map(\.id)),
            fat: fatIDs)
        let pediclePoints = pedicleIDs.isEmpty ? [] : voxelsByID.pointsLPS(pedicleIDs, geometry: g)
        var foramina: [(disc: Int, ForaminalMeasurement)] = []
        var foraminalFailures: [String: [String]] = [:]
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
                let (m, _) = DiscMeasurement.measure(
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
            if !pedicleIDs.isEmpty && !cut {
                let upperCentre = namedBodies.first { $0.vertebra == d.level.upper }.map {
                    frame.local($0.centroidLPS).z
                }
                for side in BodySide.allCases {
                    switch ForaminalMeasurement.measure(
                        side: side, sampler: sampler, tissues: tissues, frame: frame, discPointsLPS: pts,
                        posteriorPointsLPS: pediclePoints, upperCentreMM: upperCentre ?? 20)
                    {
                    case .success(let m): foramina.append((discReports.count, m))
                    case .failure(let f): foraminalFailures[f.reason, default: []].append("\(d.level.name) \(side)")
                    }
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
        // Foraminal grades. Fat counts only when the map labels fat inside some foramen: a map whose fat class
        // stops at the canal (or a model that never labels foraminal fat) would otherwise read as obliterated.
        let fatInForamina = foramina.contains { ($0.1.fatFraction ?? 0) > 0 }
        if !fatIDs.isEmpty && !foramina.isEmpty && !fatInForamina {
            report.findings.append(
                Finding(
                    "foraminal-fat-not-labelled", .info,
                    "no epidural fat labelled inside any foramen: foraminal grades use height and area only"))
        }
        for (n, m) in foramina {
            var m = m
            if !fatInForamina { m.fatFraction = nil }
            let grade = ForaminalGrade(
                heightMM: m.heightMM, areaMM2: m.areaMM2, fatFraction: m.fatFraction,
                thresholds: options.foraminalThresholds)
            let r = AnalysisReport.ForamenReport(
                heightMM: m.heightMM, areaMM2: m.areaMM2, widthMM: m.widthMM, fatFraction: m.fatFraction,
                grade: grade.rawValue, planeOffsetMM: m.planeOffsetMM)
            var f = discReports[n].foraminal ?? AnalysisReport.ForaminalReport()
            if m.side == .left { f.left = r } else { f.right = r }
            discReports[n].foraminal = f
            if grade >= .moderate {
                let level = discReports[n].level
                report.findings.append(
                    Finding(
                        "foraminal-stenosis", .warning,
                        "\(level) \(m.side): foraminal stenosis grade \(grade.rawValue) (Lee proxy; height \(String(format: "%.1f", m.heightMM)) mm, area \(Int(m.areaMM2.rounded())) mm²)",
                        level: level))
            }
        }
        if pedicleIDs.isEmpty && !namedDiscs.isEmpty {
            report.findings.append(
                Finding(
                    "foramina-not-measured", .info,
                    "no posterior elements in the label map: foraminal height and area not measured"))
        }
        for (reason, where_) in foraminalFailures.sorted(by: { $0.key < $1.key }) {
            report.findings.append(
                Finding(
                    "foramen-not-measured", .info,
                    "foramen not measured at \(where_.joined(separator: ", ")): \(reason)"))
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
        // Transverse processes of the vertebra over the sacrum and the two above it.
        var tpCue: TransverseProcessCue? = nil
        if sacrumCentroid != nil, !posteriorIDs.isEmpty, curve != nil {
            let posteriorPoints = voxelsByID.pointsLPS(posteriorIDs, geometry: g)
            let column = namedBodies.sorted { $0.vertebra < $1.vertebra }
            var heights: [Vertebra: Double] = [:]
            var complete: [Vertebra: Bool] = [:]
            for (k, b) in column.enumerated().suffix(3) where b.vertebra.region == .lumbar {
                let frame = SpineFrame(originLPS: b.centroidLPS, superior: superior(at: b.centroidLPS))
                let pts = (bodyPoints[b.id] ?? []).map(frame.local).filter { abs($0.z) < 5 }
                guard let halfWidth = pts.map({ abs($0.x) }).max() else { continue }
                let gaps = [k > 0 ? column[k - 1] : nil, k + 1 < column.count ? column[k + 1] : nil]
                    .compactMap { $0.map { abs(frame.local($0.centroidLPS).z) } }
                let half = (gaps.min() ?? 36) / 2
                let m = TransverseProcess.measure(
                    posteriorPointsLPS: posteriorPoints, frame: frame, bodyHalfWidthMM: halfWidth,
                    superiorRangeMM: -half...half, geometry: g)
                if let n = report.vertebrae.firstIndex(where: { $0.label == b.vertebra.name }), !m.isEmpty {
                    report.vertebrae[n].transverseProcesses = m
                }
                if let h = m.map(\.heightMM).max() { heights[b.vertebra] = h }
                complete[b.vertebra] = m.contains { !$0.cutByImageEdge }
            }
            if let lowest = column.last, lowest.vertebra.region == .lumbar, let h = heights[lowest.vertebra] {
                tpCue = TransverseProcessCue(
                    vertebra: lowest.vertebra, heightMM: h,
                    referenceMM: heights.filter { $0.key != lowest.vertebra }.values.max(),
                    complete: complete[lowest.vertebra] ?? false)
            }
        }
        if let f = transitionalVertebraFinding(discReports, transverseProcesses: tpCue) { report.findings.append(f) }

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
        guard withInstances else { return (report, nil) }
        // Ids are dense (1..<next): a table, not a dictionary lookup per voxel.
        var verse = [UInt8](repeating: 0, count: Int(next))
        for b in namedBodies where (1...255).contains(b.vertebra.verseLabel) {
            verse[Int(b.id)] = UInt8(b.vertebra.verseLabel)
        }
        for d in namedDiscs where (1...255).contains(d.level.verseLabel) {
            verse[Int(d.id)] = UInt8(d.level.verseLabel)
        }
        for id in sacrumIDs { verse[Int(id)] = UInt8(Vertebra.s1.verseLabel) }
        let named = Volume<UInt8>(geometry: g, voxels: ids.map { verse[Int($0)] })
        guard !posteriorIDs.isEmpty else { return (report, named) }
        // Each arch joins its body (VerSe/SPINEPS whole-vertebra labels).
        let chain = namedBodies.map { (vertebra: $0.vertebra, centroidLPS: $0.centroidLPS) }
        return (report, named.assigningArches(in: isPosterior, bodies: chain))
    }
}
