import Foundation

/// A DICOM data set: attributes by tag, with typed accessors.
///
/// Accessors return nil for absent or unparsable values rather than throwing; callers that need
/// a value report the tag (never its content: values may be patient data).
public struct DataSet: Sendable {
    public private(set) var elements: [DICOMTag: DataElement] = [:]
    /// The character set for text values, from (0008,0005) of this data set or the enclosing one.
    public var characterSet: SpecificCharacterSet = .default

    public init() {}

    public subscript(tag: DICOMTag) -> DataElement? {
        get { elements[tag] }
        set { elements[tag] = newValue }
    }

    public mutating func insert(_ element: DataElement) { elements[element.tag] = element }
    public mutating func remove(_ tag: DICOMTag) { elements[tag] = nil }
    public func contains(_ tag: DICOMTag) -> Bool { elements[tag] != nil }

    /// Tags in ascending order (the order a writer emits them).
    public var sortedTags: [DICOMTag] { elements.keys.sorted() }

    // MARK: Text

    /// All values of a string attribute, split on backslash, with padding trimmed.
    public func strings(_ tag: DICOMTag) -> [String] {
        guard let e = elements[tag], e.vr.isString || e.vr == .UN else { return [] }
        let text =
            e.vr.usesSpecificCharacterSet ? characterSet.decode(e.bytes) : SpecificCharacterSet.default.decode(e.bytes)
        if e.vr == .LT || e.vr == .ST || e.vr == .UT || e.vr == .UR {
            return [text.trimmingCharacters(in: CharacterSet(charactersIn: " \0").union(.newlines))]
        }
        return text.split(separator: "\\", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
        }
    }

    /// The first value of a string attribute; nil when absent or empty.
    public func string(_ tag: DICOMTag) -> String? {
        guard let s = strings(tag).first, !s.isEmpty else { return nil }
        return s
    }

    // MARK: Numbers

    /// All numeric values of an attribute, whatever its VR (DS/IS text or binary US/SS/UL/SL/FL/FD…).
    public func doubles(_ tag: DICOMTag) -> [Double] {
        guard let e = elements[tag] else { return [] }
        let b = e.bytes
        func binary<T>(_ width: Int, _ make: (UInt64) -> T, _ conv: (T) -> Double) -> [Double] {
            var out: [Double] = []
            var i = b.startIndex
            while i + width <= b.endIndex {
                var v: UInt64 = 0
                for n in 0..<width { v |= UInt64(b[i + n]) << (8 * n) }
                out.append(conv(make(v)))
                i += width
            }
            return out
        }
        switch e.vr {
        case .DS, .IS:
            return strings(tag).compactMap { Double($0) }.filter(\.isFinite)
        case .US: return binary(2, { UInt16(truncatingIfNeeded: $0) }, { Double($0) })
        case .SS: return binary(2, { Int16(truncatingIfNeeded: $0) }, { Double($0) })
        case .UL: return binary(4, { UInt32(truncatingIfNeeded: $0) }, { Double($0) })
        case .SL: return binary(4, { Int32(truncatingIfNeeded: $0) }, { Double($0) })
        case .FL, .OF: return binary(4, { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }, { Double($0) })
        case .FD, .OD: return binary(8, { Double(bitPattern: $0) }, { $0 })
        case .SV: return binary(8, { Int64(bitPattern: $0) }, { Double($0) })
        case .UV: return binary(8, { $0 }, { Double($0) })
        default: return []
        }
    }

    public func double(_ tag: DICOMTag) -> Double? { doubles(tag).first }

    /// The first value as an integer (exact integers only).
    public func int(_ tag: DICOMTag) -> Int? {
        guard let d = double(tag), d.rounded() == d, abs(d) < 1e15 else { return nil }
        return Int(d)
    }

    // MARK: Sequences

    /// The items of a sequence attribute (empty when absent).
    public func items(_ tag: DICOMTag) -> [DataSet] { elements[tag]?.items ?? [] }

    /// Looks through a path of sequences, taking the first item each time: `nested(.a, .b)` is the first item of b in the first item of a.
    public func firstItem(_ path: DICOMTag...) -> DataSet? {
        var current = self
        for tag in path {
            guard let next = current.items(tag).first else { return nil }
            current = next
        }
        return current
    }

    // MARK: Building

    /// Sets a string attribute (values joined with backslash, padded to even length as the VR requires).
    public mutating func set(_ tag: DICOMTag, _ vr: VR, _ values: [String]) {
        var bytes = Array(values.joined(separator: "\\").utf8)
        if bytes.count % 2 == 1 { bytes.append(vr == .UI ? 0 : 0x20) }
        insert(DataElement(tag: tag, vr: vr, value: .bytes(bytes[...])))
    }

    public mutating func set(_ tag: DICOMTag, _ vr: VR, _ value: String) { set(tag, vr, [value]) }

    /// Sets a decimal-string attribute (DS) from numbers, each formatted to fit 16 characters.
    public mutating func set(_ tag: DICOMTag, decimals values: [Double]) {
        set(tag, .DS, values.map(Self.formatDS))
    }

    /// Sets a binary numeric attribute (US, SS, UL, SL, FL, FD) from numbers.
    public mutating func set(_ tag: DICOMTag, _ vr: VR, numbers values: [Double]) {
        var out = [UInt8]()
        func put(_ v: UInt64, _ width: Int) {
            for n in 0..<width { out.append(UInt8(truncatingIfNeeded: v >> (8 * n))) }
        }
        for v in values {
            switch vr {
            case .US: put(UInt64(UInt16(clamping: Int(v))), 2)
            case .SS: put(UInt64(UInt16(bitPattern: Int16(clamping: Int(v)))), 2)
            case .UL: put(UInt64(UInt32(clamping: Int(v))), 4)
            case .SL: put(UInt64(UInt32(bitPattern: Int32(clamping: Int(v)))), 4)
            case .FL: put(UInt64(Float(v).bitPattern), 4)
            case .FD: put(v.bitPattern, 8)
            default: preconditionFailure("set(numbers:) does not handle VR \(vr)")
            }
        }
        insert(DataElement(tag: tag, vr: vr, value: .bytes(out[...])))
    }

    /// Sets raw bytes (OB/OW/UN…), padding to even length.
    public mutating func set(_ tag: DICOMTag, _ vr: VR, bytes: [UInt8]) {
        var b = bytes
        if b.count % 2 == 1 { b.append(0) }
        insert(DataElement(tag: tag, vr: vr, value: .bytes(b[...])))
    }

    /// Sets a sequence attribute.
    public mutating func set(_ tag: DICOMTag, items: [DataSet]) {
        insert(DataElement(tag: tag, vr: .SQ, value: .sequence(items)))
    }

    /// Formats a number as a DICOM DS value of at most 16 characters.
    static func formatDS(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        for digits in stride(from: 10, through: 1, by: -1) {
            let s = String(format: "%.\(digits)g", v)
            if s.count <= 16 { return s }
        }
        return String(format: "%.6e", v)
    }
}
