import Foundation
import Testing

@testable import SpineImaging

/// Pixel-data codecs against streams written by real encoders (DCMTK, pydicom, OpenJPEG), with the
/// expected pixels known by construction or decoded by an independent tool.
@Suite("Pixel codecs")
struct CodecTests {
    @Test func manifestIsPresent() {
        #expect(CodecFixture.all.count > 60, "run Scripts/fixtures/make_codec_fixtures.py")
        for codec in ["rle", "jpegll", "jpeg", "jpegls", "j2k", "png"] {
            #expect(!CodecFixture.cases(codec).isEmpty, "no \(codec) fixtures")
        }
    }

    @Test("decodes known streams", arguments: CodecFixture.all.filter { $0.codec != "png" })
    func decodesFixture(_ fixture: CodecFixture) throws {
        let decode = decoder(for: fixture.codec)
        let stream = try fixture.stream()
        if fixture.tolerance < 0 {
            #expect {
                _ = try decode(stream, fixture.frame)
            } throws: { ($0 as? ImagingError)?.code == .unsupported }
            return
        }
        let decoded = try decode(stream, fixture.frame)
        let expected = try fixture.expected()
        try #require(decoded.count == fixture.frame.frameByteCount)
        try #require(expected.count == decoded.count)
        if fixture.tolerance == 0 {
            #expect(decoded == expected)
        } else {
            let worst = maxSampleDifference(
                decoded, expected, bytesPerSample: fixture.frame.bytesPerSample, signed: fixture.isSigned)
            #expect(worst <= fixture.tolerance)
        }
    }

    @Test func twelveBitJPEGIsRefusedClearly() throws {
        let fixture = try #require(CodecFixture.all.first { $0.name == "jpeg_extended_gray12" })
        do {
            _ = try LibJPEG.decode(try fixture.stream(), frame: fixture.frame)
            Issue.record("12-bit JPEG decoded")
        } catch let error as ImagingError {
            #expect(error.code == .unsupported)
            #expect(error.message.contains("libjpeg-turbo 2.1 cannot decode 12-bit JPEG"))
        }
    }

    @Test func losslessJPEGIsRoutedAwayFromLibJPEG() throws {
        let fixture = try #require(CodecFixture.all.first { $0.name == "jpll_gray8_sv1" })
        #expect { _ = try LibJPEG.decode(try fixture.stream(), frame: fixture.frame) } throws: {
            ($0 as? ImagingError)?.code == .unsupported
        }
    }

    // MARK: Malformed input: every decoder throws an ImagingError, never traps or hangs.

    /// One representative stream per codec (the richest case).
    static let representatives = [
        "rle_rgb16_dcmtk", "rle_gray16_pydicom", "jpll_gray16_sv1", "jpll_rgb8_sv4_dri",
        "jpll_gray16_sv1_dri", "jpeg_baseline_rgb8_422", "jpeg_baseline_gray8", "jls_rgb8_none",
        "jls_gray16", "j2k_gray16", "jp2_rgb8", "j2k_rgb8_lossy",
    ]
    .compactMap { name in CodecFixture.all.first { $0.name == name } }

    @Test("truncated streams throw", arguments: representatives)
    func truncated(_ fixture: CodecFixture) throws {
        let decode = decoder(for: fixture.codec)
        let stream = try fixture.stream()
        for keep in [0, 1, 2, 10, 40, stream.count / 3, stream.count / 2, stream.count * 3 / 4, stream.count - 40]
        where keep < stream.count {
            #expect(throws: ImagingError.self, "kept \(keep) of \(stream.count) bytes") {
                _ = try decode(Array(stream.prefix(keep)), fixture.frame)
            }
            // Cut, then closed with an end marker (EOI / EOC) so the decoder cannot tell by the last bytes.
            #expect(throws: ImagingError.self, "kept \(keep) of \(stream.count) bytes + end marker") {
                _ = try decode(Array(stream.prefix(keep)) + [0xFF, 0xD9], fixture.frame)
            }
        }
    }

    @Test("streams that disagree with the descriptor throw", arguments: representatives)
    func wrongDescriptor(_ fixture: CodecFixture) throws {
        let decode = decoder(for: fixture.codec)
        let stream = try fixture.stream()
        var variants: [PixelFrameDescriptor] = []
        var f = fixture.frame
        f.rows += 1
        variants.append(f)
        f = fixture.frame
        f.columns -= 1
        variants.append(f)
        f = fixture.frame
        f.samplesPerPixel = fixture.samplesPerPixel == 1 ? 3 : 1
        variants.append(f)
        f = fixture.frame
        f.rows = 0
        variants.append(f)
        f = fixture.frame
        f.rows = 1 << 20
        f.columns = 1 << 20
        variants.append(f)
        if fixture.bitsAllocated == 16 {
            f = fixture.frame
            f.bitsAllocated = 8
            f.bitsStored = 8
            variants.append(f)
        }
        for v in variants {
            #expect(throws: ImagingError.self, "\(v)") { _ = try decode(stream, v) }
        }
    }

    @Test("garbage never traps", arguments: ["rle", "jpegll", "jpeg", "jpegls", "j2k"])
    func garbage(_ codec: String) throws {
        let decode = decoder(for: codec)
        let fixtures = CodecFixture.cases(codec)
        let template = try #require(fixtures.first)
        var rng = SeededGenerator(state: 42)
        // Pure noise of many lengths.
        for n in [0, 1, 3, 64, 65, 200, 5000] {
            let noise = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(throws: ImagingError.self) { _ = try decode(noise, template.frame) }
        }
        // Valid headers followed by noise, and real streams with random bytes overwritten: a
        // decoder may return pixels (damage can be undetectable) but must not trap or hang.
        for fixture in fixtures.prefix(6) {
            let stream = try fixture.stream()
            for trial in 0..<12 {
                var damaged = stream
                if trial < 4 {
                    let keep = min(stream.count, [20, 64, 100, 160][trial])
                    for i in keep..<damaged.count { damaged[i] = UInt8.random(in: 0...255, using: &rng) }
                } else {
                    for _ in 0..<(1 + trial) {
                        damaged[Int.random(in: 0..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    }
                }
                do {
                    let out = try decode(damaged, fixture.frame)
                    #expect(out.count == fixture.frame.frameByteCount)
                } catch is ImagingError {
                    // expected for most damage
                } catch {
                    Issue.record("\(fixture.name): non-ImagingError \(error)")
                }
            }
        }
    }

    /// Mutations of every fixture stream (bytes overwritten, deleted, inserted, bits flipped, 0xFF runs):
    /// whatever a decoder makes of them, it returns a whole frame or throws an ImagingError.
    /// (A longer run of this, 52,500 inputs over 5 seeds, found the OpenJPEG end-of-data bug below.)
    @Test("mutated streams never trap", arguments: ["rle", "jpegll", "jpeg", "jpegls", "j2k"])
    func mutations(_ codec: String) throws {
        let decode = decoder(for: codec)
        var rng = SeededGenerator(state: 2024)
        for fixture in CodecFixture.cases(codec) {
            let stream = try fixture.stream()
            for trial in 0..<30 {
                var d = stream
                let p = Int.random(in: 0..<d.count, using: &rng)
                switch trial % 5 {
                case 0:
                    for _ in 0..<Int.random(in: 1...4, using: &rng) {
                        d[Int.random(in: 0..<d.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    }
                case 1: d.removeSubrange(p..<min(d.count, p + Int.random(in: 1...50, using: &rng)))
                case 2:
                    d.insert(
                        contentsOf: (0..<Int.random(in: 1...30, using: &rng)).map { _ in
                            UInt8.random(in: 0...255, using: &rng)
                        }, at: p)
                case 3:
                    d[Int.random(in: 0..<min(d.count, 200), using: &rng)] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                default: for i in p..<min(d.count, p + 16) { d[i] = 0xFF }
                }
                do {
                    let out = try decode(d, fixture.frame)
                    #expect(out.count == fixture.frame.frameByteCount)
                } catch is ImagingError {
                } catch {
                    Issue.record("\(fixture.name): non-ImagingError \(error)")
                }
            }
        }
    }

    /// Regression: a tile-part that ends exactly at the end of the data made OpenJPEG read on; the
    /// read callback answered `Int.max` instead of `(size_t)-1` and OpenJPEG aborted on an assertion.
    @Test func jpeg2000TilePartEndingAtEndOfData() throws {
        let fixture = try #require(CodecFixture.all.first { $0.name == "j2k_gray16" })
        var stream = try fixture.stream()
        try #require(stream.count == 4442)
        stream.removeSubrange(3137..<3139)
        #expect(throws: ImagingError.self) { _ = try OpenJPEG.decode(stream, frame: fixture.frame) }
    }

    @Test func rleRejectsHostileHeaders() {
        let frame = PixelFrameDescriptor(
            rows: 4, columns: 4, samplesPerPixel: 1, bitsAllocated: 8, bitsStored: 8, isSigned: false,
            photometricInterpretation: "MONOCHROME2")
        func header(_ count: UInt32, _ offsets: [UInt32]) -> [UInt8] {
            var h = [UInt8]()
            for v in [count] + offsets + Array(repeating: 0, count: 15 - offsets.count) {
                h += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
            }
            return h
        }
        // Wrong segment count, offset inside the header, offset past the end, runs past the segment.
        for data in [
            header(2, [64, 70]) + [UInt8](repeating: 0, count: 20), header(1, [10]) + [0, 1],
            header(1, [0xFFFF_FFF0]) + [0, 1], header(1, [64]) + [0x7F, 1, 2], header(1, [64]) + [0xF1],
        ] {
            #expect(throws: ImagingError.self) { _ = try RLEDecoder.decode(data, frame: frame) }
        }
        // A valid 16-byte plane: one replicate run.
        let ok = header(1, [64]) + [0xF1, 7, 0x80]
        #expect((try? RLEDecoder.decode(ok, frame: frame)) == [UInt8](repeating: 7, count: 16))
    }

    @Test func jpegLosslessRejectsHostileHeaders() throws {
        let fixture = try #require(CodecFixture.all.first { $0.name == "jpll_gray8_sv1" })
        let stream = try fixture.stream()
        // Corrupt the predictor (Ss) in the SOS segment, and the precision in SOF3.
        let sos = try #require((0..<stream.count - 1).first { stream[$0] == 0xFF && stream[$0 + 1] == 0xDA })
        var badPredictor = stream
        badPredictor[sos + 2 + 2 + 1 + 2] = 9
        #expect(throws: ImagingError.self) { _ = try JPEGLosslessDecoder.decode(badPredictor, frame: fixture.frame) }
        let sof = try #require((0..<stream.count - 1).first { stream[$0] == 0xFF && stream[$0 + 1] == 0xC3 })
        var badPrecision = stream
        badPrecision[sof + 4] = 17
        #expect(throws: ImagingError.self) { _ = try JPEGLosslessDecoder.decode(badPrecision, frame: fixture.frame) }
        // Entropy-coded data cut short but followed by EOI: the decoder notices that it read past the end.
        var cut = Array(stream.prefix(sos + 40))
        cut += [0xFF, 0xD9]
        #expect { _ = try JPEGLosslessDecoder.decode(cut, frame: fixture.frame) } throws: {
            ($0 as? ImagingError)?.code == .truncated
        }
    }
}

/// Real files from ../shared/data (pydicom-data), decoded frame by frame and compared with their
/// uncompressed twins or with the SHA-256 of pydicom's decode. Skipped without the shared data.
@Suite("Pixel codecs on real DICOM files", .enabled(if: TestData.isAvailable, "needs ../shared/data"))
struct RealCodecTests {
    struct Reference: Codable {
        var sha256: String
        var rows: Int
        var columns: Int
        var samplesPerPixel: Int
        var bitsAllocated: Int
        var bitsStored: Int
        var isSigned: Bool
        var photometricInterpretation: String
        var transferSyntax: String
        var frame: PixelFrameDescriptor {
            PixelFrameDescriptor(
                rows: rows, columns: columns, samplesPerPixel: samplesPerPixel, bitsAllocated: bitsAllocated,
                bitsStored: bitsStored, isSigned: isSigned, photometricInterpretation: photometricInterpretation)
        }
    }

    static func references() throws -> [String: Reference] {
        let url = CodecFixture.folder.appendingPathComponent("shared-data-sha256.json")
        return try JSONDecoder().decode([String: Reference].self, from: Data(contentsOf: url))
    }

    static func decoder(forTransferSyntax ts: String) -> ([UInt8], PixelFrameDescriptor) throws -> [UInt8] {
        switch ts {
        case "1.2.840.10008.1.2.5": RLEDecoder.decode
        case "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70": JPEGLosslessDecoder.decode
        case "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81": CharLS.decode
        default: OpenJPEG.decode
        }
    }

    @Test(
        "first frame matches pydicom",
        arguments: [
            "JPEG-LL.dcm", "JPGLosslessP14SV1_1s_1f_8b.dcm", "emri_small_RLE.dcm", "emri_small_jpeg_ls_lossless.dcm",
            "emri_small_jpeg_2k_lossless.dcm", "MR2_J2KR.dcm", "RG3_J2KR.dcm", "OBXXXX1A_rle.dcm", "explicit_VR-UN.dcm",
        ])
    func matchesPydicom(_ file: String) throws {
        let reference = try #require(try Self.references()[file])
        let path = try TestData.path("dicom-conformance/" + file)
        let frames = file.hasPrefix("emri") ? 10 : 1
        let stream = try PixelDataProbe.frame(path, index: 0, frames: frames)
        let decoded = try Self.decoder(forTransferSyntax: reference.transferSyntax)(stream, reference.frame)
        #expect(SHA256.hex(decoded) == reference.sha256)
    }

    @Test(
        "every emri frame equals the uncompressed file",
        arguments: [
            "emri_small_RLE.dcm", "emri_small_jpeg_ls_lossless.dcm", "emri_small_jpeg_2k_lossless.dcm",
        ])
    func emriFrames(_ file: String) throws {
        let native = try PixelDataProbe.native(try TestData.path("dicom-conformance/emri_small.dcm"))
        let reference = try #require(try Self.references()[file])
        let decode = Self.decoder(forTransferSyntax: reference.transferSyntax)
        let n = reference.frame.frameByteCount
        for k in 0..<10 {
            let stream = try PixelDataProbe.frame(try TestData.path("dicom-conformance/" + file), index: k, frames: 10)
            #expect(try decode(stream, reference.frame) == Array(native[k * n..<(k + 1) * n]), "frame \(k + 1)")
        }
    }

    @Test func jpeg2000LossyMR2IsCloseToTheOriginal() throws {
        let frame = PixelFrameDescriptor(
            rows: 1024, columns: 1024, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12,
            isSigned: false, photometricInterpretation: "MONOCHROME2")
        let lossy = try OpenJPEG.decode(
            PixelDataProbe.frame(try TestData.path("dicom-conformance/MR2_J2KI.dcm"), index: 0, frames: 1),
            frame: frame)
        let original = try PixelDataProbe.native(try TestData.path("dicom-conformance/MR2_UNCR.dcm"))
        var sum = 0.0
        for i in stride(from: 0, to: lossy.count, by: 2) {
            let a = Double(Int(lossy[i]) | Int(lossy[i + 1]) << 8)
            let b = Double(Int(original[i]) | Int(original[i + 1]) << 8)
            sum += (a - b) * (a - b)
        }
        let rmse = (sum / Double(lossy.count / 2)).squareRoot()
        #expect(rmse < 50, "RMSE \(rmse)")
    }

    /// The "too short" file lacks only its sequence delimiter (the last 8 bytes): every codestream in
    /// it is complete, so the codec decodes all ten frames; the DICOM reader must report the missing
    /// delimiter. A codestream that really is cut must throw `.truncated`/`.malformed`, never garbage.
    @Test func tooShortJPEG2000() throws {
        let path = try TestData.path("dicom-conformance/emri_small_jpeg_2k_lossless_too_short.dcm")
        let native = try PixelDataProbe.native(try TestData.path("dicom-conformance/emri_small.dcm"))
        let frame = PixelFrameDescriptor(
            rows: 64, columns: 64, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12,
            isSigned: false, photometricInterpretation: "MONOCHROME2")
        let last = try PixelDataProbe.frame(path, index: 9, frames: 10)
        #expect(try OpenJPEG.decode(last, frame: frame) == Array(native[9 * 8192..<10 * 8192]))
        for cut in [8, 100, 1000, last.count / 2, last.count - 200] {
            do {
                _ = try OpenJPEG.decode(Array(last.prefix(last.count - cut)), frame: frame)
                Issue.record("codestream missing \(cut) bytes decoded without error")
            } catch let error as ImagingError {
                #expect(error.code == .truncated || error.code == .malformed)
                #expect(error.message.contains("JPEG 2000"))
            }
        }
    }
}
