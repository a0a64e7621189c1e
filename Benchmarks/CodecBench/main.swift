// Decode-speed benchmark for the pure-Swift codecs (JPEG lossless, RLE), built by run.sh with
// `swiftc -O` from the SpineImaging sources it needs. Usage: CodecBench CODEC FILE ROWS COLS SPP BITS
import Foundation

let args = CommandLine.arguments
guard args.count == 7, let rows = Int(args[3]), let cols = Int(args[4]), let spp = Int(args[5]), let bits = Int(args[6])
else {
    print("usage: CodecBench jpegll|rle FILE ROWS COLS SPP BITS")
    exit(2)
}
let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: args[2])))
let frame = PixelFrameDescriptor(
    rows: rows, columns: cols, samplesPerPixel: spp, bitsAllocated: bits > 8 ? 16 : 8,
    bitsStored: bits, isSigned: false, photometricInterpretation: "MONOCHROME2")
let decode: ([UInt8], PixelFrameDescriptor) throws -> [UInt8] =
    args[1] == "rle" ? RLEDecoder.decode : JPEGLosslessDecoder.decode
var best = Double.infinity
var checksum = 0
for _ in 0..<20 {
    let t0 = DispatchTime.now().uptimeNanoseconds
    let out = try decode(data, frame)
    let t1 = DispatchTime.now().uptimeNanoseconds
    checksum &+= out.count
    best = min(best, Double(t1 - t0) / 1e6)
}
print(
    String(
        format: "%@ %dx%d %d-bit: best of 20 = %.2f ms (%.0f Mpixel/s)", args[1], cols, rows, bits, best,
        Double(rows * cols) / best / 1e3))
