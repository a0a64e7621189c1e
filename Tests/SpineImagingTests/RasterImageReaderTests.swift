import Foundation
import Testing

@testable import SpineImaging

/// PNG and JPEG files into 2D volumes: hand-written PNGs of every colour type (expected gray by the
/// documented integer Rec. 601 formula, computed in Python), and DCMTK-written JPEGs.
@Suite("Raster image reader")
struct RasterImageReaderTests {
    @Test("PNG colour types and bit depths", arguments: CodecFixture.cases("png"))
    func png(_ fixture: CodecFixture) throws {
        let volume = try RasterImageReader.read(path: fixture.streamPath)
        let expected = try fixture.expected()
        #expect(volume.geometry.size == SIMD3(fixture.columns, fixture.rows, 1))
        switch volume {
        case .uint8(let v):
            #expect(fixture.bitsAllocated == 8)
            #expect(v.voxels == expected)
        case .uint16(let v):
            #expect(fixture.bitsAllocated == 16)
            let values = stride(from: 0, to: expected.count, by: 2).map {
                UInt16(expected[$0]) | UInt16(expected[$0 + 1]) << 8
            }
            #expect(v.voxels == values)
        default:
            Issue.record("unexpected voxel type \(volume.dataType)")
        }
    }

    @Test func geometryFollowsRowsAndColumns() throws {
        let fixture = try #require(CodecFixture.all.first { $0.name == "png_gray8" })
        let volume = try RasterImageReader.read(path: fixture.streamPath, pixelSpacingMM: SIMD2(0.2, 0.3))
        let g = volume.geometry
        #expect(g.size == SIMD3(32, 24, 1))
        #expect(g.spacing == SIMD3(0.2, 0.3, 1))
        #expect(g.origin == .zero)
        #expect(g.direction == .identity)
        // Voxel (i = column 5, j = row 3) is byte 3 × 32 + 5 of the image.
        guard case .uint8(let v) = volume else {
            Issue.record("not UInt8")
            return
        }
        let raw = try fixture.expected()
        #expect(v[5, 3, 0] == raw[3 * 32 + 5])
        #expect(try RasterImageReader.read(path: fixture.streamPath).geometry.spacing == SIMD3(1, 1, 1))
    }

    @Test func jpegGrayAndColour() throws {
        let gray = try #require(CodecFixture.all.first { $0.name == "jpeg_baseline_gray8" })
        guard case .uint8(let g) = try RasterImageReader.read(bytes: gray.stream()) else {
            Issue.record("gray JPEG is not UInt8")
            return
        }
        let expectedGray = try gray.expected()
        #expect(zip(g.voxels, expectedGray).allSatisfy { abs(Int($0) - Int($1)) <= 1 })

        let colour = try #require(CodecFixture.all.first { $0.name == "jpeg_baseline_rgb8_444" })
        guard case .uint8(let c) = try RasterImageReader.read(bytes: colour.stream()) else {
            Issue.record("colour JPEG is not UInt8")
            return
        }
        let rgb = try colour.expected()
        #expect(c.geometry.size == SIMD3(32, 24, 1))
        for p in 0..<(32 * 24) {
            let y = (299 * Int(rgb[3 * p]) + 587 * Int(rgb[3 * p + 1]) + 114 * Int(rgb[3 * p + 2]) + 500) / 1000
            #expect(abs(Int(c.voxels[p]) - y) <= 1)
        }
    }

    @Test func losslessJPEGFile() throws {
        let fixture = try #require(CodecFixture.all.first { $0.name == "jpll_gray16_sv1" })
        guard case .uint16(let v) = try RasterImageReader.read(bytes: fixture.stream()) else {
            Issue.record("16-bit lossless JPEG is not UInt16")
            return
        }
        let raw = try fixture.expected()
        #expect(v.voxels == stride(from: 0, to: raw.count, by: 2).map { UInt16(raw[$0]) | UInt16(raw[$0 + 1]) << 8 })
    }

    @Test func errorsNameTheFile() throws {
        let missing = "/nonexistent/radiograph.png"
        #expect { _ = try RasterImageReader.read(path: missing) } throws: {
            ($0 as? ImagingError)?.code == .fileNotFound && ($0 as? ImagingError)?.file == missing
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("spk-raster-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let fixture = try #require(CodecFixture.all.first { $0.name == "png_rgb16" })
        let png = try fixture.stream()
        try Data(png.prefix(png.count / 2)).write(to: tmp)
        #expect { _ = try RasterImageReader.read(path: tmp.path) } throws: {
            ($0 as? ImagingError)?.file == tmp.path
        }
        try Data("GIF89a not supported".utf8).write(to: tmp)
        #expect { _ = try RasterImageReader.read(path: tmp.path) } throws: {
            ($0 as? ImagingError)?.code == .unsupported && ($0 as? ImagingError)?.file == tmp.path
        }
    }

    @Test func damagedPNGsThrow() throws {
        let fixture = try #require(CodecFixture.all.first { $0.name == "png_palette8" })
        let png = try fixture.stream()
        for keep in [8, 16, 33, 60, png.count / 2, png.count - 12] {
            #expect(throws: ImagingError.self) { _ = try RasterImageReader.read(bytes: Array(png.prefix(keep))) }
        }
        var rng = SeededGenerator(state: 7)
        for trial in 0..<40 {
            var damaged = png
            for _ in 0...(trial % 4) {
                damaged[Int.random(in: 8..<png.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            // CRCs catch nearly all damage; any outcome but a trap is acceptable.
            _ = try? RasterImageReader.read(bytes: damaged)
        }
        #expect(throws: ImagingError.self) { _ = try RasterImageReader.read(bytes: []) }
        #expect(throws: ImagingError.self) { _ = try RasterImageReader.read(bytes: png, pixelSpacingMM: SIMD2(0, 1)) }
    }
}
