/// SHA-256 of pixel values, as the pydicom oracle hashes them (the digest itself lives in CodecFixtures.swift).
extension SHA256 {
    /// SHA-256 of Int32 values written little-endian (how the oracle hashes pixel arrays).
    static func hex(int32LE values: [Int32]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for v in values {
            let u = UInt32(bitPattern: v)
            bytes.append(UInt8(u & 0xFF)); bytes.append(UInt8((u >> 8) & 0xFF))
            bytes.append(UInt8((u >> 16) & 0xFF)); bytes.append(UInt8(u >> 24))
        }
        return hex(bytes)
    }
}
