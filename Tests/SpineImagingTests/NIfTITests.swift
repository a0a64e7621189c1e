import Foundation
import Testing

@testable import SpineImaging

private typealias Support = VolumeFileTestSupport

@Suite struct NIfTITests {
    struct Variant: CustomTestStringConvertible, Sendable {
        var ext: String
        var format: NIfTI.Format
        var testDescription: String { "\(format) \(ext)" }
    }
    static let variants = [
        Variant(ext: ".nii", format: .nifti1), Variant(ext: ".nii.gz", format: .nifti1),
        Variant(ext: ".nii", format: .nifti2), Variant(ext: ".nii.gz", format: .nifti2),
    ]

    // MARK: Round trips

    @Test(arguments: VoxelDataType.allCases, variants)
    func roundTripEveryTypeAndFormat(type: VoxelDataType, variant: Variant) throws {
        let dir = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for leftHanded in [false, true] {
            let volume = Support.sampleVolume(type, geometry: Support.obliqueGeometry(leftHanded: leftHanded))
            let path = dir.appendingPathComponent("v\(leftHanded)\(variant.ext)").path
            try NIfTI.write(volume, to: path, format: variant.format)
            let bytes = try FileIO.read(path)
            #expect(Zlib.isGzip(bytes) == variant.ext.hasSuffix(".gz"))
            let back = try NIfTI.read(path: path)
            Support.expectSameVolume(back, volume, tolerance: 1e-6)
        }
    }

    /// The written qform alone (as a reader that ignores the sform sees it) gives the same geometry.
    @Test(arguments: [false, true], [NIfTI.Format.nifti1, .nifti2])
    func writtenQformMatchesSform(leftHanded: Bool, format: NIfTI.Format) throws {
        let g = Support.obliqueGeometry(leftHanded: leftHanded)
        let bytes = try NIfTI.encode(Support.sampleVolume(.int16, geometry: g), format: format)
        let h = try NIfTIHeader.parse(bytes)
        #expect(h.format == format)
        #expect(h.sformCode == 1 && h.qformCode == 1)
        #expect(h.pixdim[0] == (leftHanded ? -1 : 1))
        let q = try h.qformAffineRAS()
        let s = h.sformAffineRAS
        for r in 0..<3 { for c in 0..<4 { #expect(abs(q[r][c] - s[r][c]) < 1e-5, "qform[\(r)][\(c)]") } }
        // The sform is the LPS affine with the first two rows negated.
        let lps = g.affineLPS
        for c in 0..<4 {
            #expect(
                abs(s[0][c] + lps[0][c]) < 1e-5 && abs(s[1][c] + lps[1][c]) < 1e-5 && abs(s[2][c] - lps[2][c]) < 1e-5)
        }
    }

    @Test func roundTripTwoDimensionalImage() throws {
        let g = ImageGeometry(size: SIMD3(7, 5, 1), spacing: SIMD3(0.5, 0.25, 1), origin: SIMD3(1, 2, 3))
        let v = Support.sampleVolume(.uint16, geometry: g)
        let back = try NIfTI.read(bytes: try NIfTI.encode(v), name: "2d")
        Support.expectSameVolume(back, v)
    }

    // MARK: Files written by nibabel

    @Test func nibabelFixturesGiveNibabelsWorldAndValues() throws {
        let cases = try Support.expectations("nifti")
        #expect(cases.count >= 15)
        for e in cases {
            let path = TestData.fixtures.appendingPathComponent("nifti").appendingPathComponent(e.file).path
            let v = try NIfTI.read(path: path, volumeIndex: e.volumeIndex)
            Support.check(v, against: e)
        }
    }

    @Test func affinePrecedenceFollowsNibabel() throws {
        // both_differ has a qform at (100, 100, 100) RAS and an sform at (−5, 6, −7): the sform wins.
        let both = try NIfTI.read(path: TestData.fixtures.appendingPathComponent("nifti/both_differ.nii.gz").path)
        #expect((both.geometry.origin - SIMD3(5, -6, -7)).length < 1e-5)
        // neither: centred pixdim affine with x flipped; nibabel makes pixdim −3 positive.
        let neither = try NIfTI.read(path: TestData.fixtures.appendingPathComponent("nifti/neither.nii").path)
        #expect((neither.geometry.spacing - SIMD3(2, 3, 4)).length < 1e-9)
        #expect(neither.geometry.axisCodes.description == "LAS")
    }

    @Test func fourDimensionalVolumeSelection() throws {
        let path = TestData.fixtures.appendingPathComponent("nifti/fourd.nii.gz").path
        let v0 = try NIfTI.read(path: path, volumeIndex: 0)
        let v2 = try NIfTI.read(path: path, volumeIndex: 2)
        #expect(v0.geometry == v2.geometry)
        #expect(Support.doubles(v0) != Support.doubles(v2))
        Support.expectError(.invalidArgument, "volume index 3 is out of range: the image has 3 volume(s)") {
            _ = try NIfTI.read(path: path, volumeIndex: 3)
        }
    }

    // MARK: Real data

    @Test(.enabled(if: TestData.isAvailable, "needs ../shared/data"))
    func realLumbarVolumesHaveStatedGeometry() throws {
        let img = try NIfTI.read(path: try TestData.path("lumbar-mri-real/VB3/VB3_01_img.nii.gz"))
        #expect(img.dataType == .uint8)
        #expect(img.geometry.size == SIMD3(224, 224, 77))
        #expect(img.geometry.axisCodes.description == "IPR")
        #expect((img.geometry.spacing - SIMD3(1, 1, 1)).length < 1e-6)
        let r = try #require(img.valueRange)
        #expect(r.min == 0 && r.max == 255)

        let seg = try NIfTI.read(path: try TestData.path("lumbar-mri-real/VB3/VB3_01_seg.nii.gz"))
        #expect(seg.dataType == .uint8)
        #expect(seg.geometry == img.geometry)
        let s = try #require(seg.valueRange)
        #expect(s.min == 0 && s.max == 5)

        let ivd = try NIfTI.read(path: try TestData.path("lumbar-mri-real/IVD/IVD_11_img.nii.gz"))
        #expect(ivd.dataType == .uint16)
        #expect(ivd.geometry.size == SIMD3(221, 221, 67))
        #expect(ivd.geometry.axisCodes.description == "IPR")
        let iv = try #require(ivd.valueRange)
        #expect(iv.min == 1 && iv.max == 1580)
    }

    // MARK: Malformed input

    /// A valid little-endian NIfTI-1 file of 4×3×2 int16 voxels to corrupt.
    static func valid(_ format: NIfTI.Format = .nifti1) throws -> [UInt8] {
        let g = ImageGeometry(size: SIMD3(4, 3, 2))
        return try NIfTI.encode(Support.sampleVolume(.int16, geometry: g), format: format)
    }

    static func put16(_ b: inout [UInt8], _ offset: Int, _ v: Int16) {
        withUnsafeBytes(of: v.littleEndian) { for (n, x) in $0.enumerated() { b[offset + n] = x } }
    }
    static func put32(_ b: inout [UInt8], _ offset: Int, _ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { for (n, x) in $0.enumerated() { b[offset + n] = x } }
    }
    static func put64(_ b: inout [UInt8], _ offset: Int, _ v: Int64) {
        withUnsafeBytes(of: v.littleEndian) { for (n, x) in $0.enumerated() { b[offset + n] = x } }
    }

    @Test func truncatedHeader() throws {
        let b = Array(try Self.valid().prefix(200))
        Support.expectError(.truncated, "NIfTI header needs 348 bytes but the file has 200") {
            _ = try NIfTI.read(bytes: b, name: "t.nii")
        }
    }

    @Test func badSizeofHdr() throws {
        var b = try Self.valid()
        Self.put32(&b, 0, 123)
        Support.expectError(.malformed, "sizeof_hdr is 123") { _ = try NIfTI.read(bytes: b) }
    }

    @Test func dimensionsClaimingTenToTheTwelveVoxels() throws {
        var b = try Self.valid()
        for n in 1...3 { Self.put16(&b, 40 + 2 * n, 10_000) }
        Support.expectError(.tooLarge, "10000×10000×10000×1 exceed the limit") { _ = try NIfTI.read(bytes: b) }
        var b2 = try Self.valid(.nifti2)
        Self.put64(&b2, 16 + 8, 1_000_000)
        Self.put64(&b2, 16 + 16, 1_000_000)
        Support.expectError(.tooLarge, "exceed the limit") { _ = try NIfTI.read(bytes: b2) }
    }

    @Test func negativeDimension() throws {
        var b = try Self.valid()
        Self.put16(&b, 44, -5)
        Support.expectError(.malformed, "negative image dimension dim[2] = -5") { _ = try NIfTI.read(bytes: b) }
    }

    @Test func voxOffsetPastEndOfFile() throws {
        var b = try Self.valid()
        Self.put32(&b, 108, Float(1_000_000).bitPattern)
        Support.expectError(.truncated, "vox_offset 1000000 is past the end of the data (400 bytes)") {
            _ = try NIfTI.read(bytes: b)
        }
    }

    @Test func dataShorterThanDeclared() throws {
        let b = Array(try Self.valid().dropLast(10))
        Support.expectError(.truncated, "image data needs 48 bytes after vox_offset 352 but only 38 are present") {
            _ = try NIfTI.read(bytes: b)
        }
    }

    @Test func truncatedGzip() throws {
        let gz = try Zlib.compress(try Self.valid(), format: .gzip)
        let cut = Array(gz.prefix(gz.count / 2))
        Support.expectError(.truncated, "compressed stream ends before its end marker") {
            _ = try NIfTI.read(bytes: cut)
        }
    }

    @Test func unsupportedVariants() throws {
        var pair = try Self.valid()
        pair[345] = 0x69  // "ni1"
        Support.expectError(.unsupported, ".hdr/.img pair") { _ = try NIfTI.read(bytes: pair) }
        var rgb = try Self.valid()
        Self.put16(&rgb, 70, 128)
        Support.expectError(.unsupported, "RGB") { _ = try NIfTI.read(bytes: rgb) }
        var five = try Self.valid()
        Self.put16(&five, 40, 5)
        Self.put16(&five, 50, 2)
        Support.expectError(.unsupported, "5D NIfTI images are not supported") { _ = try NIfTI.read(bytes: five) }
        var unknown = try Self.valid()
        Self.put16(&unknown, 70, 3)
        Support.expectError(.malformed, "unknown NIfTI datatype 3") { _ = try NIfTI.read(bytes: unknown) }
    }

    @Test func bigEndianSizeofHdrIsDetected() throws {
        let path = TestData.fixtures.appendingPathComponent("nifti/bigendian.nii").path
        let h = try NIfTIHeader.parse(try FileIO.read(path))
        #expect(h.bigEndian && h.format == .nifti1)
    }

    @Test func missingFileNamesThePath() {
        guard let e = Support.imagingError({ _ = try NIfTI.read(path: "/nonexistent/x.nii") }) else { return }
        #expect(e.code == .fileNotFound)
        #expect(e.description.contains("/nonexistent/x.nii"))
    }
}
