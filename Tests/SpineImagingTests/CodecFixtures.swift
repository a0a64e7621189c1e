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
            let u = UInt16(a[i]) | UInt16(a[i + 1]) << 8, v = UInt16(b[i]) | UInt16(b[i + 1]) << 8
            let x = signed ? Int(Int16(bitPattern: u)) : Int(u), y = signed ? Int(Int16(bitPattern: v)) : Int(v)
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
            let group = u16(d, p), elem = u16(d, p + 2), len = Int(u32(d, p + 4))
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
            let lo = offsets[index], hi = index + 1 < frames ? offsets[index + 1] : Int.max
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
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
        ]
        let k: [UInt32] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
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
