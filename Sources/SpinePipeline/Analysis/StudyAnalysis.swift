import Foundation
import SpineAnalysis
import SpineImaging
import SpineNN

/// `spine analyze` as a library: read a study, get its label map (given, or from an installed model),
/// name, measure and grade it, and write every output (`write(into:)`).
///
/// Today no trained model ships, so an image alone fails with `.unsupported` and the label map must be
/// given (`Request.labels`, or a label map as the input itself); the model step plugs in at `segment`.
public struct StudyAnalysis: Sendable {
    /// The phases, in order, with the share of the whole run each is shown as on a progress line.
    public enum Phase: String, Sendable, Codable, CaseIterable {
        case read, segment, analyze
        /// Axial stacks paired with disc levels segmented and their dural sac measured (``AxialCanal``).
        case canal
        case write
        var span: ClosedRange<Double> {
            switch self {
            case .read: 0...0.3
            case .segment: 0.3...0.5
            case .analyze: 0.5...0.6
            case .canal: 0.6...0.7
            case .write: 0.7...1
            }
        }
    }

    /// Arithmetic precision for inference: fp32 or bf16.
    public typealias Precision = InferencePrecision

    /// What to analyse and how.
    public struct Request: Sendable {
        /// A DICOM folder/zip/file, a NIfTI or MetaImage image, or a label map.
        public var input: String
        /// A label map drawn on `input` (any grid; resampled onto the image's by nearest neighbour).
        public var labels: String?
        /// The series to use when a DICOM folder holds several (Series Instance UID, as `spine info` lists).
        public var series: String?
        /// Class map preset or JSON file; "auto" picks spinekit (values 1–11) or verse (instances).
        public var classes = "auto"
        public var model: String?
        /// A second model whose classes overrule `model`'s (``ModelSegmenter/combined(base:refiner:image:)``);
        /// "none" for none. nil: the default pair when `model` is nil.
        public var refineWith: String?
        /// The model that segments axial stacks paired with disc levels, whose dural sac then replaces the
        /// sagittal estimate (``AxialCanal``); "none" for none. nil: ``AxialCanal/defaultModel`` when installed.
        public var axialModel: String?
        public var threads: Int?
        public var precision = Precision.fp32
        public var registry = ModelRegistry.standard()
        public init(input: String) { self.input = input }
    }

    /// One input as `report.json` describes it: no patient data, only what identifies the data used.
    public struct InputDescription: Sendable, Codable {
        /// "image" or "labels".
        public var role: String
        /// The file or folder name (no parent path).
        public var name: String
        public var format: String
        public var modality: String?
        public var seriesInstanceUID: String?
        public var seriesDescription: String?
        public var sizeVoxels: [Int]
        public var spacingMM: [Double]
        public var axisCodes: String
        public var dataType: String
    }

    /// The `inputs` section of `report.json`.
    public struct Inputs: Sendable, Codable {
        public var image: InputDescription?
        public var labels: InputDescription
        /// Where the label map came from: "given" or "model NAME".
        public var labelSource: String
        /// True when the given label map was resampled onto the image's grid.
        public var labelsResampled: Bool
        /// Series found in a DICOM input, and which was used.
        public var seriesFound: Int?
        public var classMap: String
        public var threads: Int?
        public var precision: String
        public var notes: [String]
        /// Every series of a DICOM input: plane, contrast, what it was used for (segmented, axial stack paired
        /// with the disc levels it crosses, not used and why). Absent for other inputs.
        public var series: [SeriesSummary]? = nil
        /// Files of the input that could not be used and were skipped (also among `notes`). Absent when none.
        public var warnings: [String]? = nil
        /// The model that segmented the axial stacks, when one did.
        public var axialModel: String? = nil
        /// The dural sac measured on each axial stack paired with a disc level. Absent when none was.
        public var axialCanal: [AxialCanal.Measurement]? = nil
    }

    /// Time spent in one phase [ms].
    public struct PhaseTiming: Sendable, Codable {
        public var phase: String
        public var ms: Double
    }

    public var request: Request
    public internal(set) var image: AnyVolume?
    /// The label map, on the image's grid when there is an image.
    public internal(set) var labels: AnyVolume
    /// The named vertebral bodies, discs and sacrum (VerSe numbering) on the labels' grid, when the labels are
    /// classes; nil when the input was an instance map itself.
    public internal(set) var instances: Volume<UInt8>?
    public internal(set) var classMap: ClassMap
    public internal(set) var report: AnalysisReport
    public internal(set) var inputs: Inputs
    public internal(set) var timings: [PhaseTiming]
    /// The DICOM series the image came from, for `segmentation.dcm`.
    public internal(set) var dicomSource: DICOMSeries?
    /// The axial stacks measured, with their label maps (the axial model's classes), by disc level.
    public internal(set) var axialStacks: [String: (stack: AxialCanal.Stack, labels: Volume<UInt8>)] = [:]
    /// The axial model's class names (index = label value in `axialStacks`' label maps).
    public internal(set) var axialClassNames: [String] = []

    /// Reads, segments (or takes the given labels) and analyses. Calls `progress` with a phase and the
    /// fraction of the whole run done (0…1).
    /// - Throws: `ImagingError`: `.unsupported` when an image needs a model and none is installed,
    ///   `.invalidArgument` for a bad option, and the readers' and analyzer's errors.
    public init(_ request: Request, progress: (Phase, Double) -> Void = { _, _ in }) throws {
        self.request = request
        var timings: [PhaseTiming] = []
        var clock = Date()
        func lap(_ phase: Phase) {
            let now = Date()
            timings.append(PhaseTiming(phase: phase.rawValue, ms: (now.timeIntervalSince(clock) * 1e5).rounded() / 100))
            clock = now
            progress(phase, phase.span.upperBound)
        }
        if let t = request.threads, t < 1 {
            throw ImagingError(.invalidArgument, "--threads must be at least 1 (got \(t))")
        }
        var notes: [String] = []

        // 1. Read the input: an image (maybe a DICOM series) or a label map.
        progress(.read, 0)
        // A label map's grid picks the series it was drawn on when a DICOM folder holds several.
        let givenLabels = try request.labels.map { try ImageReader.readVolume(path: $0) }
        let input = try Self.readInput(request.input, series: request.series, grid: givenLabels?.0.geometry)
        var image: AnyVolume? = input.volume
        var imageDescription: InputDescription? = input.description
        var labels: AnyVolume
        var labelsDescription: InputDescription
        var labelSource = "given"
        var modelClassMap: ClassMap? = nil
        var resampled = false
        var source = input.series
        if let labelsPath = request.labels, let given = givenLabels {
            let (l, item) = given
            guard LabelMapDetection.labelValues(of: l) != nil else {
                throw ImagingError(
                    .invalidArgument,
                    "not a label map (expected non-negative integer labels, background 0, at most \(LabelMapDetection.maxDistinctValues) distinct values)",
                    file: labelsPath)
            }
            labelsDescription = Self.describe(l, role: "labels", path: labelsPath, item: item)
            // On the image's grid exactly (a no-op copy when already on it, up to the file's float precision).
            labels = try l.resampled(to: input.volume.geometry, interpolation: .nearest)
            if !Self.sameGrid(input.volume.geometry, l.geometry) {
                resampled = true
                notes.append("the label map was resampled onto the image's grid (nearest neighbour)")
            }
        } else if input.series == nil, LabelMapDetection.labelValues(of: input.volume) != nil {
            labels = input.volume
            labelsDescription = input.description
            labelsDescription.role = "labels"
            image = nil
            imageDescription = nil
            source = nil
        } else {
            // 2. Segment: an installed model, when there is one.
            let model = try request.registry.requireModel(
                named: request.model,
                noneHint: "pass --labels LABELMAP to measure an existing segmentation (see `spine models`)")
            // The refiner: named, or the default pair when no model was named.
            var refiner: ModelRegistry.Model? = nil
            if let name = request.refineWith, name != "none" {
                refiner = try request.registry.requireModel(named: name)
            } else if request.model == nil, model.name == ModelRegistry.defaultModel {
                refiner = request.registry.model(named: ModelRegistry.defaultRefiner)
            }
            lap(.read)
            progress(.segment, Phase.segment.span.lowerBound)
            let segmenter = ModelSegmenter(
                model: model, precision: request.precision, threads: request.threads)
            let frame =
                "on the image's grid (\(model.plan.network.spatialDimensions)D, patch \(model.plan.patchSize.map(String.init).joined(separator: "×")), \(model.plan.axisCodes ?? "image axes"), \(model.plan.spacingMM.map { $0.map { String(format: "%g", $0) }.joined(separator: "×") + " mm" } ?? "image spacing"))"
            if let refiner {
                let second = ModelSegmenter(model: refiner, precision: request.precision, threads: request.threads)
                labels = AnyVolume(try ModelSegmenter.combined(base: segmenter, refiner: second, image: input.volume))
                labelSource = "models \(model.name) + \(refiner.name)"
                let shared = refiner.plan.classNames.dropFirst().filter { model.plan.classNames.contains($0) }
                notes.append(
                    "segmented by model \(model.name) \(frame); \(shared.joined(separator: " and ")) decided by model \(refiner.name), trained on real MRI and more accurate there on held-out cases (see `spine models`)"
                )
            } else {
                labels = AnyVolume(try segmenter.segment(input.volume))
                labelSource = "model \(model.name)"
                notes.append("segmented by model \(model.name) \(frame)")
            }
            labelsDescription = Self.describe(labels, role: "labels", path: model.name, item: nil)
            labelsDescription.format = "model output"
            modelClassMap = segmenter.classMap
        }
        if timings.isEmpty { lap(.read) }
        lap(.segment)

        // 3. Analyse.
        progress(.analyze, Phase.analyze.span.lowerBound)
        let values = LabelMapDetection.labelValues(of: labels) ?? []
        let classMap =
            try modelClassMap.flatMap { request.classes == "auto" ? $0 : nil }
            ?? Self.classMap(request.classes, values: values)
        let (report, instances) = try SpineAnalyzer.analyzeWithInstances(labelMap: labels, classMap: classMap)
        lap(.analyze)

        self.image = image
        self.labels = labels
        // Named instances beside a class label map (an instance map given as input is already that).
        self.instances = classMap.name == ClassMap.verse.name ? nil : instances
        self.classMap = classMap
        self.report = report
        self.dicomSource = source
        self.timings = timings
        self.inputs = Inputs(
            image: imageDescription, labels: labelsDescription, labelSource: labelSource, labelsResampled: resampled,
            seriesFound: input.seriesFound, classMap: classMap.identifier, threads: request.threads,
            precision: request.precision.rawValue, notes: notes)
        recordSeries(of: input)
        progress(.canal, Phase.canal.span.lowerBound)
        try measureAxialStacks(of: input)
        timings.append(
            PhaseTiming(phase: Phase.canal.rawValue, ms: (Date().timeIntervalSince(clock) * 1e5).rounded() / 100))
        self.timings = timings
        progress(.canal, Phase.canal.span.upperBound)
    }

    // MARK: Inputs

    struct ReadInput {
        var volume: AnyVolume
        var description: InputDescription
        var series: DICOMSeries?
        var seriesFound: Int?
        /// How the DICOM series was chosen among the others, when the input was DICOM.
        var selection: SeriesSelection? = nil
        var notes: [String] = []
        var warnings: [String] = []
    }

    /// Reads the input; DICOM (a folder, zip or file) through `SeriesSelection`, so the series is chosen by
    /// plane, modality and contrast, and kept for the SEG.
    /// - Throws: `ImagingError` naming `path`: `.noImageData` when a folder holds no DICOM image; `.unsupported`
    ///   for a study the MRI pipeline cannot segment (no MR, no spine, no sagittal series, a single slice).
    static func readInput(_ path: String, series wanted: String?, grid: ImageGeometry?) throws -> ReadInput {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImagingError(.fileNotFound, "no such file or folder", file: path)
        }
        let format = isDir.boolValue ? ImageFormat.dicom : try ImageReader.detectFormat(path: path)
        if format == .dicom {
            let selection: SeriesSelection
            var seriesFound = 1
            if isDir.boolValue || ZipArchive.looksLikeZip(head(of: path)) {
                let scan = try DICOMStudyScanner.scan(path: path)
                guard !scan.series.isEmpty else {
                    var why = "no DICOM images found"
                    if scan.otherFiles > 0 {
                        let names = scan.otherFileNames.prefix(3).map { ($0 as NSString).lastPathComponent }
                        why +=
                            " (\(scan.otherFiles) other file(s) skipped: \(names.joined(separator: ", "))\(scan.otherFiles > 3 ? ", …" : ""))"
                    }
                    if let first = scan.unreadable.first {
                        why += " (\(scan.unreadable.count) unreadable; first: \(first))"
                    }
                    throw ImagingError(.noImageData, why, file: path)
                }
                seriesFound = scan.series.count
                selection = try SeriesSelection(
                    series: scan.series, in: path, unreadable: scan.unreadable, otherFiles: scan.otherFileNames,
                    wanted: wanted, grid: grid)
            } else {
                let instance = try DICOMInstance.read(.file(path))
                selection = try SeriesSelection(
                    series: DICOMSeriesAssembler.assemble([instance]), in: path, wanted: wanted, grid: grid)
            }
            let chosen = selection.series
            var d = describe(selection.volume, role: "image", path: path, item: nil)
            d.format = ImageFormat.dicom.rawValue
            d.modality = chosen.modality
            d.seriesInstanceUID = chosen.seriesInstanceUID
            d.seriesDescription = chosen.seriesDescription
            return ReadInput(
                volume: selection.volume, description: d, series: chosen, seriesFound: seriesFound,
                selection: selection, notes: selection.notes, warnings: selection.warnings)
        }
        let (volume, item) = try ImageReader.readVolume(path: path, series: wanted)
        let g = volume.geometry
        if min(g.size.x, g.size.y, g.size.z) == 1, LabelMapDetection.labelValues(of: volume) == nil {
            throw ImagingError(
                .unsupported,
                "only one slice (\(g.size.x)×\(g.size.y)×\(g.size.z) voxels): segmenting and measuring a spine needs a stack of at least \(SeriesSelection.minimumSlices) slices",
                file: path)
        }
        return ReadInput(
            volume: volume, description: describe(volume, role: "image", path: path, item: item),
            notes: item.warnings.map { "\(item.identifier): \($0)" })
    }

    /// The first bytes of a file (empty when it cannot be read).
    static func head(of path: String, count: Int = 4) -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? h.close() }
        return [UInt8]((try? h.read(upToCount: count)) ?? Data())
    }

    static func describe(_ v: AnyVolume, role: String, path: String, item: ImageItem?) -> InputDescription {
        let g = v.geometry
        return InputDescription(
            role: role, name: (path as NSString).lastPathComponent, format: item?.format.rawValue ?? "unknown",
            modality: item?.modality, seriesInstanceUID: item?.format == .dicom ? item?.identifier : nil,
            seriesDescription: item?.description, sizeVoxels: [g.size.x, g.size.y, g.size.z],
            spacingMM: [g.spacing.x, g.spacing.y, g.spacing.z], axisCodes: g.axisCodes.description,
            dataType: v.dataType.rawValue)
    }

    /// Same size, and corners within 1% of a voxel.
    static func sameGrid(_ a: ImageGeometry, _ b: ImageGeometry) -> Bool {
        guard a.size == b.size else { return false }
        let shift = zip(a.cornersLPS, b.cornersLPS).map { ($0 - $1).length }.max() ?? .infinity
        return shift < 0.01 * min(a.spacing.x, a.spacing.y, a.spacing.z) + 1e-6
    }

    /// The class map: a preset or file, or "auto" from the label values present.
    static func classMap(_ name: String, values: Set<Int>) throws -> ClassMap {
        guard name == "auto" else { return try ClassMap.resolve(name) }
        let present = values.subtracting([0])
        if present.allSatisfy({ (1...11).contains($0) }) { return .spineKit }
        if present.allSatisfy({ ClassMap.verse.meaning(of: $0) != nil }) { return .verse }
        throw ImagingError(
            .invalidArgument,
            "cannot tell which convention the label values \(present.sorted().prefix(12).map(String.init).joined(separator: ", ")) follow; pass --classes (\(ClassMap.presets.map(\.name).joined(separator: ", ")) or a JSON file)"
        )
    }
}
