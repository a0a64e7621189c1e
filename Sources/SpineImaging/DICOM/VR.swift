/// DICOM value representations (PS3.5 §6.2).
public enum VR: String, Sendable, CaseIterable {
    case AE, AS, AT, CS, DA, DS, DT, FL, FD, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM, UC,
        UI, UL, UN, UR, US, UT, UV

    /// Explicit-VR encoding uses a 2-byte reserved field and a 4-byte length for these VRs.
    var hasLongLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .UC, .UN, .UR, .UT, .SV, .UV: true
        default: false
        }
    }

    /// Character-string VRs whose bytes are text.
    public var isString: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT: true
        default: false
        }
    }

    /// String VRs affected by Specific Character Set (the others are always ASCII).
    var usesSpecificCharacterSet: Bool {
        switch self {
        case .LO, .LT, .PN, .SH, .ST, .UC, .UT: true
        default: false
        }
    }

    /// Binary VRs whose values are byte-swapped between little and big endian, with their element size.
    var swapUnitSize: Int {
        switch self {
        case .US, .SS, .OW, .AT: 2
        case .UL, .SL, .FL, .OF, .OL: 4
        case .FD, .OD, .SV, .UV, .OV: 8
        default: 1
        }
    }

    init?(bytes b0: UInt8, _ b1: UInt8) {
        guard (0x41...0x5A).contains(b0), (0x41...0x5A).contains(b1) else { return nil }
        self.init(rawValue: String(decoding: [b0, b1], as: UTF8.self))
    }
}
