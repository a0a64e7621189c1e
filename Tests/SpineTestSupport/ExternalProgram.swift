import Foundation

/// Programs the tests run as a user would: the `spine` binary that `swift build --build-tests` builds beside the
/// test bundle, and independent tools on `$PATH` (python3 with pydicom, DCMTK, Chromium).
public enum ExternalProgram {
    /// What a run printed and how it ended.
    public struct Run: Sendable {
        public var status: Int32
        public var stdout: String
        /// Empty when the run merged its streams (`mergingOutput`).
        public var stderr: String
        /// Everything printed (in order when the streams were merged).
        public var output: String { stdout + stderr }
    }

    /// A program the tests need is not there.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// The `spine` binary built beside the test bundle.
    public static let spineURL: URL = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: dir.appendingPathComponent("spine").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("spine")
    }()

    /// Runs `spine args…`; `environment` sets (a value) or removes (nil) variables of the test's own environment.
    public static func spine(_ args: [String], environment: [String: String?] = [:]) throws -> Run {
        guard FileManager.default.isExecutableFile(atPath: spineURL.path) else {
            throw Missing(description: "spine binary not found at \(spineURL.path)")
        }
        return try run(spineURL.path, args, environment: environment)
    }

    /// Runs `program args…` and waits for it. With `mergingOutput`, stdout and stderr share one pipe (so their
    /// order is kept) and land in `stdout`.
    public static func run(
        _ program: String, _ args: [String], in directory: URL? = nil, environment: [String: String?] = [:],
        mergingOutput: Bool = false
    ) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        if !environment.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v }
            p.environment = env
        }
        let out = Pipe()
        let err = mergingOutput ? out : Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // stderr is drained on its own thread so that neither pipe can fill up and block the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let errData = Box()
        let drained = DispatchSemaphore(value: 0)
        if !mergingOutput {
            let handle = err.fileHandleForReading
            Thread.detachNewThread {
                errData.data = handle.readDataToEndOfFile()
                drained.signal()
            }
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        if !mergingOutput { drained.wait() }
        p.waitUntilExit()
        return Run(
            status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.data, as: UTF8.self))
    }

    /// The first executable named one of `names` on `$PATH`.
    public static func which(_ names: String...) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            for name in names where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    /// A new empty folder under the temporary directory, named `prefix-UUID`.
    public static func tempFolder(_ prefix: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
