import _CJPEG

/// The only file that touches libjpeg-turbo (through the `_CJPEG` shim, whose setjmp handler turns
/// errors and corrupt-data warnings into return codes): baseline and extended 8-bit JPEG.
///
/// libjpeg-turbo 2.1 decodes neither 12-bit nor lossless JPEG: lossless streams belong to
/// `JPEGLosslessDecoder`, and 12-bit lossy streams are refused with `.unsupported`.
enum LibJPEG {
    /// How a 3-component stream without JFIF/Adobe markers is encoded, from the DICOM
    /// PhotometricInterpretation (YBR_* → YCbCr; RGB → no transform; otherwise libjpeg's guess).
    static func colorHint(photometricInterpretation pi: String) -> Int32 {
        let p = pi.uppercased()
        if p.hasPrefix("YBR") { return Int32(SPK_JPEG_COLOR_YCBCR) }
        if p == "RGB" { return Int32(SPK_JPEG_COLOR_RGB) }
        return Int32(SPK_JPEG_COLOR_AUTO)
    }

    /// Decodes one 8-bit lossy JPEG frame (DICOM 1.2.840.10008.1.2.4.50 / .51 with 8-bit data).
    /// - Returns: exactly `frame.frameByteCount` bytes: gray, or RGB interleaved (YCbCr converted).
    static func decode(_ data: [UInt8], frame: PixelFrameDescriptor) throws -> [UInt8] {
        let total = try frame.checkedFrameByteCount(codec: "JPEG", bitsAllocated: [8, 16])
        let header = try checkedHeader(data, codec: "JPEG")
        guard header.width == frame.columns, header.height == frame.rows, header.components == frame.samplesPerPixel
        else {
            throw frame.mismatch(
                codec: "JPEG", columns: header.width, rows: header.height, components: header.components,
                precision: header.precision)
        }
        let image = try decodeImage(
            data, colorHint: colorHint(photometricInterpretation: frame.photometricInterpretation))
        if frame.bytesPerSample == 1 { return image.pixels }
        // 8-bit JPEG data in 16-bit DICOM samples: widen to little-endian UInt16.
        var out = [UInt8](repeating: 0, count: total)
        for (i, v) in image.pixels.enumerated() { out[2 * i] = v }
        return out
    }

    /// Reads the frame header and refuses what libjpeg-turbo 2.1 cannot decode.
    static func checkedHeader(_ data: [UInt8], codec: String) throws -> JPEGFrameHeader {
        let header = try JPEGFrameHeader(data)
        if header.isLossless {
            throw ImagingError.unsupported(
                "\(codec): lossless JPEG (SOF\(header.process)) must go to the JPEG lossless decoder")
        }
        guard header.precision == 8 else {
            throw ImagingError.unsupported(
                "\(codec): \(header.precision)-bit JPEG cannot be decoded: libjpeg-turbo 2.1 cannot decode 12-bit JPEG")
        }
        return header
    }

    /// Decodes a whole 8-bit JPEG image; colour comes back as interleaved RGB.
    static func decodeImage(_ data: [UInt8], colorHint: Int32 = Int32(SPK_JPEG_COLOR_AUTO)) throws
        -> (width: Int, height: Int, channels: Int, pixels: [UInt8])
    {
        _ = try checkedHeader(data, codec: "JPEG")
        var info = spk_jpeg_info()
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBufferPointer { src in
            spk_jpeg_decode(src.baseAddress, src.count, colorHint, nil, 0, &info, &message, message.count)
        }
        guard status == 0 else { throw error(message, status) }
        let count = try ImagingLimits.checkedVoxelCount(
            [Int(info.width), Int(info.height), Int(info.output_components)])
        var pixels = [UInt8](repeating: 0, count: count)
        let status2 = data.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                spk_jpeg_decode(
                    src.baseAddress, src.count, colorHint, dst.baseAddress, dst.count, &info, &message, message.count)
            }
        }
        guard status2 == 0 else { throw error(message, status2) }
        return (Int(info.width), Int(info.height), Int(info.output_components), pixels)
    }

    private static func error(_ message: [CChar], _ status: Int32) -> ImagingError {
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let lower = text.lowercased()
        if lower.contains("premature end") || lower.contains("ended early") {
            return ImagingError.truncated("JPEG data ends early (libjpeg: \(text))")
        }
        return status == 2
            ? ImagingError.unsupported("JPEG: \(text)")
            : ImagingError.malformed("corrupt JPEG data (libjpeg: \(text))")
    }
}
