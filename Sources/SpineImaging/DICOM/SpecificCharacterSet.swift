import Foundation

/// The character repertoire of a data set's text values (0008,0005), PS3.3 C.12.1.1.2.
///
/// Supported: the default repertoire (ISO-IR 6, read as Latin-1 for robustness), ISO_IR 100 (Latin-1),
/// ISO_IR 192 (UTF-8), ISO_IR 101 (Latin-2).
/// Other repertoires are decoded as Latin-1 so that text is never lost, only possibly mis-rendered.
public struct SpecificCharacterSet: Hashable, Sendable {
    public enum Repertoire: Hashable, Sendable { case latin1, utf8, latin2 }
    public let terms: [String]
    public let repertoire: Repertoire

    public static let `default` = SpecificCharacterSet(terms: [])

    public init(terms: [String]) {
        self.terms = terms
        let primary = terms.first(where: { !$0.isEmpty }) ?? ""
        switch primary.uppercased() {
        case "ISO_IR 192": repertoire = .utf8
        case "ISO_IR 101", "ISO 2022 IR 101": repertoire = .latin2
        default: repertoire = terms.contains("ISO_IR 192") ? .utf8 : .latin1
        }
    }

    /// Decodes text bytes in this repertoire.
    public func decode(_ bytes: ArraySlice<UInt8>) -> String {
        switch repertoire {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .latin1:
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case .latin2:
            return String(data: Data(bytes), encoding: .isoLatin2)
                ?? String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        }
    }
}
