import Foundation
import SpineImaging

/// What every label value of a label map means: a versioned, named value (a preset or a user map).
///
/// Presets follow the conventions of the tools that write the maps, so a user can measure a
/// segmentation they already have. Label 0 is always background.
public struct ClassMap: Sendable, Hashable, Codable {
    /// Short identifier ("spinekit", "verse", "spider", …).
    public var name: String
    /// Version of the convention (a preset changes version when its table changes).
    public var version: String
    /// Meaning of each non-zero label value.
    public var labels: [Int: LabelMeaning]

    public init(name: String, version: String, labels: [Int: LabelMeaning]) {
        self.name = name
        self.version = version
        self.labels = labels
    }

    /// Meaning of a label value (nil for background and for values the map does not know).
    public func meaning(of label: Int) -> LabelMeaning? { labels[label] }

    /// "spinekit@1".
    public var identifier: String { "\(name)@\(version)" }
}

// MARK: - Presets

extension ClassMap {
    /// SpineKit's 11 semantic lumbar MRI classes, label values 1–11 (DESIGN.md).
    public static let spineKit = ClassMap(
        name: "spinekit", version: "1",
        labels: Dictionary(
            uniqueKeysWithValues: StructureClass.allCases.map { ($0.rawValue, LabelMeaning.structure($0)) }))

    /// VerSe / SPINEPS instance labels: vertebrae 1–7 C1–C7, 8–19 T1–T12, 28 T13, 20–24 L1–L5,
    /// 25 L6, 26 sacrum, 27 coccyx (whole vertebrae); discs 100 + the vertebra above (L4-L5 = 123).
    /// Sekuboyina et al., "VerSe: a vertebrae labelling and segmentation benchmark", Med Image Anal 2021;
    /// Möller et al., SPINEPS, Eur Radiol 2024.
    public static let verse: ClassMap = {
        var labels: [Int: LabelMeaning] = [:]
        for v in Vertebra.allCases { labels[v.verseLabel] = .vertebra(v, part: .whole) }
        for v in Vertebra.allCases where v != .s1 && v != .coccyx {
            if let d = DiscLevel(verseLabel: 100 + v.verseLabel) { labels[d.verseLabel] = .disc(d) }
        }
        return ClassMap(name: "verse", version: "1", labels: labels)
    }()

    /// SPINEPS semantic map (subregions): 41–48 arch and processes, 49 corpus border, 50 corpus,
    /// 26 sacrum, 60 spinal cord, 61 spinal canal, 100 disc, 62 endplate (Möller et al., Eur Radiol 2024).
    public static let spinepsSemantic = ClassMap(
        name: "spineps-semantic", version: "1",
        labels: {
            var l: [Int: LabelMeaning] = [:]
            for v in 41...48 { l[v] = .structure(.posteriorElements) }
            l[49] = .structure(.vertebralBody)
            l[50] = .structure(.vertebralBody)
            l[26] = .structure(.sacrum)
            l[60] = .other("spinal_cord")
            l[61] = .structure(.spinalCanal)
            l[62] = .other("endplate")
            l[100] = .structure(.intervertebralDisc)
            return l
        }())

    /// SPIDER lumbar MRI masks (van der Graaf et al., Sci Data 2024): vertebrae 1–25 and discs
    /// 201–225 counted from the most caudal one in the image, 100 spinal canal. The numbers are
    /// positions, not identities: the labeller names them.
    public static let spider = ClassMap(
        name: "spider", version: "1",
        labels: {
            var l: [Int: LabelMeaning] = [100: .structure(.spinalCanal)]
            for n in 1...25 {
                l[n] = .vertebraByPosition(fromCaudal: n)
                l[200 + n] = .discByPosition(fromCaudal: n)
            }
            return l
        }())

    /// TotalSegmentator v2 `total` task (CT), spine classes only: 25 sacrum, 26 vertebrae_S1,
    /// 27–31 vertebrae_L5…L1, 32–43 vertebrae_T12…T1, 44–50 vertebrae_C7…C1, 79 spinal_cord
    /// (Wasserthal et al., Radiol Artif Intell 2023; `map_to_binary.py`). Other labels are unknown here.
    public static let totalSegmentatorCT: ClassMap = {
        var l: [Int: LabelMeaning] = [
            25: .vertebra(.s1, part: .whole), 26: .vertebra(.s1, part: .whole), 79: .other("spinal_cord"),
        ]
        let cranialFromL5: [Vertebra] = [
            .l5, .l4, .l3, .l2, .l1, .t12, .t11, .t10, .t9, .t8, .t7, .t6, .t5, .t4, .t3, .t2, .t1,
            .c7, .c6, .c5, .c4, .c3, .c2, .c1,
        ]
        for (n, v) in cranialFromL5.enumerated() { l[27 + n] = .vertebra(v, part: .whole) }
        return ClassMap(name: "totalsegmentator-ct", version: "2", labels: l)
    }()

    /// A map from a class-name table as TotalSegmentator (CT or MR) writes it beside a multi-label
    /// file: `[label: "vertebrae_L5" | "sacrum" | "intervertebral_discs" | "spinal_cord" | …]`.
    public static func totalSegmentator(names: [Int: String], version: String = "2") -> ClassMap {
        ClassMap(name: "totalsegmentator", version: version, labels: names.mapValues { LabelMeaning(name: $0) })
    }

    /// All built-in presets by their `name`.
    public static let presets: [ClassMap] = [.spineKit, .verse, .spinepsSemantic, .spider, .totalSegmentatorCT]

    /// A preset by name ("spinekit", "verse", "spineps" (= verse), "spineps-semantic", "spider",
    /// "totalsegmentator-ct"), case-insensitive.
    public static func preset(named name: String) -> ClassMap? {
        let key = name.lowercased()
        if key == "spineps" || key == "spineps-instance" { return .verse }
        return presets.first { $0.name == key }
    }
}

// MARK: - User JSON maps

extension ClassMap {
    /// The JSON form of a user map: `{"name": "mine", "version": "1", "labels": {"1": "L1", "5": "L5",
    /// "20": "vertebral_body", "123": "L4-L5", "100": "spinal_canal"}}`; names as `LabelMeaning(name:)` reads them.
    struct FileForm: Codable {
        var name: String?
        var version: String?
        var labels: [String: String]
    }

    /// Reads a user class map from JSON bytes.
    public static func decodeJSON(_ data: Data, source: String = "class map") throws -> ClassMap {
        let form: FileForm
        do {
            form = try JSONDecoder().decode(FileForm.self, from: data)
        } catch {
            throw ImagingError(.malformed, "not a class map: expected {\"labels\": {\"1\": \"L1\", …}}", file: source)
        }
        var labels: [Int: LabelMeaning] = [:]
        for (key, value) in form.labels {
            guard let n = Int(key), n > 0 else {
                throw ImagingError(.malformed, "class map label \"\(key)\" is not a positive integer", file: source)
            }
            labels[n] = LabelMeaning(name: value)
        }
        guard !labels.isEmpty else { throw ImagingError(.malformed, "class map has no labels", file: source) }
        return ClassMap(name: form.name ?? "user", version: form.version ?? "1", labels: labels)
    }

    /// Reads a user class map from a JSON file.
    public static func read(path: String) throws -> ClassMap {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImagingError(.fileNotFound, "cannot read class map", file: path)
        }
        return try decodeJSON(data, source: path)
    }

    /// The JSON form of this map (labels written by name, sorted).
    public func encodeJSON() throws -> Data {
        let form = FileForm(
            name: name, version: version,
            labels: Dictionary(uniqueKeysWithValues: labels.map { (String($0.key), $0.value.description) }))
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try enc.encode(form)
    }

    /// Resolves `--classes`: a preset name, or a path to a JSON map.
    public static func resolve(_ presetOrPath: String) throws -> ClassMap {
        if let p = preset(named: presetOrPath) { return p }
        if FileManager.default.fileExists(atPath: presetOrPath) { return try read(path: presetOrPath) }
        throw ImagingError(
            .invalidArgument,
            "unknown class map \"\(presetOrPath)\": use a preset (\(presets.map(\.name).joined(separator: ", "))) or a JSON file"
        )
    }
}
