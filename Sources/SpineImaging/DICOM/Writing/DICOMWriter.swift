import Foundation

/// Writes DICOM Part 10 files in Explicit VR Little Endian (with encapsulated pixel data for
/// compressed syntaxes when the data set already holds fragments).
///
/// Sequences and items are written with undefined length and delimiters; values are padded to even length.
public enum DICOMWriter {
    /// Implementation identity written in the file meta information.
    public static let implementationClassUID = "1.2.826.0.1.3680043.10.1470.1"
    public static let implementationVersionName = "SPINEKIT_0_1"

    /// Serialises a data set with file meta information (preamble, "DICM", group 0002).
    public static func encode(_ dataSet: DataSet, transferSyntax: TransferSyntax = .explicitVRLittleEndian) -> [UInt8] {
        var meta = DataSet()
        meta.set(DICOMTag(0x0002, 0x0001), .OB, bytes: [0x00, 0x01])
        meta.set(.mediaStorageSOPClassUID, .UI, dataSet.string(.sopClassUID) ?? "1.2.840.10008.5.1.4.1.1.7")
        meta.set(.mediaStorageSOPInstanceUID, .UI, dataSet.string(.sopInstanceUID) ?? makeUID())
        meta.set(.transferSyntaxUID, .UI, transferSyntax.uid)
        meta.set(.implementationClassUID, .UI, implementationClassUID)
        meta.set(.implementationVersionName, .SH, implementationVersionName)
        var metaBody = [UInt8]()
        for tag in meta.sortedTags { if let e = meta[tag] { append(e, to: &metaBody) } }
        var out = [UInt8](repeating: 0, count: 128)
        out += Array("DICM".utf8)
        var groupLength = DataSet()
        groupLength.set(.fileMetaInformationGroupLength, .UL, numbers: [Double(metaBody.count)])
        append(groupLength[.fileMetaInformationGroupLength]!, to: &out)
        out += metaBody
        for tag in dataSet.sortedTags where tag.group != 0x0002 {
            if let e = dataSet[tag] { append(e, to: &out) }
        }
        return out
    }

    /// Writes a data set to a file atomically.
    public static func write(_ dataSet: DataSet, to path: String) throws {
        try FileIO.writeAtomically(encode(dataSet), to: path)
    }

    static func append(_ e: DataElement, to out: inout [UInt8]) {
        func u16(_ v: UInt16) { out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8)) }
        func u32(_ v: UInt32) { for n in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * n))) } }
        func header(_ tag: DICOMTag, _ vr: VR, _ length: UInt32) {
            u16(tag.group); u16(tag.element)
            out.append(contentsOf: vr.rawValue.utf8)
            if vr.hasLongLength { u16(0); u32(length) } else { u16(UInt16(clamping: length)) }
        }
        switch e.value {
        case .bytes(let b):
            // A short-length VR cannot hold more than 65534 bytes: write it as UN instead.
            let vr = (!e.vr.hasLongLength && b.count > 0xFFFE) ? VR.UN : e.vr
            header(e.tag, vr, UInt32(b.count + b.count % 2))
            out.append(contentsOf: b)
            if b.count % 2 == 1 { out.append(e.vr == .UI ? 0 : (e.vr.isString ? 0x20 : 0)) }
        case .sequence(let items):
            header(e.tag, .SQ, 0xFFFF_FFFF)
            for item in items {
                u16(0xFFFE); u16(0xE000); u32(0xFFFF_FFFF)
                for tag in item.sortedTags { if let sub = item[tag] { append(sub, to: &out) } }
                u16(0xFFFE); u16(0xE00D); u32(0)
            }
            u16(0xFFFE); u16(0xE0DD); u32(0)
        case .encapsulated(let enc):
            header(e.tag, .OB, 0xFFFF_FFFF)
            u16(0xFFFE); u16(0xE000); u32(UInt32(enc.basicOffsetTable.count * 4))
            for o in enc.basicOffsetTable { u32(o) }
            for f in enc.fragments {
                u16(0xFFFE); u16(0xE000); u32(UInt32(f.count + f.count % 2))
                out.append(contentsOf: f)
                if f.count % 2 == 1 { out.append(0) }
            }
            u16(0xFFFE); u16(0xE0DD); u32(0)
        }
    }

    /// A new globally unique DICOM UID under the UUID-derived root 2.25 (PS3.5 §B.2).
    public static func makeUID() -> String {
        let u = UUID().uuid
        var digits: [UInt8] = [0]  // little-endian base-10 digits of the 128-bit value
        for byte in [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15] {
            var carry = Int(byte)
            for i in digits.indices {
                let v = Int(digits[i]) * 256 + carry
                digits[i] = UInt8(v % 10)
                carry = v / 10
            }
            while carry > 0 { digits.append(UInt8(carry % 10)); carry /= 10 }
        }
        while digits.count > 1 && digits.last == 0 { digits.removeLast() }
        return "2.25." + String(digits.reversed().map { Character(String($0)) })
    }
}
