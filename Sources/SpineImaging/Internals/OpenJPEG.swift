import _COpenJPEG

/// The only file that touches OpenJPEG: JPEG 2000 (DICOM 1.2.840.10008.1.2.4.90/.91/.201–.203)
/// from memory, as a raw J2K codestream or a JP2 file.
///
/// Reads through a custom `opj_stream` over the caller's buffer (read/skip/seek callbacks), decodes
/// in OpenJPEG's strict mode so that a truncated codestream is an error rather than a partly empty
/// image, and installs message handlers so nothing is printed to stderr: OpenJPEG's messages end up
/// in the thrown `ImagingError`.
enum OpenJPEG {
    /// Decodes one JPEG 2000 frame: 1 or 3 components, up to 16-bit, signed or unsigned, lossless
    /// or lossy. The library inverts the multi-component transform (RCT/ICT), so colour comes back RGB.
    /// - Returns: exactly `frame.frameByteCount` bytes, samples interleaved, little-endian
    ///   (signed values as two's complement).
    static func decode(_ data: [UInt8], frame: PixelFrameDescriptor) throws -> [UInt8] {
        let total = try frame.checkedFrameByteCount(codec: "JPEG 2000")
        let codestream: [UInt8]
        if data.starts(with: [0xFF, 0x4F, 0xFF, 0x51]) {
            codestream = data
        } else if data.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]) {
            codestream = Array(data[try contiguousCodestreamRange(ofJP2: data)])
        } else if data.count < 12 {
            throw ImagingError.truncated("JPEG 2000 stream of \(data.count) bytes")
        } else {
            throw ImagingError.malformed("not a JPEG 2000 codestream or JP2 file (bad magic bytes)", offset: 0)
        }
        return try decodeCodestream(codestream, frame: frame, total: total)
    }

    /// The bytes of the contiguous codestream box ('jp2c') of a JP2 file (ISO/IEC 15444-1 Annex I).
    ///
    /// JP2 files are decoded as their raw codestream, so there is one decoding path: DICOM needs none
    /// of the JP2 header boxes (the codestream carries the grid, precision and colour transform;
    /// a JP2 'colr' box declaring sYCC is not applied).
    static func contiguousCodestreamRange(ofJP2 data: [UInt8]) throws -> Range<Int> {
        var r = ByteReader(data)
        while !r.isAtEnd {
            let start = r.offset
            var length = Int(try r.readUInt32(bigEndian: true, "JP2 box header"))
            let type = try r.readUInt32(bigEndian: true, "JP2 box header")
            var header = 8
            if length == 1 {
                let xl = try r.readUInt64(bigEndian: true, "JP2 box header")
                guard xl <= UInt64(Int.max) else { throw ImagingError.malformed("JP2 box length \(xl)", offset: start) }
                length = Int(xl)
                header = 16
            } else if length == 0 {
                length = data.count - start
            }
            guard length >= header else {
                throw ImagingError.malformed("JP2 box of \(length) bytes is shorter than its header", offset: start)
            }
            if type == 0x6A70_3263 {  // 'jp2c'
                let end = start + length
                guard end <= data.count else {
                    throw ImagingError.truncated("JPEG 2000 codestream box ends past the data", offset: start)
                }
                return (start + header)..<end
            }
            try r.skip(length - header, "JP2 box")
        }
        throw ImagingError.malformed("JP2 file without a codestream box")
    }

    private static func decodeCodestream(_ data: [UInt8], frame: PixelFrameDescriptor, total: Int) throws -> [UInt8] {
        let format = OPJ_CODEC_J2K
        return try data.withUnsafeBufferPointer { buffer -> [UInt8] in
            let context = Context(buffer: buffer)
            return try withExtendedLifetime(context) { () throws -> [UInt8] in
                let user = Unmanaged.passUnretained(context).toOpaque()
                guard let codec = opj_create_decompress(format) else {
                    throw ImagingError(.unreadable, "JPEG 2000: could not create an OpenJPEG decoder")
                }
                defer { opj_destroy_codec(codec) }
                _ = opj_set_info_handler(codec, { _, _ in }, user)
                _ = opj_set_warning_handler(codec, { msg, user in Context.from(user)?.record(msg, error: false) }, user)
                _ = opj_set_error_handler(codec, { msg, user in Context.from(user)?.record(msg, error: true) }, user)
                var parameters = opj_dparameters_t()
                opj_set_default_decoder_parameters(&parameters)
                guard opj_setup_decoder(codec, &parameters) != 0 else {
                    throw context.failure("could not set up the decoder")
                }
                _ = opj_decoder_set_strict_mode(codec, 1)

                guard let stream = opj_stream_create(1 << 16, 1) else {
                    throw ImagingError(.unreadable, "JPEG 2000: could not create an OpenJPEG stream")
                }
                defer { opj_stream_destroy(stream) }
                opj_stream_set_user_data(stream, user, nil)
                opj_stream_set_user_data_length(stream, UInt64(buffer.count))
                opj_stream_set_read_function(stream) { out, n, user in
                    guard let context = Context.from(user), let out else { return Context.endOfData }
                    return context.read(into: out, count: n)
                }
                opj_stream_set_skip_function(stream) { n, user in Context.from(user)?.skip(n) ?? -1 }
                opj_stream_set_seek_function(stream) { n, user in (Context.from(user)?.seek(to: n) ?? false) ? 1 : 0 }

                var imagePointer: UnsafeMutablePointer<opj_image_t>?
                guard opj_read_header(stream, codec, &imagePointer) != 0, let image = imagePointer else {
                    if let imagePointer { opj_image_destroy(imagePointer) }
                    throw context.failure("could not read the header")
                }
                defer { opj_image_destroy(image) }
                try checkHeader(image.pointee, frame: frame)
                guard opj_decode(codec, stream, image) != 0, opj_end_decompress(codec, stream) != 0 else {
                    throw context.failure("could not decode the codestream")
                }
                if let fatal = context.errors.first {
                    throw ImagingError.malformed("corrupt JPEG 2000 data (OpenJPEG: \(fatal))")
                }
                return try interleave(image.pointee, frame: frame, total: total)
            }
        }
    }

    /// Compares the header's grid, components and precision with the DICOM attributes before
    /// anything large is allocated.
    private static func checkHeader(_ image: opj_image_t, frame: PixelFrameDescriptor) throws {
        let count = Int(image.numcomps)
        let width = Int(image.x1) - Int(image.x0)
        let height = Int(image.y1) - Int(image.y0)
        guard let comps = image.comps, count == frame.samplesPerPixel, width == frame.columns, height == frame.rows
        else {
            throw frame.mismatch(codec: "JPEG 2000", columns: width, rows: height, components: count)
        }
        for c in 0..<count {
            let comp = comps[c]
            guard comp.dx == 1, comp.dy == 1 else {
                throw ImagingError.unsupported("JPEG 2000: component \(c + 1) is subsampled \(comp.dx)×\(comp.dy)")
            }
            guard comp.prec >= 1, comp.prec <= 8 * frame.bytesPerSample, comp.prec <= 16 else {
                throw frame.mismatch(
                    codec: "JPEG 2000", columns: width, rows: height, components: count, precision: Int(comp.prec))
            }
        }
    }

    /// Copies OpenJPEG's per-component Int32 planes into interleaved little-endian samples.
    private static func interleave(_ image: opj_image_t, frame: PixelFrameDescriptor, total: Int) throws -> [UInt8] {
        let spp = frame.samplesPerPixel
        let bps = frame.bytesPerSample
        let pixels = frame.rows * frame.columns
        var out = [UInt8](repeating: 0, count: total)
        guard let comps = image.comps else { throw ImagingError.malformed("JPEG 2000: image without components") }
        for c in 0..<spp {
            let comp = comps[c]
            guard let data = comp.data, Int(comp.w) == frame.columns, Int(comp.h) == frame.rows else {
                throw ImagingError.malformed(
                    "JPEG 2000: component \(c + 1) decoded to \(comp.w)×\(comp.h), no data or wrong size")
            }
            let prec = Int(comp.prec)
            let lo = comp.sgnd != 0 ? -(1 << (prec - 1)) : 0
            let hi = comp.sgnd != 0 ? (1 << (prec - 1)) - 1 : (1 << prec) - 1
            let plane = UnsafeBufferPointer(start: data, count: pixels)
            var o = c * bps
            for p in 0..<pixels {
                let v = min(max(Int(plane[p]), lo), hi)
                out[o] = UInt8(truncatingIfNeeded: v)
                if bps == 2 { out[o + 1] = UInt8(truncatingIfNeeded: v >> 8) }
                o += spp * bps
            }
        }
        return out
    }

    /// The memory source and message log behind the C callbacks (passed as their user data).
    private final class Context {
        let buffer: UnsafeBufferPointer<UInt8>
        var offset = 0
        var errors: [String] = []
        var warnings: [String] = []

        init(buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

        static func from(_ user: UnsafeMutableRawPointer?) -> Context? {
            guard let user else { return nil }
            return Unmanaged<Context>.fromOpaque(user).takeUnretainedValue()
        }

        func record(_ message: UnsafePointer<CChar>?, error: Bool) {
            guard let message else { return }
            let text = String(cString: message).trimmingTrailingNewlines()
            if error { errors.append(text) } else { warnings.append(text) }
        }

        /// What the read callback returns at the end of the data: C's `(OPJ_SIZE_T)-1`. Swift imports
        /// size_t as `Int`, so this is -1 (`Int.max` would read as a huge byte count and make
        /// OpenJPEG move past the end of its stream and abort on an assertion).
        static let endOfData: OPJ_SIZE_T = -1

        /// OpenJPEG's read callback: `endOfData` at the end of the data.
        func read(into out: UnsafeMutableRawPointer, count n: Int) -> Int {
            let available = buffer.count - offset
            guard available > 0, let base = buffer.baseAddress else { return Context.endOfData }
            let k = min(n, available)
            out.copyMemory(from: base + offset, byteCount: k)
            offset += k
            return k
        }

        func skip(_ n: Int64) -> Int64 {
            let target = min(max(Int64(offset) + n, 0), Int64(buffer.count))
            let moved = target - Int64(offset)
            offset = Int(target)
            return moved
        }

        func seek(to n: Int64) -> Bool {
            guard n >= 0, n <= Int64(buffer.count) else { return false }
            offset = Int(n)
            return true
        }

        /// The error to throw when an OpenJPEG call fails, with what it reported.
        func failure(_ what: String) -> ImagingError {
            let detail = (errors + warnings).joined(separator: "; ")
            let said = detail.isEmpty ? "" : " (OpenJPEG: \(detail))"
            let lower = detail.lowercased()
            if lower.contains("too short") || lower.contains("truncat") || lower.contains("end of stream")
                || lower.contains("eoc") || offset >= buffer.count
            {
                return ImagingError.truncated("JPEG 2000 codestream ends early: \(what)\(said)")
            }
            return ImagingError.malformed("corrupt JPEG 2000 data: \(what)\(said)")
        }
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var s = self
        while s.last == "\n" || s.last == "\r" { s.removeLast() }
        return s
    }
}
