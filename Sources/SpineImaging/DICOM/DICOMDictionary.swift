/// The DICOM data dictionary (PS3.6): value representation and keyword of every standard tag.
///
/// Needed to parse implicit-VR data sets, where the VR is not in the file.
/// The table is generated (`Scripts/fixtures/make_dicom_dictionary.py`) and parsed once on first use.
public enum DICOMDictionary {
    public struct Entry: Sendable {
        public let vr: VR
        public let keyword: String
    }

    private struct Tables: Sendable {
        var exact: [UInt32: Entry] = [:]
        /// Repeating groups such as 60xx3000 (overlays): (mask, value) pairs over the tag bits.
        var repeating: [(mask: UInt32, value: UInt32, entry: Entry)] = []
    }

    private static let tables: Tables = {
        var t = Tables()
        t.exact.reserveCapacity(5200)
        for line in table.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 3, let vr = VR(rawValue: String(parts[1])) else { continue }
            let entry = Entry(vr: vr, keyword: String(parts[2]))
            let hex = Array(parts[0].utf8)
            if let value = UInt32(parts[0], radix: 16) {
                t.exact[value] = entry
            } else {
                var mask: UInt32 = 0
                var value: UInt32 = 0
                for (n, ch) in hex.enumerated() {
                    let shift = UInt32(28 - 4 * n)
                    if ch == UInt8(ascii: "x") || ch == UInt8(ascii: "X") { continue }
                    guard let d = UInt32(String(UnicodeScalar(ch)), radix: 16) else { continue }
                    mask |= 0xF << shift
                    value |= d << shift
                }
                t.repeating.append((mask, value, entry))
            }
        }
        return t
    }()

    /// The dictionary entry of a tag; group-length tags (gggg,0000) are UL.
    public static func entry(for tag: DICOMTag) -> Entry? {
        if let e = tables.exact[tag.value] { return e }
        if tag.element == 0 { return Entry(vr: .UL, keyword: "GroupLength") }
        if tag.isPrivate { return nil }
        for r in tables.repeating where tag.value & r.mask == r.value { return r.entry }
        return nil
    }

    /// The tag with a given keyword (linear search; for tools and tests, not hot paths).
    public static func tag(forKeyword keyword: String) -> DICOMTag? {
        tables.exact.first { $0.value.keyword == keyword }.map { DICOMTag($0.key) }
    }
}
