import Foundation

/// A disc level is written as its radiological name ("L4-L5", "L5-S1").
///
/// Decoding reads anything `DiscLevel(name:)` reads, and also the older keyed form
/// `{"upper": "l4", "lower": "l5"}`.
extension DiscLevel: Codable {
    private enum CodingKeys: String, CodingKey { case upper, lower }

    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: CodingKeys.self) {
            let upper = try keyed.decode(Vertebra.self, forKey: .upper)
            let lower = try keyed.decode(Vertebra.self, forKey: .lower)
            guard upper < lower else {
                throw DecodingError.dataCorruptedError(
                    forKey: .lower, in: keyed,
                    debugDescription: "disc level \(upper)-\(lower): upper must be cranial to lower")
            }
            self.init(upper: upper, lower: lower)
            return
        }
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let level = DiscLevel(name: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "\"\(text)\" is not a disc level; expected a name like \"L4-L5\" or \"L5-S1\"")
        }
        self = level
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
