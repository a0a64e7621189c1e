/// A numbering variant of the thoracolumbar junction or the lumbosacral junction.
public enum EnumerationAnomaly: String, Sendable, Hashable, Codable, CaseIterable {
    /// Twelve thoracic and five lumbar vertebrae.
    case none
    /// Six lumbar vertebrae (an L6 above the sacrum).
    case sixLumbar
    /// L5 partly fused to the sacrum: enlarged transverse processes and a rudimentary L5-S1 disc.
    case sacralizedL5
    /// Thirteen thoracic vertebrae (a T13 between T12 and L1).
    case thirteenThoracic

    /// Lumbar vertebrae present (a sacralised L5 still counts as a vertebra).
    public var lumbarCount: Int { self == .sixLumbar ? 6 : 5 }
    public var thoracicCount: Int { self == .thirteenThoracic ? 13 : 12 }
}
