import _CCharLS

/// The only file that touches CharLS: JPEG-LS lossless and near-lossless (DICOM 1.2.840.10008.1.2.4.80/.81).
enum CharLS {
    /// Decodes one JPEG-LS frame: 2–16-bit samples, 1 or 3 components, any interleave mode.
    /// - Returns: exactly `frame.frameByteCount` bytes, samples interleaved, little-endian.
    static func decode(_ data: [UInt8], frame: PixelFrameDescriptor) throws -> [UInt8] {
        let total = try frame.checkedFrameByteCount(codec: "JPEG-LS")
        try checkEndsWithEOI(data)
        guard let decoder = charls_jpegls_decoder_create() else {
            throw ImagingError(.unreadable, "JPEG-LS: could not create a CharLS decoder")
        }
        defer { charls_jpegls_decoder_destroy(decoder) }
        return try data.withUnsafeBufferPointer { src -> [UInt8] in
            guard let base = src.baseAddress, src.count > 0 else {
                throw ImagingError.truncated("JPEG-LS stream is empty")
            }
            try check(charls_jpegls_decoder_set_source_buffer(decoder, base, src.count))
            try check(charls_jpegls_decoder_read_header(decoder))
            var info = charls_frame_info()
            try check(charls_jpegls_decoder_get_frame_info(decoder, &info))
            let width = Int(info.width)
            let height = Int(info.height)
            let components = Int(info.component_count)
            let bits = Int(info.bits_per_sample)
            guard width == frame.columns, height == frame.rows, components == frame.samplesPerPixel,
                bits <= 8 * frame.bytesPerSample
            else {
                throw frame.mismatch(
                    codec: "JPEG-LS", columns: width, rows: height, components: components, precision: bits)
            }
            var mode = CHARLS_INTERLEAVE_MODE_NONE
            try check(charls_jpegls_decoder_get_interleave_mode(decoder, &mode))
            var size = 0
            try check(charls_jpegls_decoder_get_destination_size(decoder, 0, &size))
            let decodedBytesPerSample = bits <= 8 ? 1 : 2
            guard size == width * height * components * decodedBytesPerSample else {
                throw ImagingError.malformed(
                    "JPEG-LS: CharLS reports \(size) decoded bytes for a \(width)×\(height)×\(components) frame")
            }
            var decoded = [UInt8](repeating: 0, count: size)
            try decoded.withUnsafeMutableBytes { dst in
                guard let out = dst.baseAddress else { throw ImagingError.malformed("JPEG-LS: empty frame") }
                try check(charls_jpegls_decoder_decode_to_buffer(decoder, out, dst.count, 0))
            }
            // Interleave mode "none" decodes plane after plane; line and sample modes decode to
            // interleaved pixels. Reorder and widen into the native DICOM layout.
            let planar = components > 1 && mode == CHARLS_INTERLEAVE_MODE_NONE
            let pixels = width * height
            let outBPS = frame.bytesPerSample
            if !planar && outBPS == decodedBytesPerSample { return decoded }
            var out = [UInt8](repeating: 0, count: total)
            for p in 0..<pixels {
                for c in 0..<components {
                    let src = (planar ? c * pixels + p : p * components + c) * decodedBytesPerSample
                    let dst = (p * components + c) * outBPS
                    out[dst] = decoded[src]
                    if decodedBytesPerSample == 2 { out[dst + 1] = decoded[src + 1] }
                }
            }
            return out
        }
    }

    /// Refuses a stream that does not end with an EOI marker (after the zero or 0xFF padding that
    /// makes DICOM fragments even-length). CharLS 2.4 spends seconds on some truncated streams
    /// before failing (measured: 5 s for a 468-byte 3-scan stream cut in half), so a cut stream is
    /// rejected here, in microseconds, before CharLS sees it.
    static func checkEndsWithEOI(_ data: [UInt8]) throws {
        var end = data.count
        while end > 0 && data[end - 1] == 0x00 { end -= 1 }
        guard end >= 2, data[end - 2] == 0xFF, data[end - 1] == 0xD9 else {
            throw ImagingError.truncated("JPEG-LS stream of \(data.count) bytes does not end with an EOI marker")
        }
    }

    private static func check(_ code: charls_jpegls_errc) throws {
        guard code != CHARLS_JPEGLS_ERRC_SUCCESS else { return }
        let text = charls_get_error_message(code).map { String(cString: $0) } ?? "error \(code.rawValue)"
        switch code {
        case CHARLS_JPEGLS_ERRC_SOURCE_BUFFER_TOO_SMALL:
            throw ImagingError.truncated("JPEG-LS stream ends early (CharLS: \(text))")
        case CHARLS_JPEGLS_ERRC_PARAMETER_VALUE_NOT_SUPPORTED, CHARLS_JPEGLS_ERRC_ENCODING_NOT_SUPPORTED,
            CHARLS_JPEGLS_ERRC_BIT_DEPTH_FOR_TRANSFORM_NOT_SUPPORTED, CHARLS_JPEGLS_ERRC_COLOR_TRANSFORM_NOT_SUPPORTED:
            throw ImagingError.unsupported("JPEG-LS: \(text)")
        default:
            throw ImagingError.malformed("corrupt JPEG-LS data (CharLS: \(text))")
        }
    }
}
