import _CDeflate

/// The only file that touches libdeflate: whole-buffer inflate, 2–3× faster than zlib's streaming
/// inflate (it decodes straight into an output buffer of known size).
enum LibDeflate {
    enum Container { case gzip, zlib, raw }

    /// Inflates `input` into exactly `outputSize` bytes (or fewer for raw/zlib when the stream is shorter).
    /// Returns nil when the output does not fit in `outputSize` bytes, when a gzip file has further
    /// members after the first, or when the data are corrupt or truncated (libdeflate does not say which):
    /// the caller then falls back to zlib's streaming inflate, which says precisely what is wrong.
    static func decompress(_ input: [UInt8], container: Container, outputSize: Int) throws -> [UInt8]? {
        guard let d = libdeflate_alloc_decompressor() else {
            throw ImagingError(.unreadable, "could not allocate a decompressor")
        }
        defer { libdeflate_free_decompressor(d) }
        var out = [UInt8](repeating: 0, count: outputSize)
        var consumed = 0
        var produced = 0
        let result: libdeflate_result = input.withUnsafeBytes { inBuf in
            out.withUnsafeMutableBytes { outBuf in
                switch container {
                case .gzip:
                    return libdeflate_gzip_decompress_ex(
                        d, inBuf.baseAddress, inBuf.count, outBuf.baseAddress, outBuf.count, &consumed, &produced)
                case .zlib:
                    return libdeflate_zlib_decompress_ex(
                        d, inBuf.baseAddress, inBuf.count, outBuf.baseAddress, outBuf.count, &consumed, &produced)
                case .raw:
                    return libdeflate_deflate_decompress_ex(
                        d, inBuf.baseAddress, inBuf.count, outBuf.baseAddress, outBuf.count, &consumed, &produced)
                }
            }
        }
        switch result {
        case LIBDEFLATE_SUCCESS:
            if container == .gzip && consumed < input.count && input.count - consumed >= 2
                && input[consumed] == 0x1F && input[consumed + 1] == 0x8B
            {
                return nil  // more gzip members follow
            }
            if produced < out.count { out.removeLast(out.count - produced) }
            return out
        default:
            return nil
        }
    }
}
