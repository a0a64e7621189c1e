import Foundation
import SpineImaging

/// What one DICOM series shows, as far as choosing the series to segment needs: its plane (from the
/// slice normal), modality, body part and MR contrast (from the description, protocol and sequence timing).
struct SeriesClassification: Sendable {
    /// The anatomical plane of the slices, from the dominant LPS component of the slice normal.
    enum Plane: String, Sendable, Codable {
        /// Normal along left–right.
        case sagittal
        /// Normal along superior–inferior.
        case axial
        /// Normal along anterior–posterior.
        case coronal
        /// A single projection image (radiograph) or a frame without orientation.
        case projection
    }

    /// MR contrast, in the order the sagittal series to segment is preferred.
    enum Contrast: String, Sendable, Codable, Comparable {
        case t2 = "T2", t1 = "T1", stir = "STIR", other

        var rank: Int {
            switch self {
            case .t2: 0
            case .t1: 1
            case .stir: 2
            case .other: 3
            }
        }
        static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
    }

    /// Modalities that are projection radiographs, never cross-sectional images.
    static let radiographModalities: Set<String> = ["CR", "DX", "RF", "XA", "MG", "IO", "PX", "RG"]
    /// Body Part Examined values (and prefixes of them) that name the spine or the whole body.
    static let spineBodyParts = [
        "SPINE", "LSPINE", "TSPINE", "CSPINE", "SSPINE", "LUMBAR", "THORACIC", "SACRUM",
        "COCCYX", "WHOLEBODY", "BACK", "ABDOMENPELVIS", "TLSPINE",
    ]

    var series: DICOMSeries
    var plane: Plane
    /// Angle between the slice normal and the plane's axis [degrees]; large for oblique stacks.
    var obliquityDeg: Double
    var modality: String?
    /// Body Part Examined as recorded (upper-cased), if any.
    var bodyPart: String?
    var contrast: Contrast
    /// What decided the contrast: "description", "timing" or nil when unknown.
    var contrastSource: String?

    var isMR: Bool { modality == nil || modality == "MR" }
    var isRadiograph: Bool { modality.map(Self.radiographModalities.contains) ?? false }
    /// False only when Body Part Examined names something other than the spine (HEAD, KNEE, …).
    var isSpine: Bool {
        guard let part = bodyPart?.replacingOccurrences(of: " ", with: ""), !part.isEmpty else { return true }
        return Self.spineBodyParts.contains { part.contains($0) }
    }

    /// `sagittal T2 MR series, 15 slices, #2 "sag T2 TSE"` or `a single DX image, #1 "lateral"`.
    var summary: String {
        var parts: [String] = []
        if plane == .projection {
            parts.append("a single \(modality ?? "") image")
        } else {
            let weighting = isMR && contrast != .other ? " \(contrast.rawValue)" : ""
            parts.append("\(plane.rawValue)\(weighting) \(modality ?? "image") series")
            parts.append("\(series.sliceCount) slice\(series.sliceCount == 1 ? "" : "s")")
        }
        var name = series.seriesNumber.map { "#\($0)" } ?? ""
        if let d = series.seriesDescription?.trimmingCharacters(in: .whitespaces), !d.isEmpty {
            name += (name.isEmpty ? "" : " ") + "\"\(d)\""
        }
        if !name.isEmpty { parts.append(name) }
        return parts.joined(separator: ", ")
    }

    /// Classifies a series; reads the header of its first object again for the tags the assembler does not keep.
    init(_ series: DICOMSeries) {
        self.series = series
        modality = series.modality?.trimmingCharacters(in: .whitespaces).uppercased()
        let g = series.geometry
        let normal = g.direction.column(2).normalized
        let a = SIMD3(abs(normal.x), abs(normal.y), abs(normal.z))
        let dominant = max(a.x, a.y, a.z)
        obliquityDeg = acos(min(1, dominant)) * 180 / .pi
        if series.sliceCount == 1, modality.map(Self.radiographModalities.contains) ?? false {
            plane = .projection
        } else if dominant == a.x {
            plane = .sagittal
        } else if dominant == a.z {
            plane = .axial
        } else {
            plane = .coronal
        }
        let header = series.instances.first.flatMap { try? DICOMFile.parse($0.source.bytes(), headerOnly: true) }
        let ds = header?.dataSet
        bodyPart = ds?.string(.bodyPartExamined)?.trimmingCharacters(in: .whitespaces).uppercased()
        let text = [series.seriesDescription, ds?.string(Self.protocolName), ds?.string(Self.sequenceName)]
            .compactMap { $0 }.joined(separator: " ")
        if let c = Self.contrast(fromText: text) {
            contrast = c
            contrastSource = "description"
        } else if let c = Self.contrast(
            repetitionTimeMS: ds?.double(.repetitionTime), echoTimeMS: ds?.double(.echoTime),
            inversionTimeMS: ds?.double(Self.inversionTime))
        {
            contrast = c
            contrastSource = "timing"
        } else {
            contrast = .other
            contrastSource = nil
        }
    }

    static let sequenceName = DICOMTag(0x0018, 0x0024)
    static let inversionTime = DICOMTag(0x0018, 0x0082)
    static let protocolName = DICOMTag(0x0018, 0x1030)

    /// Contrast from words in a series description or protocol name: "STIR"/"TIRM"/"T2 FS IR" → STIR, "T2"/"T2W"
    /// → T2, "T1" → T1. STIR wins over T2 (a STIR is T2-weighted), T2 over T1 when both appear ("T1 T2 map" is rare).
    static func contrast(fromText text: String) -> Contrast? {
        let upper = text.uppercased()
        let words = Set(
            upper.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "*" }).map(String.init))
        // "T2", "T2W", "T2FS", "T2_TSE" (split at "_"), but not "T12".
        func has(_ w: String) -> Bool {
            words.contains { $0 == w || ($0.hasPrefix(w) && $0.dropFirst(w.count).first?.isLetter == true) }
        }
        if upper.contains("STIR") || words.contains("TIRM") || words.contains("TIR") { return .stir }
        if has("T2") { return .t2 }
        if has("T1") { return .t1 }
        return nil
    }

    /// Contrast from sequence timing [ms]: an inversion time under 250 ms is STIR (fat nulled at 1.5–3 T); TR ≥ 1500
    /// and TE ≥ 60 T2; TR ≤ 1000 and TE ≤ 30 T1; anything else unknown.
    static func contrast(repetitionTimeMS tr: Double?, echoTimeMS te: Double?, inversionTimeMS ti: Double?) -> Contrast?
    {
        if let ti, ti > 0, ti < 250 { return .stir }
        guard let tr, let te else { return nil }
        if tr >= 1500 && te >= 60 { return .t2 }
        if tr <= 1000 && te <= 30 { return .t1 }
        return nil
    }
}
