import Foundation

/// Reading whole files with clear errors, and writing files atomically.
package enum FileIO {
    /// Reads a whole file; refuses files larger than `limit` bytes.
    package static func read(_ path: String, limit: Int = ImagingLimits.maxBytes) throws -> [UInt8] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImagingError(.fileNotFound, "no such file", file: path)
        }
        guard !isDir.boolValue else { throw ImagingError(.unreadable, "is a folder, not a file", file: path) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImagingError(.unreadable, "cannot open for reading (permission denied?)", file: path)
        }
        defer { try? handle.close() }
        // fstat the opened descriptor (follows symlinks, no race with the path): only a regular file has a
        // size to check; a device or pipe (a MetaImage ElementDataFile = /dev/zero) would be read forever.
        var info = stat()
        guard fstat(handle.fileDescriptor, &info) == 0 else {
            throw ImagingError(.unreadable, "cannot read file status", file: path)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ImagingError(.unreadable, "is not a regular file (a device, pipe or socket)", file: path)
        }
        let size = Int(info.st_size)
        if size > limit {
            throw ImagingError(.tooLarge, "file of \(size) bytes exceeds the \(limit >> 20) MiB limit", file: path)
        }
        do {
            let data = try handle.readToEnd() ?? Data()
            return [UInt8](data)
        } catch {
            throw ImagingError(.unreadable, "read failed: \(error.localizedDescription)", file: path)
        }
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename,
    /// so a reader never sees a half-written file and a failed write leaves the old file intact.
    package static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw ImagingError(.writeFailed, "folder does not exist", file: path)
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        do {
            try Data(bytes).write(to: tmp)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw ImagingError(.writeFailed, "write failed: \(error.localizedDescription)", file: path)
        }
        // rename(2) replaces an existing file atomically (FileManager.replaceItemAt fails on Linux here).
        guard rename(tmp.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw ImagingError(.writeFailed, "write failed: \(reason)", file: path)
        }
    }
}
