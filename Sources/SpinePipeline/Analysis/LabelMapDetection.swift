import SpineImaging

/// Tells a label map from an image by its voxels: integer values (stored as integers, or whole numbers in a
/// float volume), non-negative, few distinct values, and background (0) present.
public enum LabelMapDetection {
    /// More distinct values than this and the volume is taken for an image.
    /// (128: VerSe/SPINEPS instance maps use about 60 values, TotalSegmentator 117; a uint8 MRI such as the
    /// MyoSegmenTUM water images has about 250.)
    public static let maxDistinctValues = 128

    /// The distinct values of `volume` when it looks like a label map, else nil. O(voxels), stops early.
    public static func labelValues(of volume: AnyVolume) -> Set<Int>? {
        func scan<S: VoxelScalar>(_ v: Volume<S>, _ toInt: (S) -> Int?) -> Set<Int>? {
            var seen: Set<Int> = []
            var last: S? = nil
            for x in v.voxels {
                if let l = last, l == x { continue }
                last = x
                guard let n = toInt(x), n >= 0 else { return nil }
                if seen.insert(n).inserted, seen.count > maxDistinctValues { return nil }
            }
            return seen.contains(0) ? seen : nil
        }
        func whole(_ d: Double) -> Int? { d.isFinite && d.rounded() == d && abs(d) < 1e9 ? Int(d) : nil }
        switch volume {
        case .uint8(let v): return scan(v) { Int($0) }
        case .int16(let v): return scan(v) { Int($0) }
        case .uint16(let v): return scan(v) { Int($0) }
        case .int32(let v): return scan(v) { Int($0) }
        case .float32(let v): return scan(v) { whole(Double($0)) }
        case .float64(let v): return scan(v) { whole($0) }
        }
    }
}
