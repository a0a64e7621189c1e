/// An error reading, writing or transforming an image, with where it happened.
///
/// `description` is one line meant for users: it names the file and the problem and never
/// contains patient data (no tag values, only tag numbers and offsets).
public struct ImagingError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case fileNotFound, unreadable, truncated, malformed, unsupported, tooLarge, invalidGeometry
        case noImageData, writeFailed, invalidArgument
    }

    public var code: Code
    public var message: String
    /// The file concerned (a path or a name inside an archive), when known.
    public var file: String?
    /// Byte offset in the (decompressed) stream, when known.
    public var offset: Int?

    public init(_ code: Code, _ message: String, file: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.offset = offset
    }

    /// The same error, attributed to a file if it names none yet.
    public func inFile(_ path: String) -> ImagingError {
        var e = self
        if e.file == nil { e.file = path }
        return e
    }

    public var description: String {
        var s = ""
        if let file { s += "\(file): " }
        s += message
        if let offset { s += " (at byte \(offset))" }
        return s
    }
}

extension ImagingError {
    static func truncated(_ what: String, offset: Int? = nil) -> ImagingError {
        ImagingError(.truncated, "file is truncated: \(what)", offset: offset)
    }
    static func malformed(_ what: String, offset: Int? = nil) -> ImagingError {
        ImagingError(.malformed, what, offset: offset)
    }
    static func unsupported(_ what: String) -> ImagingError { ImagingError(.unsupported, what) }
}

/// Upper bound on voxels/bytes a reader will allocate for one image, so that a hostile header
/// claiming 10¹² voxels is refused before any allocation.
public enum ImagingLimits {
    /// Maximum voxels in one volume (2³¹, 8 GiB at Float32).
    public static let maxVoxels = 1 << 31
    /// Maximum bytes of decoded data for one volume or one pixel-data element.
    public static let maxBytes = 8 << 30

    /// Checks that `dims` multiplied together stays within limits; returns the voxel count.
    static func checkedVoxelCount(_ dims: [Int], bytesPerVoxel: Int = 1) throws -> Int {
        var n = 1
        for d in dims {
            guard d >= 0 else { throw ImagingError.malformed("negative image dimension \(d)") }
            let (m, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, m <= maxVoxels else {
                throw ImagingError(
                    .tooLarge,
                    "image dimensions \(dims.map(String.init).joined(separator: "×")) exceed the limit of \(maxVoxels) voxels"
                )
            }
            n = m
        }
        guard n * bytesPerVoxel <= maxBytes else {
            throw ImagingError(
                .tooLarge, "image of \(n) voxels × \(bytesPerVoxel) bytes exceeds the \(maxBytes >> 30) GiB limit")
        }
        return n
    }
}
