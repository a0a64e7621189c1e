import _CZlib

/// The only file that touches zlib's C API: gzip/zlib/raw-deflate compression and bounded decompression.
enum Zlib {
    enum Format {
        /// RFC 1952 gzip (`.nii.gz`); concatenated members are read in sequence.
        case gzip
        /// RFC 1950 zlib stream (MetaImage `CompressedData`).
        case zlib
        /// RFC 1951 raw deflate (DICOM Deflated Explicit VR LE, zip entries).
        case raw
        /// gzip or zlib, detected from the header.
        case auto

        var windowBits: Int32 {
            switch self {
            case .gzip: 15 + 16
            case .zlib: 15
            case .raw: -15
            case .auto: 15 + 32
            }
        }
    }

    /// True when `bytes` start with the gzip magic number.
    static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        var it = bytes.makeIterator()
        return it.next() == 0x1F && it.next() == 0x8B
    }

    /// Inflates `input`, refusing to produce more than `limit` bytes (a decompression bomb guard).
    /// - Parameter expectedSize: a size hint to reserve the output once.
    static func decompress(
        _ input: [UInt8], format: Format, limit: Int = ImagingLimits.maxBytes, expectedSize: Int? = nil
    ) throws -> [UInt8] {
        // Fast path: libdeflate into a buffer of known size — gzip's trailer records it (mod 2³²), other
        // containers need the caller's expectation. Deflate expands at most 1032:1, which bounds any hint.
        let gzip = format == .gzip || (format == .auto && isGzip(input))
        var hint = expectedSize
        if gzip, input.count >= 18 {
            let n = input.count
            hint = Int(
                UInt32(input[n - 4]) | UInt32(input[n - 3]) << 8 | UInt32(input[n - 2]) << 16 | UInt32(input[n - 1])
                    << 24)
        }
        if let h = hint, h > 0, h <= min(limit, input.count.multipliedReportingOverflow(by: 1032).partialValue + 64) {
            let container: LibDeflate.Container = gzip ? .gzip : (format == .raw ? .raw : .zlib)
            if let out = try LibDeflate.decompress(input, container: container, outputSize: h) { return out }
        }
        return try streamingDecompress(input, format: format, limit: limit, expectedSize: expectedSize)
    }

    /// zlib's streaming inflate: for multi-member gzip, unknown sizes, and outputs that outgrow a hint.
    private static func streamingDecompress(
        _ input: [UInt8], format: Format, limit: Int, expectedSize: Int?
    ) throws -> [UInt8] {
        var out = [UInt8]()
        if let expectedSize, expectedSize > 0, expectedSize <= limit { out.reserveCapacity(expectedSize) }
        var stream = z_stream()
        guard inflateInit2_(&stream, format.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImagingError(.unreadable, "could not initialise zlib")
        }
        defer { inflateEnd(&stream) }
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var consumed = 0
        try input.withUnsafeBufferPointer { inBuf in
            guard let base = inBuf.baseAddress else {
                throw ImagingError.truncated("compressed stream is empty")
            }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = UInt32(clamping: inBuf.count)
            while true {
                let status: Int32 = buffer.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(chunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk - Int(stream.avail_out)
                guard out.count + produced <= limit else {
                    throw ImagingError(.tooLarge, "compressed data expands beyond \(limit) bytes")
                }
                out.append(contentsOf: buffer[0..<produced])
                switch status {
                case Z_STREAM_END:
                    consumed = inBuf.count - Int(stream.avail_in)
                    // gzip allows several members back to back; continue with the next one.
                    if format == .gzip || format == .auto, consumed + 2 <= inBuf.count,
                        inBuf[consumed] == 0x1F, inBuf[consumed + 1] == 0x8B
                    {
                        guard inflateReset(&stream) == Z_OK else { return }
                        continue
                    }
                    return
                case Z_OK:
                    if stream.avail_in == 0 && produced == 0 {
                        throw ImagingError.truncated("compressed stream ends before its end marker")
                    }
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 {
                        throw ImagingError.truncated("compressed stream ends before its end marker")
                    }
                default:
                    throw ImagingError.malformed("corrupt compressed data (zlib error \(status))")
                }
            }
        }
        return out
    }

    /// Deflates `input` into the given container format (`.auto` is treated as gzip).
    static func compress(_ input: [UInt8], format: Format, level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        let bits = format == .auto ? Format.gzip.windowBits : format.windowBits
        guard
            deflateInit2_(
                &stream, level, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw ImagingError(.writeFailed, "could not initialise zlib")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 64
        var out = [UInt8](repeating: 0, count: bound)
        let status: Int32 = input.withUnsafeBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw ImagingError(.writeFailed, "compression failed (zlib \(status))") }
        out.removeLast(out.count - Int(stream.total_out))
        return out
    }
}
