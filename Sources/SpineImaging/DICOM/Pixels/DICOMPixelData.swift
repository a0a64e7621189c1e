/// Extracts and decodes the frames of a DICOM image's pixel data into native layout
/// (interleaved samples, little-endian, `bitsAllocated/8` bytes per sample; 1-bit data unpacked to one byte per pixel).
struct DICOMPixelData {
    let frame: PixelFrameDescriptor
    let frameCount: Int
    let planarConfiguration: Int
    let transferSyntax: TransferSyntax
    let element: DataElement
    let extendedOffsets: [UInt64]?

    init(file: DICOMFile) throws {
        let ds = file.dataSet
        guard let element = ds[.pixelData] ?? ds[.floatPixelData] ?? ds[.doubleFloatPixelData] else {
            throw ImagingError(.noImageData, "no pixel data in this DICOM object")
        }
        guard element.tag == .pixelData else {
            throw ImagingError.unsupported("float pixel data (7FE0,0008/0009) is not supported")
        }
        guard let rows = ds.int(.rows), let columns = ds.int(.columns), rows > 0, columns > 0 else {
            throw ImagingError.malformed("missing or invalid Rows/Columns (0028,0010/0011)")
        }
        let bitsAllocated = ds.int(.bitsAllocated) ?? 0
        guard [1, 8, 16, 32].contains(bitsAllocated) else {
            throw ImagingError.unsupported(
                "BitsAllocated (0028,0100) = \(bitsAllocated) is not supported (1, 8, 16 or 32)")
        }
        let bitsStored = ds.int(.bitsStored) ?? bitsAllocated
        guard bitsStored >= 1, bitsStored <= bitsAllocated else {
            throw ImagingError.malformed("BitsStored (0028,0101) = \(bitsStored) with BitsAllocated \(bitsAllocated)")
        }
        let samples = ds.int(.samplesPerPixel) ?? 1
        guard samples == 1 || samples == 3 else {
            throw ImagingError.unsupported("SamplesPerPixel (0028,0002) = \(samples) is not supported (1 or 3)")
        }
        let frames = ds.int(.numberOfFrames) ?? 1
        guard frames >= 1 else { throw ImagingError.malformed("NumberOfFrames (0028,0008) = \(frames)") }
        _ = try ImagingLimits.checkedVoxelCount(
            [rows, columns, frames, samples], bytesPerVoxel: max(1, bitsAllocated / 8))
        self.frame = PixelFrameDescriptor(
            rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bitsAllocated,
            bitsStored: bitsStored, isSigned: ds.int(.pixelRepresentation) == 1,
            photometricInterpretation: ds.string(.photometricInterpretation) ?? "MONOCHROME2")
        self.frameCount = frames
        self.planarConfiguration = ds.int(.planarConfiguration) ?? 0
        self.transferSyntax = file.transferSyntax
        self.element = element
        let eot = ds[DICOMTag(0x7FE0, 0x0001)]?.bytes
        if let eot, eot.count >= 8 {
            var r = ByteReader(Array(eot))
            var o: [UInt64] = []
            while r.remaining >= 8 { o.append(try r.readUInt64()) }
            extendedOffsets = o
        } else {
            extendedOffsets = nil
        }
    }

    /// The layout of decoded frames: as `frame`, except that colour JPEG and JPEG 2000 data decode to RGB
    /// (the codecs apply YCbCr→RGB and the inverse component transform), whatever the header says.
    var outputFrame: PixelFrameDescriptor {
        var d = frame
        let converts = transferSyntax.compression == .jpegBaseline || transferSyntax.compression == .jpeg2000
        if converts && d.samplesPerPixel == 3 && d.photometricInterpretation.hasPrefix("YBR") {
            d.photometricInterpretation = "RGB"
        }
        return d
    }

    /// The frames in native layout, one array per frame.
    func decodedFrames() throws -> [[UInt8]] {
        switch element.value {
        case .sequence:
            throw ImagingError.malformed("pixel data is encoded as a sequence")
        case .bytes(let bytes):
            if transferSyntax.isEncapsulated {
                throw ImagingError.malformed(
                    "\(transferSyntax.name) requires encapsulated pixel data, found native data")
            }
            return try nativeFrames(bytes)
        case .encapsulated(let enc):
            guard transferSyntax.isEncapsulated else {
                throw ImagingError.malformed(
                    "encapsulated pixel data in a native transfer syntax (\(transferSyntax.name))")
            }
            let codestreams = try enc.frames(count: frameCount, extendedOffsets: extendedOffsets)
            var out: [[UInt8]] = []
            out.reserveCapacity(codestreams.count)
            for (n, cs) in codestreams.enumerated() {
                do {
                    var f = try PixelDataCodecs.decode(cs, syntax: transferSyntax, frame: frame)
                    guard f.count == frame.frameByteCount else {
                        throw ImagingError.malformed(
                            "decoded frame has \(f.count) bytes, expected \(frame.frameByteCount)")
                    }
                    if frame.bitsAllocated == 1 { f = f.map { $0 & 1 } }
                    out.append(f)
                } catch let e as ImagingError {
                    var e = e
                    e.message = "frame \(n + 1) of \(codestreams.count): " + e.message
                    throw e
                }
            }
            return out
        }
    }

    private func nativeFrames(_ bytes: ArraySlice<UInt8>) throws -> [[UInt8]] {
        let pixelsPerFrame = frame.rows * frame.columns
        if frame.bitsAllocated == 1 {
            // Bit-packed across frame boundaries, least significant bit first (PS3.5 §8.1.1).
            let totalBits = pixelsPerFrame * frame.samplesPerPixel * frameCount
            guard bytes.count * 8 >= totalBits else {
                throw ImagingError.truncated(
                    "pixel data has \(bytes.count) bytes, 1-bit frames need \((totalBits + 7) / 8)")
            }
            let base = bytes.startIndex
            let perFrame = pixelsPerFrame * frame.samplesPerPixel
            return (0..<frameCount).map { f in
                (0..<perFrame).map { p in
                    let bit = f * perFrame + p
                    return (bytes[base + bit >> 3] >> UInt8(bit & 7)) & 1
                }
            }
        }
        let frameBytes = frame.frameByteCount
        guard bytes.count >= frameBytes * frameCount else {
            throw ImagingError.truncated(
                "pixel data has \(bytes.count) bytes, \(frameCount) frame(s) of \(frame.rows)×\(frame.columns) need \(frameBytes * frameCount)"
            )
        }
        var out: [[UInt8]] = []
        out.reserveCapacity(frameCount)
        for f in 0..<frameCount {
            let start = bytes.startIndex + f * frameBytes
            var data = Array(bytes[start..<start + frameBytes])
            if frame.samplesPerPixel == 3 && planarConfiguration == 1 {
                data = Self.interleave(planar: data, pixels: pixelsPerFrame, bytesPerSample: frame.bytesPerSample)
            }
            out.append(data)
        }
        return out
    }

    /// Converts colour-by-plane (RRR…GGG…BBB…) to colour-by-pixel (RGBRGB…).
    static func interleave(planar: [UInt8], pixels: Int, bytesPerSample: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: planar.count)
        for s in 0..<3 {
            for p in 0..<pixels {
                for b in 0..<bytesPerSample {
                    out[(p * 3 + s) * bytesPerSample + b] = planar[(s * pixels + p) * bytesPerSample + b]
                }
            }
        }
        return out
    }
}

/// Dispatches an encapsulated frame to the decoder for its transfer syntax.
enum PixelDataCodecs {
    static func decode(_ codestream: [UInt8], syntax: TransferSyntax, frame: PixelFrameDescriptor) throws -> [UInt8] {
        switch syntax.compression {
        case .rle: return try RLEDecoder.decode(codestream, frame: frame)
        case .jpegLossless: return try JPEGLosslessDecoder.decode(codestream, frame: frame)
        case .jpegBaseline: return try LibJPEG.decode(codestream, frame: frame)
        case .jpegLS: return try CharLS.decode(codestream, frame: frame)
        case .jpeg2000: return try OpenJPEG.decode(codestream, frame: frame)
        case .none, .unsupported:
            throw ImagingError.unsupported("pixel data in transfer syntax \(syntax.uid) is not supported")
        }
    }
}
