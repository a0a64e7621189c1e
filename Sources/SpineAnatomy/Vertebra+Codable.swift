import Foundation

/// A vertebra is written as its radiological name ("L4", "T13", "S1", "Co").
///
/// Decoding reads anything `Vertebra(name:)` reads, so the older lowercase raw values ("l4", "s1")
/// and the phantom's former "S" for the sacrum still decode.
extension Vertebra: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let v = Vertebra(name: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text)\" is not a vertebra; expected a name like \"L4\" or \"S1\"")
        }
        self = v
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
