/// Checks shared by the pixel-data codecs: a sane descriptor before decoding, and clear errors
/// when a codestream disagrees with it.
extension PixelFrameDescriptor {
    /// Validates the descriptor for a codec and returns `frameByteCount`, refusing sizes beyond
    /// `ImagingLimits` before anything is allocated.
    /// - Parameters:
    ///   - codec: codec name for messages ("RLE", "JPEG lossless", …).
    ///   - bitsAllocated: the values of BitsAllocated this codec can produce.
    func checkedFrameByteCount(codec: String, bitsAllocated allowed: Set<Int> = [8, 16]) throws -> Int {
        guard rows > 0, columns > 0 else {
            throw ImagingError.malformed("\(codec): frame of \(rows)×\(columns) pixels has no pixels")
        }
        guard samplesPerPixel == 1 || samplesPerPixel == 3 else {
            throw ImagingError.unsupported("\(codec): \(samplesPerPixel) samples per pixel (only 1 or 3 are supported)")
        }
        guard allowed.contains(bitsAllocated) else {
            let list = allowed.sorted().map(String.init).joined(separator: " or ")
            throw ImagingError.unsupported("\(codec): BitsAllocated \(bitsAllocated) (this codec decodes \(list))")
        }
        guard bitsStored >= 1, bitsStored <= bitsAllocated else {
            throw ImagingError.malformed(
                "\(codec): BitsStored \(bitsStored) does not fit BitsAllocated \(bitsAllocated)")
        }
        _ = try ImagingLimits.checkedVoxelCount(
            [columns, rows, samplesPerPixel], bytesPerVoxel: bytesPerSample)
        return frameByteCount
    }

    /// An error saying the codestream's frame header disagrees with the DICOM attributes.
    func mismatch(
        codec: String, columns c: Int, rows r: Int, components: Int, precision: Int? = nil
    ) -> ImagingError {
        var s = "\(codec): codestream holds \(c)×\(r) pixels, \(components) component(s)"
        if let precision { s += ", \(precision)-bit" }
        s +=
            " but the DICOM header says \(columns)×\(rows), \(samplesPerPixel) sample(s), BitsAllocated \(bitsAllocated)"
        return ImagingError.malformed(s)
    }
}
