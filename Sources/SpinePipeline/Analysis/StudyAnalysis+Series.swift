import Foundation
import SpineAnalysis
import SpineImaging

extension StudyAnalysis {
    /// One DICOM series of the input as `report.json` lists it: how it was classified and what it was used for.
    /// No patient data: UIDs, numbers, descriptions and geometry only.
    public struct SeriesSummary: Sendable, Codable, Equatable {
        public var seriesInstanceUID: String?
        public var seriesNumber: Int?
        public var seriesDescription: String?
        public var modality: String?
        /// "sagittal", "axial", "coronal" or "projection" (a single radiograph).
        public var plane: String
        /// "T2", "T1", "STIR" or nil when neither the description nor the timing says.
        public var contrast: String?
        public var slices: Int
        public var sizeVoxels: [Int]
        public var spacingMM: [Double]
        /// "segmented", "axial stack" or "not used".
        public var use: String
        /// Why a series was not used, or how an axial stack could not be paired.
        public var reason: String?
        /// For an axial stack: the disc levels (L1-L2 …) whose centre lies within the stack, nearest first.
        public var discLevels: [String]?
        /// For an axial stack: signed distance from the nearest disc centre to the stack's middle slice, along
        /// the stack's normal [mm].
        public var discOffsetMM: Double?
    }

    /// Fills `inputs.series`, `inputs.warnings` and the notes from the DICOM series selection, pairing each
    /// axial stack with the disc levels it crosses (by disc centre position in the shared frame of reference).
    mutating func recordSeries(of input: ReadInput) {
        var notes = input.notes
        var warnings = input.warnings
        if let selection = input.selection {
            let discs = report.discs.map { ($0.level, $0.centroidLPS) }
            let frame = selection.series.instances.first?.frameOfReferenceUID
            let summaries = Self.summaries(selection, discs: image == nil ? [] : discs, frameOfReference: frame)
            inputs.series = summaries
            notes.insert(Self.seriesNote(summaries), at: 0)
        }
        warnings = warnings.filter { !$0.isEmpty }
        inputs.warnings = warnings.isEmpty ? nil : warnings
        inputs.notes = notes + warnings.map { "warning: \($0)" } + inputs.notes
    }

    /// Segments the axial stacks paired with disc levels with the axial model and grades those levels' canal on
    /// them (``AxialCanal/refine(_:stacks:sagittalLabels:classMap:segmenter:)``); a no-op without an
    /// image, a DICOM selection, a paired stack or an installed axial model, and (unless `axialModel` is named)
    /// when the label map was given rather than segmented.
    mutating func measureAxialStacks(of input: ReadInput) throws {
        for i in report.discs.indices where report.discs[i].canal != nil { report.discs[i].canal?.source = "sagittal" }
        guard image != nil, let selection = input.selection, request.axialModel != "none",
            let summaries = inputs.series, summaries.contains(where: { !($0.discLevels ?? []).isEmpty })
        else { return }
        let model: ModelRegistry.Model
        if let name = request.axialModel {
            model = try request.registry.requireModel(named: name)
        } else if request.labels != nil {
            return  // a given label map is measured as given unless an axial model is named
        } else if let installed = request.registry.models.first(where: { $0.name == AxialCanal.defaultModel }) {
            model = installed
        } else {
            inputs.notes.append("axial stacks not measured: no axial model (\(AxialCanal.defaultModel)) is installed")
            return
        }
        var stacks: [AxialCanal.Stack] = []
        for s in summaries where !(s.discLevels ?? []).isEmpty {
            guard let c = selection.all.first(where: { $0.series.seriesInstanceUID == s.seriesInstanceUID }) else {
                continue
            }
            var name = s.seriesNumber.map { "#\($0)" } ?? "series"
            if let d = s.seriesDescription?.trimmingCharacters(in: .whitespaces), !d.isEmpty { name += " \"\(d)\"" }
            do {
                let loaded = try SeriesSelection.load(c.series, in: request.input)
                stacks.append(AxialCanal.Stack(name: name, image: loaded.volume))
            } catch let e as ImagingError {
                inputs.notes.append("axial stack \(name) not measured: \(e.message)")
            }
        }
        let segmenter = ModelSegmenter(model: model, precision: request.precision, threads: request.threads)
        let result = try AxialCanal.refine(
            &report, stacks: stacks, sagittalLabels: labels, classMap: classMap, segmenter: segmenter)
        inputs.axialModel = model.name
        inputs.axialCanal = result.measurements.isEmpty ? nil : result.measurements
        axialStacks = result.segmented
        axialClassNames = model.plan.classNames
        let levels = result.measurements.map(\.level)
        if !levels.isEmpty {
            inputs.notes.append(
                "dural sac area and central canal grade at \(levels.joined(separator: ", ")) measured on the axial stacks (model \(model.name), corrected for the stack's obliquity to the canal); other levels: sagittal estimate"
            )
        }
        inputs.notes += result.notes
    }

    /// Every series of a selection as `report.json` lists it.
    /// - Parameters:
    ///   - discs: disc levels and their centres [mm, LPS] from the analysis.
    ///   - frameOfReference: the segmented series' Frame of Reference UID; stacks in another frame are not paired.
    static func summaries(
        _ selection: SeriesSelection, discs: [(String, SIMD3<Double>)], frameOfReference: String?
    ) -> [SeriesSummary] {
        // In series-number order (as a viewer lists them), then as found.
        let order = selection.all.indices.sorted {
            (selection.all[$0].series.seriesNumber ?? Int.max, $0) < (
                selection.all[$1].series.seriesNumber ?? Int.max, $1
            )
        }
        return order.map { n in
            let c = selection.all[n]
            let s = n == selection.chosen ? selection.series : c.series
            let g = s.geometry
            var summary = SeriesSummary(
                seriesInstanceUID: s.seriesInstanceUID, seriesNumber: s.seriesNumber,
                seriesDescription: s.seriesDescription, modality: c.modality, plane: c.plane.rawValue,
                contrast: c.isMR && c.contrast != .other ? c.contrast.rawValue : nil, slices: s.sliceCount,
                sizeVoxels: [g.size.x, g.size.y, g.size.z], spacingMM: [g.spacing.x, g.spacing.y, g.spacing.z],
                use: "not used")
            if n == selection.chosen {
                summary.use = "segmented"
            } else if !c.isMR || c.isRadiograph {
                summary.reason = "modality \(c.modality ?? "?") (the pipeline reads MR)"
            } else if !c.isSpine {
                summary.reason = "body part \(c.bodyPart ?? "?")"
            } else if c.plane == .axial {
                summary.use = "axial stack"
                let other = s.instances.first?.frameOfReferenceUID
                if let frameOfReference, let other, other != frameOfReference {
                    summary.reason = "another frame of reference than the segmented series: not paired with a level"
                } else if discs.isEmpty {
                    summary.reason = "no disc level found to pair with"
                } else {
                    let pairing = pair(g, with: discs)
                    summary.discLevels = pairing.levels
                    summary.discOffsetMM = (pairing.offsetMM * 10).rounded() / 10
                    if pairing.levels.isEmpty {
                        summary.reason = String(
                            format: "crosses no disc level (nearest %@, %.0f mm from the stack's middle)",
                            pairing.nearest, abs(pairing.offsetMM))
                    }
                }
            } else if c.series.sliceCount < SeriesSelection.minimumSlices {
                summary.reason = "\(c.series.sliceCount) slice\(c.series.sliceCount == 1 ? "" : "s")"
            } else if c.plane == .sagittal {
                let chosen = selection.classification
                summary.reason =
                    c.contrast > chosen.contrast
                    ? "\(chosen.contrast == .other ? "another" : chosen.contrast.rawValue) series preferred"
                    : "another sagittal series preferred"
            } else {
                summary.reason = "\(c.plane.rawValue) series (the pipeline segments a sagittal one)"
            }
            return summary
        }
    }

    /// The disc levels whose centre lies inside an axial stack (within half its thickness of the middle slice
    /// along the normal, and inside its field of view), nearest first; and the nearest level with its offset.
    /// - Parameters:
    ///   - g: the stack's geometry (slices along k).
    ///   - discs: level names and disc centres [mm, LPS].
    /// - Returns: offset [mm] of the nearest disc centre from the middle slice, signed along the stack's normal.
    static func pair(_ g: ImageGeometry, with discs: [(String, SIMD3<Double>)]) -> (
        levels: [String], nearest: String, offsetMM: Double
    ) {
        let normal = g.direction.column(2).normalized
        let middle = g.worldLPS(
            voxelIJK: SIMD3(Double(g.size.x - 1) / 2, Double(g.size.y - 1) / 2, Double(g.size.z - 1) / 2))
        let half = Double(g.size.z) * g.spacing.z / 2
        let offsets = discs.map { (name: $0.0, along: ($0.1 - middle).dot(normal), centre: $0.1) }
        let inside = offsets.filter { d in
            guard abs(d.along) <= half, let ijk = g.voxelIJK(worldLPS: d.centre) else { return false }
            return ijk.x >= -0.5 && ijk.x <= Double(g.size.x) - 0.5 && ijk.y >= -0.5 && ijk.y <= Double(g.size.y) - 0.5
        }
        guard let nearest = offsets.min(by: { abs($0.along) < abs($1.along) }) else { return ([], "none", .infinity) }
        return (inside.sorted { abs($0.along) < abs($1.along) }.map(\.name), nearest.name, nearest.along)
    }

    /// One line: which series was segmented, which axial stacks cross which level, and what was not used.
    static func seriesNote(_ summaries: [SeriesSummary]) -> String {
        func name(_ s: SeriesSummary) -> String {
            var n = s.seriesNumber.map { "#\($0)" } ?? "series"
            if let d = s.seriesDescription?.trimmingCharacters(in: .whitespaces), !d.isEmpty { n += " \"\(d)\"" }
            return n
        }
        var parts: [String] = []
        if let used = summaries.first(where: { $0.use == "segmented" }) {
            parts.append(
                "Series used: \(name(used)) (\(used.plane)\(used.contrast.map { " \($0)" } ?? ""), \(used.slices) slices) segmented"
            )
        }
        let axial = summaries.filter { $0.use == "axial stack" }
        if !axial.isEmpty {
            let list = axial.map { s in
                let levels = s.discLevels ?? []
                return name(s) + " → " + (levels.isEmpty ? "no level" : levels.joined(separator: "/"))
            }
            parts.append("axial stacks: \(list.joined(separator: ", "))")
        }
        let unused = summaries.filter { $0.use == "not used" }
        if !unused.isEmpty {
            parts.append(
                "not used: \(unused.map { "\(name($0)) (\($0.reason ?? $0.plane))" }.joined(separator: ", "))")
        }
        return parts.joined(separator: "; ") + "."
    }
}
