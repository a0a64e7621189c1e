import Foundation
import SpineAnalysis
import SpineImaging

extension StudyAnalysis {
    /// Names of the files `write(into:)` can write.
    public enum OutputFile {
        public static let report = "report.json"
        public static let measurements = "measurements.csv"
        public static let html = "report.html"
        public static let segmentation = "segmentation.nii.gz"
        public static let instances = "instances.nii.gz"
        public static let dicomSegmentation = "segmentation.dcm"
    }

    /// Writes every output into `folder` (which must exist; make it a temporary folder and rename it for an
    /// atomic result): `report.json`, `measurements.csv`, `report.html`, the label map as
    /// `segmentation.nii.gz` (classes) and `instances.nii.gz` (named vertebrae with their arches, discs and the
    /// sacrum, VerSe numbering), or only `instances.nii.gz` when the input was an instance map, on the input's
    /// grid, and
    /// `segmentation.dcm` when the image was a DICOM series and the labels are SpineKit classes.
    /// - Returns: the names of the files written.
    @discardableResult
    public mutating func write(into folder: URL, progress: (Phase, Double) -> Void = { _, _ in }) throws -> [String] {
        let started = Date()
        var written: [String] = []
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let span = Phase.write.span
        func step(_ k: Double) { progress(.write, span.lowerBound + (span.upperBound - span.lowerBound) * k / 5) }
        step(0)

        try Data(report.csv().utf8).write(to: folder.appendingPathComponent(OutputFile.measurements))
        written.append(OutputFile.measurements)
        step(1)

        let isInstances = classMap.name == ClassMap.verse.name
        let labelFile = isInstances ? OutputFile.instances : OutputFile.segmentation
        try NIfTI.write(labels, to: path(labelFile))
        written.append(labelFile)
        if !isInstances, let instances {
            try NIfTI.write(AnyVolume(instances), to: path(OutputFile.instances))
            written.append(OutputFile.instances)
        }
        step(2)

        // UInt8 labels for the overlays and the SEG, when the values fit.
        let byteLabels: Volume<UInt8>? = labels.valueRange.flatMap { r in
            r.min >= 0 && r.max <= 255 ? labels.converted(to: UInt8.self) : nil
        }
        let overlayable = classMap.name == ClassMap.spineKit.name || isInstances
        var html = HTMLReport(
            report: report, image: image ?? labels, labels: overlayable ? byteLabels : nil,
            labelKind: isInstances ? .instances : .classes)
        if !isInstances {
            for (level, measured) in axialStacks {
                html.axialStacks[level] = (
                    measured.stack.image, Self.spineKitClasses(measured.labels, names: axialClassNames)
                )
            }
        }
        html.notes = aboutLines()
        if image == nil { html.notes.append("No image was given: the pictures show the label map itself.") }
        try html.write(to: path(OutputFile.html))
        written.append(OutputFile.html)
        step(3)

        var notes = inputs.notes
        if let source = dicomSource {
            if classMap.name == ClassMap.spineKit.name, let byteLabels {
                let present = Set(byteLabels.voxels)
                let segments = StructureClass.segmentDescriptions().filter { present.contains($0.labelValue) }
                var options = DICOMSegmentationWriter.Options()
                options.seriesDescription = "SpineKit segmentation"
                try DICOMSegmentationWriter.write(
                    labels: byteLabels, source: source, segments: segments, to: path(OutputFile.dicomSegmentation),
                    options: options)
                written.append(OutputFile.dicomSegmentation)
            } else {
                notes.append(
                    "segmentation.dcm not written: only SpineKit class label maps are coded as DICOM SEG so far")
            }
        }
        step(4)

        timings.append(
            PhaseTiming(phase: Phase.write.rawValue, ms: (Date().timeIntervalSince(started) * 1e5).rounded() / 100))
        inputs.notes = notes
        try reportJSON().write(to: folder.appendingPathComponent(OutputFile.report))
        written.append(OutputFile.report)
        progress(.write, 1)
        return written
    }

    /// `report.json`: the analysis report (schema of `AnalysisReport`) plus `inputs` and `timings`.
    public func reportJSON() throws -> Data {
        guard var doc = try JSONSerialization.jsonObject(with: report.json()) as? [String: Any] else {
            throw ImagingError(.writeFailed, "report.json: the analysis report is not a JSON object")
        }
        let enc = JSONEncoder()
        doc["inputs"] = try JSONSerialization.jsonObject(with: enc.encode(inputs))
        doc["timings"] = try JSONSerialization.jsonObject(with: enc.encode(timings))
        doc["totalMS"] = (timings.map(\.ms).reduce(0, +) * 100).rounded() / 100
        return try JSONSerialization.data(
            withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// A label map of a model's classes (`names`, index = value) in SpineKit class values, for the overlays'
    /// colours: each class by what its name means; "bone" drawn as vertebral body; anything else background.
    static func spineKitClasses(_ labels: Volume<UInt8>, names: [String]) -> Volume<UInt8> {
        let value: [UInt8] = names.map { name in
            if name == "bone" { return StructureClass.vertebralBody.labelValue }
            if case .structure(let c) = LabelMeaning(name: name) { return c.labelValue }
            return 0
        }
        var out = labels
        out.voxels = labels.voxels.map { Int($0) < value.count ? value[Int($0)] : 0 }
        return out
    }

    /// Lines for the HTML page's "About this report" section.
    func aboutLines() -> [String] {
        var lines: [String] = []
        func grid(_ d: InputDescription) -> String {
            "\(d.sizeVoxels.map(String.init).joined(separator: "×")) voxels, \(d.spacingMM.map { String(format: "%.2f", $0) }.joined(separator: " × ")) mm, \(d.axisCodes)"
        }
        if let i = inputs.image {
            var s = "Image: \(i.name) (\(i.format)\(i.modality.map { ", \($0)" } ?? "")"
            if let d = i.seriesDescription, !d.isEmpty { s += ", series \"\(d)\"" }
            if let n = inputs.seriesFound, n > 1 { s += ", 1 of \(n) series" }
            lines.append(s + "), \(grid(i)).")
        }
        lines.append(
            "Label map: \(inputs.labels.name) (\(inputs.labelSource)), class map \(inputs.classMap), \(grid(inputs.labels))."
        )
        lines += inputs.notes
        return lines
    }
}
