import Foundation

/// Which part of a vertebra a label covers.
public enum VertebraPart: String, Sendable, Hashable, Codable {
    /// Body and posterior elements together (VerSe, TotalSegmentator).
    case whole
    /// The vertebral body only.
    case body
    /// Arch, pedicles, processes.
    case posteriorElements = "posterior_elements"
}

/// What one label value of a label map stands for.
public enum LabelMeaning: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A semantic structure class (all vertebral bodies together, all discs together, …).
    case structure(StructureClass)
    /// One named vertebra (or a part of it).
    case vertebra(Vertebra, part: VertebraPart)
    /// One named disc.
    case disc(DiscLevel)
    /// One vertebra known only by its position, 1 = the most caudal one in the map (SPIDER).
    case vertebraByPosition(fromCaudal: Int)
    /// One disc known only by its position, 1 = the most caudal one in the map (SPIDER).
    case discByPosition(fromCaudal: Int)
    /// A structure the analysis does not use (spinal cord, an organ); kept by name.
    case other(String)

    public var description: String {
        switch self {
        case .structure(let c): c.name
        case .vertebra(let v, let part): part == .whole ? v.name : "\(v.name)_\(part.rawValue)"
        case .disc(let d): d.name
        case .vertebraByPosition(let n): "vertebra_\(n)_from_caudal"
        case .discByPosition(let n): "disc_\(n)_from_caudal"
        case .other(let s): s
        }
    }

    /// Parses a name as written in a JSON class map: a structure class ("vertebral_body"),
    /// a vertebra ("L5", "sacrum", TotalSegmentator's "vertebrae_L5"), a vertebra part ("L5_body"),
    /// a disc ("L4-L5", "L5/S1"), a position ("vertebra_1_from_caudal"), or anything else as `other`.
    public init(name raw: String) {
        let name = raw.trimmingCharacters(in: .whitespaces)
        let lower = name.lowercased()
        if let c = StructureClass(name: lower) {
            self = .structure(c)
            return
        }
        switch lower {
        case "intervertebral_discs", "intervertebral disc", "ivd", "disc", "vertebra_disc":
            self = .structure(.intervertebralDisc); return
        case "vertebral_bodies", "vertebra_corpus", "corpus": self = .structure(.vertebralBody); return
        case "spinal_canal", "canal", "thecal_sac", "dural_sac", "csf": self = .structure(.spinalCanal); return
        default: break
        }
        if let v = Vertebra(name: lower) {
            self = .vertebra(v, part: .whole)
            return
        }
        for (suffix, part) in [
            ("_body", VertebraPart.body), (" body", .body), ("_posterior_elements", .posteriorElements),
        ]
        where lower.hasSuffix(suffix) {
            if let v = Vertebra(name: String(lower.dropLast(suffix.count))) {
                self = .vertebra(v, part: part)
                return
            }
        }
        if let d = DiscLevel(name: name) {
            self = .disc(d)
            return
        }
        let parts = lower.split(separator: "_")
        if parts.count == 4, parts[2] == "from", parts[3] == "caudal", let n = Int(parts[1]), n > 0 {
            if parts[0] == "vertebra" { self = .vertebraByPosition(fromCaudal: n); return }
            if parts[0] == "disc" { self = .discByPosition(fromCaudal: n); return }
        }
        self = .other(name)
    }
}
