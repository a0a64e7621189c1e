/// The 11 lumbar MRI structure classes of SpineKit's semantic label maps (after the MIDAS work).
///
/// Raw values are the label values in a SpineKit semantic map; 0 is background, which is no case
/// of its own (`StructureClass.backgroundLabel`; an optional class is nil there).
public enum StructureClass: Int, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case vertebralBody = 1
    case posteriorElements = 2
    case intervertebralDisc = 3
    /// Thecal sac and CSF.
    case spinalCanal = 4
    /// Cauda equina and nerve roots (inside the thecal sac).
    case caudaEquina = 5
    case epiduralFat = 6
    case sacrum = 7
    case paraspinalMuscle = 8
    case subcutaneousFat = 9
    case bloodVessels = 10
    case otherSoftTissue = 11

    /// Snake-case name used in JSON class maps and reports ("vertebral_body").
    public var name: String {
        switch self {
        case .vertebralBody: "vertebral_body"
        case .posteriorElements: "posterior_elements"
        case .intervertebralDisc: "intervertebral_disc"
        case .spinalCanal: "spinal_canal"
        case .caudaEquina: "cauda_equina"
        case .epiduralFat: "epidural_fat"
        case .sacrum: "sacrum"
        case .paraspinalMuscle: "paraspinal_muscle"
        case .subcutaneousFat: "subcutaneous_fat"
        case .bloodVessels: "blood_vessels"
        case .otherSoftTissue: "other_soft_tissue"
        }
    }

    public var description: String { name }

    /// Value of this class in a SpineKit semantic label map stored as `UInt8` (1–11).
    public var labelValue: UInt8 { UInt8(rawValue) }

    /// Value of background (no structure) in a SpineKit semantic label map.
    public static let backgroundLabel: UInt8 = 0

    /// Human-readable name for legends and truth files ("spinal canal (thecal sac/CSF)").
    public var displayName: String {
        switch self {
        case .vertebralBody: "vertebral body"
        case .posteriorElements: "posterior elements"
        case .intervertebralDisc: "intervertebral disc"
        case .spinalCanal: "spinal canal (thecal sac/CSF)"
        case .caudaEquina: "cauda equina/nerve roots"
        case .epiduralFat: "epidural fat"
        case .sacrum: "sacrum"
        case .paraspinalMuscle: "paraspinal muscle"
        case .subcutaneousFat: "subcutaneous fat"
        case .bloodVessels: "blood vessels"
        case .otherSoftTissue: "other soft tissue"
        }
    }

    /// Parses the snake-case name (also with spaces or hyphens, any case).
    public init?(name: String) {
        let key = name.lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 }
        guard let c = StructureClass.allCases.first(where: { $0.name == String(key) }) else { return nil }
        self = c
    }

    /// True for the classes inside the dural sac, whose union is the dural sac cross-section.
    public var isInsideDuralSac: Bool { self == .spinalCanal || self == .caudaEquina }
}
