/// A tissue type with its own magnetic-resonance and X-ray properties.
public enum Tissue: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case air
    /// Cancellous vertebral bone with mixed red/yellow marrow.
    case marrow
    case corticalBone
    /// Posterior-element bone: thin cortex around marrow, at MRI resolution a mixture of both.
    case posteriorBone
    case nucleusPulposus
    case annulusFibrosus
    case csf
    /// Spinal cord, conus medullaris and nerve roots.
    case neural
    case epiduralFat
    /// Ligamentum flavum and interspinous ligament.
    case ligament
    case muscle
    case subcutaneousFat
    /// Flowing blood in a large artery or vein (flow void on spin-echo images).
    case flowingBlood
    /// Abdominal and pelvic viscera, averaged.
    case viscera
}

/// One entry of a phantom's material table: what a sample point is, for labels and for signal.
///
/// `pd`, `t1` and `t2` scale the tissue's reference parameters (1 = normal), so pathology such as
/// disc degeneration (shorter T2) or fracture oedema (longer T1 and T2) is a material of its own.
public struct Material: Sendable, Hashable, Codable {
    public var tissue: Tissue
    public var structureClass: StructureClass
    /// Instance label (VerSe numbering for vertebrae and discs; 0 for structures without instances).
    public var instance: UInt8
    public var pdScale: Double = 1
    public var t1Scale: Double = 1
    public var t2Scale: Double = 1
    /// Scales the tissue's fat fraction (marrow oedema replaces fat with water).
    public var fatScale: Double = 1

    public init(
        _ tissue: Tissue, _ structureClass: StructureClass, instance: UInt8 = 0, pdScale: Double = 1,
        t1Scale: Double = 1, t2Scale: Double = 1, fatScale: Double = 1
    ) {
        self.fatScale = fatScale
        self.tissue = tissue
        self.structureClass = structureClass
        self.instance = instance
        self.pdScale = pdScale
        self.t1Scale = t1Scale
        self.t2Scale = t2Scale
    }
}
