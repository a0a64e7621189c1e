/// What a pixel-data codec needs to know about one frame (DICOM Image Pixel module, PS3.3 C.7.6.3).
///
/// Decoders return the frame in *native* DICOM layout: samples interleaved (planar configuration 0),
/// each sample in `bitsAllocated / 8` little-endian bytes (1 byte for 8-bit, 2 for 9–16-bit, 4 for 32-bit),
/// `rows × columns × samplesPerPixel × bytesPerSample` bytes in all. Colour JPEG / JPEG 2000 data are
/// returned as RGB (the codec applies YCbCr→RGB / inverse MCT, as pydicom does by default).
struct PixelFrameDescriptor: Sendable, Equatable {
    var rows: Int
    var columns: Int
    var samplesPerPixel: Int
    var bitsAllocated: Int
    var bitsStored: Int
    /// PixelRepresentation == 1.
    var isSigned: Bool
    /// PhotometricInterpretation, e.g. "MONOCHROME2", "RGB", "YBR_FULL_422".
    var photometricInterpretation: String

    var bytesPerSample: Int { (bitsAllocated + 7) / 8 }
    /// Bytes of one decoded frame in native layout.
    var frameByteCount: Int { rows * columns * samplesPerPixel * bytesPerSample }
}
