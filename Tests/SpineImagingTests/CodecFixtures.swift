import Foundation
import Testing

@testable import SpineImaging

/// One case of `Tests/Fixtures/codecs/manifest.json` (made by Scripts/fixtures/make_codec_fixtures.py).
struct CodecFixture: Codable, Sendable, CustomTestStringConvertible {
    var name: String
    /// rle, jpegll, jpeg, jpegls, j2k, png.
    var codec: String
    var rows: Int
    var columns: Int
    var samplesPerPixel: Int
    var bitsAllocated: Int
    var bitsStored: Int
    var isSigned: Bool
    var photometricInterpretation: String
    /// 0: pixel-exact; k > 0: every sample within ±k; -1: the decoder must refuse with `.unsupported`.
    var tolerance: Int

    var testDescription: String { name }

    var frame: PixelFrameDescriptor {
        PixelFrameDescriptor(
            rows: rows, columns: columns, samplesPerPixel: samplesPerPixel, bitsAllocated: bitsAllocated,
            bitsStored: bitsStored, isSigned: isSigned, photometricInterpretation: photometricInterpretation)
    }

    static let folder = TestData.fixtures.appendingPathComponent("codecs")

    /// Every case, or an empty list if the manifest is missing (a test checks that it is not).
    static let all: [CodecFixture] = {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("manifest.json")) else { return [] }
        return (try? JSONDecoder().decode([CodecFixture].self, from: data)) ?? []
    }()

    static func cases(_ codec: String) -> [CodecFixture] { all.filter { $0.codec == codec } }

    var streamPath: String { Self.folder.appendingPathComponent(name + (codec == "png" ? ".png" : ".bin")).path }
    func stream() throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: streamPath))) }
    func expected() throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent(name + ".raw")))
    }
}

/// The decoder for a fixture's codec, as the DICOM reader will call it by transfer syntax.
func decoder(for codec: String) -> ([UInt8], PixelFrameDescriptor) throws -> [UInt8] {
    switch codec {
    case "rle": RLEDecoder.decode
    case "jpegll": JPEGLosslessDecoder.decode
    case "jpeg": LibJPEG.decode
    case "jpegls": CharLS.decode
    case "j2k": OpenJPEG.decode
    default: { _, _ in throw ImagingError.unsupported("no decoder for \(codec)") }
    }
}

/// Largest per-sample difference between two native-layout frames.
func maxSampleDifference(_ a: [UInt8], _ b: [UInt8], bytesPerSample: Int, signed: Bool) -> Int {
    precondition(a.count == b.count)
    var worst = 0
    if bytesPerSample == 1 {
        for i in a.indices { worst = max(worst, abs(Int(a[i]) - Int(b[i]))) }
    } else {
        for i in stride(from: 0, to: a.count - 1, by: 2) {
            let u = UInt16(a[i]) | UInt16(a[i + 1]) << 8
            let v = UInt16(b[i]) | UInt16(b[i + 1]) << 8
            let x = signed ? Int(Int16(bitPattern: u)) : Int(u)
            let y = signed ? Int(Int16(bitPattern: v)) : Int(v)
            worst = max(worst, abs(x - y))
        }
    }
    return worst
}

/// Minimal test-only access to the Pixel Data of an explicit-VR little-endian DICOM file, so codec
/// tests can use real files before the DICOM reader exists. Not a parser: it looks for the last
/// (7FE0,0010) element and reads its value or its encapsulated fragments.
enum PixelDataProbe {
    /// Native pixel data bytes (defined length).
    static func native(_ path: String) throws -> [UInt8] {
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let (start, length) = try #require(element(d))
        try #require(length != 0xFFFF_FFFF)
        return Array(d[start..<min(d.count, start + length)])
    }

    /// The encapsulated fragments (without the basic offset table) and the offset table itself.
    /// A fragment whose length runs past the end of the file is cut at the end of the file.
    static func fragments(_ path: String) throws -> (offsets: [Int], fragments: [[UInt8]]) {
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let (start, length) = try #require(element(d))
        try #require(length == 0xFFFF_FFFF)
        var p = start
        var items: [[UInt8]] = []
        while p + 8 <= d.count {
            let group = u16(d, p)
            let elem = u16(d, p + 2)
            let len = Int(u32(d, p + 4))
            p += 8
            if group == 0xFFFE && elem == 0xE0DD { break }
            try #require(group == 0xFFFE && elem == 0xE000)
            items.append(Array(d[p..<min(d.count, p + len)]))
            p += len
        }
        let bot = items.isEmpty ? [] : items.removeFirst()
        let offsets = stride(from: 0, to: bot.count - 3, by: 4).map { Int(u32(bot, $0)) }
        return (offsets, items)
    }

    /// Frame `index` (0-based): all fragments for a single-frame file, else by offset table, else one per frame.
    static func frame(_ path: String, index: Int, frames: Int) throws -> [UInt8] {
        let (offsets, fragments) = try fragments(path)
        if frames == 1 { return fragments.flatMap { $0 } }
        if offsets.count == frames {
            var pos = 0
            var out: [UInt8] = []
            let lo = offsets[index]
            let hi = index + 1 < frames ? offsets[index + 1] : Int.max
            for f in fragments {
                if pos >= lo && pos < hi { out += f }
                pos += f.count + 8
            }
            return out
        }
        return fragments[index]
    }

    private static func element(_ d: [UInt8]) -> (Int, Int)? {
        var i = d.count - 12
        while i >= 132 {
            if d[i] == 0xE0 && d[i + 1] == 0x7F && d[i + 2] == 0x10 && d[i + 3] == 0x00
                && (d[i + 4] == 0x4F || d[i + 4] == 0x55) && (d[i + 5] == 0x42 || d[i + 5] == 0x57 || d[i + 5] == 0x4E)
            {
                return (i + 12, Int(u32(d, i + 8)))
            }
            i -= 1
        }
        return nil
    }

    private static func u16(_ d: [UInt8], _ p: Int) -> Int { Int(d[p]) | Int(d[p + 1]) << 8 }
    private static func u32(_ d: [UInt8], _ p: Int) -> UInt32 {
        UInt32(d[p]) | UInt32(d[p + 1]) << 8 | UInt32(d[p + 2]) << 16 | UInt32(d[p + 3]) << 24
    }
}

/// SHA-256 (FIPS 180-4), for comparing decoded frames with hashes recorded from pydicom.
enum SHA256 {
    static func hex(_ message: [UInt8]) -> String {
        var h: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        let k: [UInt32] = [
            0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
            0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
            0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
            0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
            0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
            0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
            0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
            0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
        ]
        var m = message
        let bitLength = UInt64(message.count) * 8
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        for s in stride(from: 56, through: 0, by: -8) { m.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(s))) }
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 - n) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: m.count, by: 64) {
            for t in 0..<16 {
                let b = chunk + 4 * t
                w[t] = UInt32(m[b]) << 24 | UInt32(m[b + 1]) << 16 | UInt32(m[b + 2]) << 8 | UInt32(m[b + 3])
            }
            for t in 16..<64 {
                let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
                let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for t in 0..<64 {
                let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[t] &+ w[t]
                let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            h = [h[0] &+ a, h[1] &+ b, h[2] &+ c, h[3] &+ d, h[4] &+ e, h[5] &+ f, h[6] &+ g, h[7] &+ hh]
        }
        return h.map { String(format: "%08x", $0) }.joined()
    }
}

/// A small deterministic generator for garbage inputs (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
