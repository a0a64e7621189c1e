import _CPNG

/// The only file that touches libpng (through the `_CPNG` shim, whose setjmp handler turns libpng
/// errors into return codes): PNG files of every colour type and bit depth.
enum LibPNG {
    /// A decoded PNG: 1 (gray) or 3 (RGB) channels, 8- or 16-bit samples.
    struct Image {
        var width: Int
        var height: Int
        var channels: Int
        /// 8 or 16.
        var bitDepth: Int
        /// Rows top to bottom, interleaved channels; 16-bit samples little-endian.
        var bytes: [UInt8]
    }

    /// True when `bytes` start with the PNG signature.
    static func isPNG(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    /// Decodes a PNG held in memory: palettes expanded to RGB, gray below 8 bits scaled to 8 bits
    /// (bit replication), alpha dropped, 16-bit kept.
    static func decode(_ data: [UInt8]) throws -> Image {
        guard isPNG(data) else { throw ImagingError.malformed("not a PNG file (bad signature)", offset: 0) }
        var info = spk_png_info()
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBufferPointer { src in
            spk_png_decode(src.baseAddress, src.count, nil, 0, &info, &message, message.count)
        }
        guard status == 0 else { throw error(message) }
        let bytesPerSample = info.output_bit_depth == 16 ? 2 : 1
        let count = try ImagingLimits.checkedVoxelCount(
            [Int(info.width), Int(info.height), Int(info.output_channels)], bytesPerVoxel: bytesPerSample)
        var bytes = [UInt8](repeating: 0, count: count * bytesPerSample)
        let status2 = data.withUnsafeBufferPointer { src in
            bytes.withUnsafeMutableBufferPointer { dst in
                spk_png_decode(src.baseAddress, src.count, dst.baseAddress, dst.count, &info, &message, message.count)
            }
        }
        guard status2 == 0 else { throw error(message) }
        return Image(
            width: Int(info.width), height: Int(info.height), channels: Int(info.output_channels),
            bitDepth: Int(info.output_bit_depth), bytes: bytes)
    }

    private static func error(_ message: [CChar]) -> ImagingError {
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.contains("ended early") || text.lowercased().contains("truncat") || text.contains("Not enough") {
            return ImagingError.truncated("PNG data ends early (libpng: \(text))")
        }
        return ImagingError.malformed("corrupt PNG data (libpng: \(text))")
    }
}
