import Foundation
import SpineImaging

/// The series of a DICOM study that `spine analyze` segments, chosen and loaded, with every other series
/// classified and every file that could not be used named.
///
/// Choice, in order: the series asked for (`--series`); else among MR series of the spine with at least
/// `minimumSlices` slices, one on the given label map's grid; else the sagittal one of the preferred contrast
/// (T2, then T1, then STIR, then unknown), then the most slices, then the most voxels, then the lowest series
/// number. Everything else is refused with one line that says what was found and why it cannot be used:
/// no MR series (CT, a radiograph), no spine series, no sagittal series, too few slices.
struct SeriesSelection: Sendable {
    /// Fewest slices a series to segment may have: one slice (a localizer, a single image) has no third dimension.
    static let minimumSlices = 3
    /// At most this share of a series' files may be skipped as corrupt before the series is refused.
    static let maximumSkippedShare = 0.25

    /// Every series found, classified; `chosen` indexes it.
    var all: [SeriesClassification]
    var chosen: Int
    /// The chosen series as loaded: without the objects that failed to decode, if any did.
    var series: DICOMSeries
    var volume: AnyVolume
    /// Plain-language notes for `report.json` and the HTML page.
    var notes: [String] = []
    /// Files that could not be used (unreadable, not DICOM though named so, pixel data that fails to decode).
    var warnings: [String] = []

    var classification: SeriesClassification { all[chosen] }

    /// Classifies `series`, chooses one and loads it.
    /// - Parameters:
    ///   - path: the input as the user named it (for messages).
    ///   - unreadable: one line per object that looked like DICOM but could not be read.
    ///   - otherFiles: names of files that are not DICOM.
    ///   - wanted: a Series Instance UID (`DICOMSeries.identifier`) the user asked for.
    ///   - grid: the geometry of a label map drawn on one of the series.
    /// - Throws: `ImagingError` with `file: path`: `.invalidArgument` for an unknown `wanted`; `.unsupported` when
    ///   no series can be segmented (the message says what was found); the decoder's error when the chosen series
    ///   fails to load beyond the skippable share.
    init(
        series found: [DICOMSeries], in path: String, unreadable: [String] = [], otherFiles: [String] = [],
        wanted: String? = nil, grid: ImageGeometry? = nil
    ) throws {
        precondition(!found.isEmpty, "SeriesSelection needs at least one series")
        let all = found.map(SeriesClassification.init)
        let (index, choiceNotes) = try Self.choose(all, in: path, wanted: wanted, grid: grid)
        var warnings: [String] = []
        for line in unreadable.prefix(5) { warnings.append("skipped an unreadable file: \(line)") }
        if unreadable.count > 5 { warnings.append("skipped \(unreadable.count - 5) more unreadable file(s)") }
        let dicomLike = otherFiles.filter(Self.hasDICOMName)
        for name in dicomLike.prefix(5) {
            warnings.append("skipped \(name): not a DICOM file (no DICM marker or header)")
        }
        if dicomLike.count > 5 {
            warnings.append("skipped \(dicomLike.count - 5) more non-DICOM file(s) named as DICOM")
        }
        var notes = choiceNotes
        let others = otherFiles.count - dicomLike.count
        if others > 0 {
            let names = otherFiles.filter { !Self.hasDICOMName($0) }.prefix(3).map {
                ($0 as NSString).lastPathComponent
            }
            notes.append(
                "\(others) non-DICOM file(s) ignored (\(names.joined(separator: ", "))\(others > 3 ? ", …" : ""))")
        }
        let loaded = try Self.load(all[index].series, in: path)
        warnings += loaded.skipped.map { "skipped a slice that does not decode: \($0)" }
        notes += loaded.series.warnings.map {
            "series \(all[index].series.seriesNumber.map { "#\($0)" } ?? "used"): \($0)"
        }
        self.all = all
        self.chosen = index
        self.series = loaded.series
        self.volume = loaded.volume
        self.notes = notes
        self.warnings = warnings
    }

    /// `.dcm`, `.dicom`, `.ima` or no extension at all (`IM00001`): a file meant to be DICOM.
    static func hasDICOMName(_ name: String) -> Bool {
        let ext = ((name as NSString).lastPathComponent as NSString).pathExtension.lowercased()
        return ["dcm", "dicom", "ima", ""].contains(ext)
    }

    /// The index of the series to segment and notes on the choice, or a one-line refusal.
    static func choose(
        _ all: [SeriesClassification], in path: String, wanted: String?, grid: ImageGeometry?
    ) throws -> (Int, [String]) {
        if let wanted {
            guard let i = all.firstIndex(where: { $0.series.identifier == wanted }) else {
                throw ImagingError(
                    .invalidArgument,
                    "no series \(wanted) here; found: \(all.map(\.series.identifier).joined(separator: ", "))",
                    file: path)
            }
            let c = all[i]
            try refuseIfNotMR(c, among: all, in: path)
            try refuseIfTooFewSlices(c, in: path)
            var notes: [String] = []
            if c.plane != .sagittal { notes.append("the \(c.plane.rawValue) series given with --series is segmented") }
            return (i, notes)
        }
        let mr = all.indices.filter { all[$0].isMR && !all[$0].isRadiograph }
        guard !mr.isEmpty else {
            try refuseIfNotMR(all[0], among: all, in: path)
            preconditionFailure("refuseIfNotMR throws for a series that is not MR")
        }
        let spine = mr.filter { all[$0].isSpine }
        guard !spine.isEmpty else {
            let parts = Set(mr.compactMap { all[$0].bodyPart }).sorted().joined(separator: ", ")
            throw ImagingError(
                .unsupported,
                "no spine series: the MR series here are of \(parts) (\(describe(mr.map { all[$0] }))); `spine analyze` segments a sagittal lumbar spine MR series",
                file: path)
        }
        let enough = spine.filter { all[$0].series.sliceCount >= minimumSlices }
        func best(_ candidates: [Int]) -> Int? {
            candidates.min { a, b in
                let x = all[a], y = all[b]
                if x.contrast != y.contrast { return x.contrast < y.contrast }
                if x.series.sliceCount != y.series.sliceCount { return x.series.sliceCount > y.series.sliceCount }
                if x.series.geometry.voxelCount != y.series.geometry.voxelCount {
                    return x.series.geometry.voxelCount > y.series.geometry.voxelCount
                }
                return (x.series.seriesNumber ?? Int.max) < (y.series.seriesNumber ?? Int.max)
            }
        }
        // A label map's grid names the series it was drawn on.
        if let grid, let i = best(enough.filter { StudyAnalysis.sameGrid(all[$0].series.geometry, grid) }) {
            var notes: [String] = []
            if all[i].plane != .sagittal {
                notes.append("the label map lies on a \(all[i].plane.rawValue) series, which is segmented")
            }
            return (i, notes)
        }
        let sagittal = enough.filter { all[$0].plane == .sagittal }
        if let i = best(sagittal) {
            var notes: [String] = []
            if all[i].obliquityDeg > 20 {
                notes.append(
                    "the sagittal series is oblique: \(String(format: "%.0f", all[i].obliquityDeg))° from the true sagittal plane"
                )
            }
            return (i, notes)
        }
        if let thin = spine.filter({ all[$0].plane == .sagittal }).first ?? spine.first,
            all[thin].series.sliceCount < minimumSlices
        {
            try refuseIfTooFewSlices(all[thin], in: path)
        }
        throw ImagingError(
            .unsupported,
            "no sagittal MR series: found \(describe(spine.map { all[$0] })); `spine analyze` segments a sagittal series (name another with --series to override)",
            file: path)
    }

    static func refuseIfNotMR(_ c: SeriesClassification, among all: [SeriesClassification], in path: String) throws {
        guard !c.isMR || c.isRadiograph else { return }
        if c.isRadiograph {
            throw ImagingError(
                .unsupported,
                "a radiograph (\(c.summary)), not an MRI: `spine analyze` segments a sagittal lumbar MR series",
                file: path)
        }
        throw ImagingError(
            .unsupported,
            "wrong modality \(c.modality ?? "?") for the MRI pipeline: found \(describe(all)); `spine analyze` segments a sagittal lumbar MR series",
            file: path)
    }

    static func refuseIfTooFewSlices(_ c: SeriesClassification, in path: String) throws {
        guard c.series.sliceCount < minimumSlices else { return }
        throw ImagingError(
            .unsupported,
            "only \(c.series.sliceCount) slice\(c.series.sliceCount == 1 ? "" : "s") in the \(c.summary): segmenting and measuring a spine needs a stack of at least \(minimumSlices) slices",
            file: path)
    }

    /// "1 CT series (axial, 20 slices, "CT Body 3.0")", up to three series, then "and N more".
    static func describe(_ list: [SeriesClassification]) -> String {
        var parts = list.prefix(3).map(\.summary)
        if list.count > 3 { parts.append("and \(list.count - 3) more") }
        return parts.joined(separator: "; ")
    }

    /// Loads a series; an object whose pixel data fails to decode is left out (and named) and the rest
    /// re-assembled, up to `maximumSkippedShare` of the objects.
    static func load(_ series: DICOMSeries, in path: String) throws -> (
        volume: AnyVolume, series: DICOMSeries, skipped: [String]
    ) {
        var current = series
        var skipped: [String] = []
        let allowed = Int(Double(series.instances.count) * maximumSkippedShare)
        while true {
            do {
                return (try current.loadVolume(), current, skipped)
            } catch let e as ImagingError {
                let files = current.instances.map(\.source.description)
                guard let bad = e.file, files.contains(bad), skipped.count < allowed else { throw e.inFile(path) }
                skipped.append(e.description)
                let rest = current.instances.filter { $0.source.description != bad }
                guard let next = DICOMSeriesAssembler.assemble(rest).max(by: { $0.sliceCount < $1.sliceCount }),
                    next.sliceCount >= minimumSlices
                else { throw e.inFile(path) }
                current = next
            }
        }
    }
}
