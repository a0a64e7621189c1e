/// A DICOM transfer syntax: how a data set and its pixel data are encoded (PS3.5 §10, Annex A).
public struct TransferSyntax: Hashable, Sendable, CustomStringConvertible {
    public let uid: String

    public init(uid: String) { self.uid = uid }

    public static let implicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2")
    public static let explicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1")
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1.99")
    public static let explicitVRBigEndian = TransferSyntax(uid: "1.2.840.10008.1.2.2")
    public static let jpegBaseline = TransferSyntax(uid: "1.2.840.10008.1.2.4.50")
    public static let jpegExtended = TransferSyntax(uid: "1.2.840.10008.1.2.4.51")
    public static let jpegLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.57")
    public static let jpegLosslessSV1 = TransferSyntax(uid: "1.2.840.10008.1.2.4.70")
    public static let jpegLSLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.80")
    public static let jpegLSNearLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.81")
    public static let jpeg2000Lossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.90")
    public static let jpeg2000 = TransferSyntax(uid: "1.2.840.10008.1.2.4.91")
    public static let rleLossless = TransferSyntax(uid: "1.2.840.10008.1.2.5")

    /// The pixel-data compression family of this syntax.
    public enum Compression: String, Sendable {
        case none, rle, jpegBaseline, jpegLossless, jpegLS, jpeg2000, unsupported
    }

    public var isExplicitVR: Bool { self != .implicitVRLittleEndian }
    public var isBigEndian: Bool { self == .explicitVRBigEndian }
    public var isDeflated: Bool { self == .deflatedExplicitVRLittleEndian }

    public var compression: Compression {
        switch self {
        case .implicitVRLittleEndian, .explicitVRLittleEndian, .explicitVRBigEndian, .deflatedExplicitVRLittleEndian:
            .none
        case .rleLossless: .rle
        case .jpegBaseline, .jpegExtended: .jpegBaseline
        case .jpegLossless, .jpegLosslessSV1: .jpegLossless
        case .jpegLSLossless, .jpegLSNearLossless: .jpegLS
        case .jpeg2000Lossless, .jpeg2000: .jpeg2000
        default: .unsupported
        }
    }

    /// Pixel data are encapsulated (fragments in items) for every compressed syntax.
    public var isEncapsulated: Bool { compression != .none }

    public var name: String {
        switch self {
        case .implicitVRLittleEndian: "Implicit VR Little Endian"
        case .explicitVRLittleEndian: "Explicit VR Little Endian"
        case .deflatedExplicitVRLittleEndian: "Deflated Explicit VR Little Endian"
        case .explicitVRBigEndian: "Explicit VR Big Endian"
        case .jpegBaseline: "JPEG Baseline (Process 1)"
        case .jpegExtended: "JPEG Extended (Process 2 & 4)"
        case .jpegLossless: "JPEG Lossless (Process 14)"
        case .jpegLosslessSV1: "JPEG Lossless SV1 (Process 14)"
        case .jpegLSLossless: "JPEG-LS Lossless"
        case .jpegLSNearLossless: "JPEG-LS Near-Lossless"
        case .jpeg2000Lossless: "JPEG 2000 Lossless"
        case .jpeg2000: "JPEG 2000"
        case .rleLossless: "RLE Lossless"
        default: "transfer syntax \(uid)"
        }
    }

    public var description: String { name }
}
