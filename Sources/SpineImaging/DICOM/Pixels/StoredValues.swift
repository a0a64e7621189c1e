/// Turning decoded frame bytes into stored pixel values, then into modality values (PS3.3 C.11.1).
enum StoredValues {
    /// Stored values of every sample of one frame (masked to BitsStored, sign-extended when signed), interleaved.
    static func samples(_ frame: [UInt8], _ d: PixelFrameDescriptor) -> [Int32] {
        let count = d.rows * d.columns * d.samplesPerPixel
        let bits = d.bitsStored
        let mask: UInt32 = bits >= 32 ? .max : (1 << UInt32(bits)) - 1
        let signBit: UInt32 = bits >= 32 ? 0 : 1 << UInt32(bits - 1)
        let signed = d.isSigned && bits < 32 && d.bitsAllocated > 1
        var out = [Int32](repeating: 0, count: count)
        frame.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                for n in 0..<min(count, b.count / d.bytesPerSample) {
                    var raw: UInt32
                    switch d.bytesPerSample {
                    case 1: raw = UInt32(b[n])
                    case 2: raw = UInt32(b[2 * n]) | UInt32(b[2 * n + 1]) << 8
                    default:
                        raw =
                            UInt32(b[4 * n]) | UInt32(b[4 * n + 1]) << 8 | UInt32(b[4 * n + 2]) << 16 | UInt32(
                                b[4 * n + 3]) << 24
                    }
                    raw &= mask
                    if signed, raw & signBit != 0 { raw |= ~mask }
                    o[n] = Int32(bitPattern: raw)
                }
            }
        }
        return out
    }

    /// Stored values of one frame, one per pixel: colour frames (3 samples) are reduced to luma
    /// (Rec. 601 for RGB, Y for YBR_FULL*), as radiographs saved in colour are grey in content.
    static func monochrome(_ frame: [UInt8], _ d: PixelFrameDescriptor) -> [Int32] {
        let all = samples(frame, d)
        guard d.samplesPerPixel == 3 else { return all }
        let pixels = d.rows * d.columns
        if d.photometricInterpretation.hasPrefix("YBR_FULL") { return (0..<pixels).map { all[3 * $0] } }
        var out = [Int32](repeating: 0, count: pixels)
        for p in 0..<pixels {
            let r: Double = Double(all[3 * p]), g: Double = Double(all[3 * p + 1]), b: Double = Double(all[3 * p + 2])
            let luma: Double = 0.299 * r + 0.587 * g + 0.114 * b
            out[p] = Int32(luma.rounded())
        }
        return out
    }

    /// The smallest and largest value the stored bits can hold.
    static func storedRange(_ d: PixelFrameDescriptor) -> (min: Double, max: Double) {
        if d.bitsAllocated == 1 { return (0, 1) }
        let bits = Double(d.bitsStored)
        return d.isSigned ? (-pow2(bits - 1), pow2(bits - 1) - 1) : (0, pow2(bits) - 1)
    }

    private static func pow2(_ e: Double) -> Double { Double(sign: .plus, exponent: Int(e), significand: 1) }
}

/// The modality LUT of one frame: output = slope × stored + intercept.
struct Rescale: Equatable, Sendable {
    var slope: Double = 1
    var intercept: Double = 0
    var isIdentity: Bool { slope == 1 && intercept == 0 }
    var isIntegral: Bool { slope.rounded() == slope && intercept.rounded() == intercept }

    init(slope: Double = 1, intercept: Double = 0) {
        self.slope = slope.isFinite && slope != 0 ? slope : 1
        self.intercept = intercept.isFinite ? intercept : 0
    }

    init(_ ds: DataSet) {
        self.init(slope: ds.double(.rescaleSlope) ?? 1, intercept: ds.double(.rescaleIntercept) ?? 0)
    }
}

/// Builds a typed volume from stored frame values, applying each frame's modality LUT and
/// MONOCHROME1 inversion, and choosing the narrowest voxel type that holds the result exactly.
enum ModalityVolumeBuilder {
    static func build(
        frames: [[Int32]], rescales: [Rescale], descriptor d: PixelFrameDescriptor, geometry: ImageGeometry
    ) throws -> AnyVolume {
        precondition(frames.count == rescales.count && frames.count == geometry.size.z)
        let invert = d.photometricInterpretation == "MONOCHROME1" && d.samplesPerPixel == 1
        // MONOCHROME1 is inverted within the range the stored bits can hold, mapped through each frame's LUT.
        let stored = StoredValues.storedRange(d)
        var fullLo = Double.infinity, fullHi = -Double.infinity
        for r in rescales {
            let a = r.slope * stored.min + r.intercept, b = r.slope * stored.max + r.intercept
            fullLo = min(fullLo, min(a, b))
            fullHi = max(fullHi, max(a, b))
        }
        // The voxel type is chosen from the values actually present, so e.g. unsigned CT with an
        // intercept of −1024 still fits Int16.
        var outLo = Double.infinity, outHi = -Double.infinity
        for (f, values) in frames.enumerated() {
            guard let lo = values.min(), let hi = values.max() else { continue }
            let r = rescales[f]
            var a = r.slope * Double(lo) + r.intercept, b = r.slope * Double(hi) + r.intercept
            if invert { (a, b) = (fullLo + fullHi - a, fullLo + fullHi - b) }
            outLo = min(outLo, min(a, b))
            outHi = max(outHi, max(a, b))
        }
        if !outLo.isFinite { (outLo, outHi) = (0, 0) }
        let allIdentity = rescales.allSatisfy(\.isIdentity)
        let allIntegral = rescales.allSatisfy(\.isIntegral)

        func fill<T: VoxelScalar>(_: T.Type, _ convert: (Double) -> T) -> Volume<T> {
            var voxels = [T]()
            voxels.reserveCapacity(geometry.voxelCount)
            for (f, values) in frames.enumerated() {
                let r = rescales[f]
                for v in values {
                    var x = r.slope * Double(v) + r.intercept
                    if invert { x = fullLo + fullHi - x }
                    voxels.append(convert(x))
                }
            }
            return Volume(geometry: geometry, voxels: voxels)
        }
        // Fast paths without floating point for the common identity cases.
        if allIdentity && !invert {
            if outLo >= 0 && outHi <= 255 && d.bitsAllocated <= 8 {
                return .uint8(
                    Volume(geometry: geometry, voxels: frames.flatMap { $0.map { UInt8(truncatingIfNeeded: $0) } }))
            }
            if outLo >= -32768 && outHi <= 32767 && d.isSigned {
                return .int16(
                    Volume(geometry: geometry, voxels: frames.flatMap { $0.map { Int16(truncatingIfNeeded: $0) } }))
            }
            if outLo >= 0 && outHi <= 65535 {
                return .uint16(
                    Volume(geometry: geometry, voxels: frames.flatMap { $0.map { UInt16(truncatingIfNeeded: $0) } }))
            }
            if outLo >= -32768 && outHi <= 32767 {
                return .int16(
                    Volume(geometry: geometry, voxels: frames.flatMap { $0.map { Int16(truncatingIfNeeded: $0) } }))
            }
            return .int32(Volume(geometry: geometry, voxels: frames.flatMap { $0 }))
        }
        if allIntegral {
            if outLo >= 0 && outHi <= 255 { return .uint8(fill(UInt8.self) { UInt8($0) }) }
            if outLo >= -32768 && outHi <= 32767 { return .int16(fill(Int16.self) { Int16($0) }) }
            if outLo >= 0 && outHi <= 65535 { return .uint16(fill(UInt16.self) { UInt16($0) }) }
            if outLo >= Double(Int32.min) && outHi <= Double(Int32.max) {
                return .int32(fill(Int32.self) { Int32($0) })
            }
        }
        return .float32(fill(Float.self) { Float($0) })
    }
}
