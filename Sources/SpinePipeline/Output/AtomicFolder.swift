import Foundation
import SpineImaging

/// Throws unless the folder that will hold the output `path` (a file or a folder) exists: commands call it before
/// their work, so that a mistyped `--out` fails in a second, not after an hour of inference.
public func requireParentFolder(of path: String) throws {
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent()
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDir), isDir.boolValue else {
        throw ImagingError(.writeFailed, "parent folder does not exist", file: path)
    }
}

/// Fills a temporary sibling folder, then swaps it in for `path`; on failure nothing is left behind.
public func writeFolderAtomically(_ path: String, _ fill: (URL) throws -> Void) throws {
    let fm = FileManager.default
    let target = URL(fileURLWithPath: path)
    let parent = target.deletingLastPathComponent()
    try requireParentFolder(of: path)
    let tmp = parent.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).partial")
    do {
        try fm.createDirectory(at: tmp, withIntermediateDirectories: false)
        try fill(tmp)
        if fm.fileExists(atPath: target.path) {
            let old = parent.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).old")
            try fm.moveItem(at: target, to: old)
            do { try fm.moveItem(at: tmp, to: target) } catch {
                try? fm.moveItem(at: old, to: target)
                throw error
            }
            try? fm.removeItem(at: old)
        } else {
            try fm.moveItem(at: tmp, to: target)
        }
    } catch let e as ImagingError {
        try? fm.removeItem(at: tmp)
        throw e
    } catch {
        try? fm.removeItem(at: tmp)
        throw ImagingError(.writeFailed, "cannot write the output folder: \(error.localizedDescription)", file: path)
    }
}
