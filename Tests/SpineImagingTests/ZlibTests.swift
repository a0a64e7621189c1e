import Testing

@testable import SpineImaging

/// Inflate paths: libdeflate into a known size, zlib streaming for everything else, same bytes either way.
@Suite struct ZlibTests {
    static let payload: [UInt8] = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 13) }

    @Test(arguments: [Zlib.Format.gzip, .zlib, .raw])
    func roundTrip(format: Zlib.Format) throws {
        let packed = try Zlib.compress(Self.payload, format: format)
        #expect(try Zlib.decompress(packed, format: format, expectedSize: Self.payload.count) == Self.payload)
        #expect(try Zlib.decompress(packed, format: format) == Self.payload, "without a size hint")
        #expect(
            try Zlib.decompress(packed, format: format, expectedSize: 10) == Self.payload, "a hint that is too small")
    }

    @Test func concatenatedGzipMembers() throws {
        let a = try Zlib.compress(Array(Self.payload[0..<1000]), format: .gzip)
        let b = try Zlib.compress(Array(Self.payload[1000...]), format: .gzip)
        #expect(try Zlib.decompress(a + b, format: .gzip) == Self.payload)
    }

    /// A gzip trailer claiming 4 GiB is not believed (no 4 GiB buffer): the stream is reported corrupt.
    @Test func lyingGzipSizeIsNotAllocated() throws {
        var packed = try Zlib.compress(Array(Self.payload[0..<100]), format: .gzip)
        let n = packed.count
        packed[n - 4] = 0xF0; packed[n - 3] = 0xFF; packed[n - 2] = 0xFF; packed[n - 1] = 0xFF
        #expect { try Zlib.decompress(packed, format: .gzip) } throws: { ($0 as? ImagingError)?.code == .malformed }
    }

    @Test func truncatedAndCorruptStreamsAreNamed() throws {
        let packed = try Zlib.compress(Self.payload, format: .gzip)
        #expect {
            try Zlib.decompress(Array(packed[0..<packed.count / 2]), format: .gzip)
        } throws: { ($0 as? ImagingError)?.code == .truncated }
        var bad = packed
        for i in 20..<60 { bad[i] ^= 0x5A }
        #expect(throws: ImagingError.self) { try Zlib.decompress(bad, format: .gzip) }
    }

    @Test func decompressionBombIsRefused() throws {
        let zeros = [UInt8](repeating: 0, count: 5_000_000)
        let packed = try Zlib.compress(zeros, format: .gzip)
        #expect { try Zlib.decompress(packed, format: .gzip, limit: 1_000_000) } throws: {
            ($0 as? ImagingError)?.code == .tooLarge
        }
    }
}
