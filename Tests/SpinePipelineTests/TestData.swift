import Foundation
import Testing

/// Locates `../shared/data` (or `$SPINEKIT_SHARED_DATA`) for tests that use real public data.
///
/// Tests that need it carry `.enabled(if: TestData.isAvailable, ...)`: they are skipped when the
/// data is absent, except under CI (`CI=true`), where they run and fail on the missing path.
enum TestData {
    static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["SPINEKIT_SHARED_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        // Tests/SpinePipelineTests/TestData.swift → package root → ../shared/data
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }()

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// True when the shared data folder exists, or when running under CI (where it must).
    static var isAvailable: Bool { isCI || FileManager.default.fileExists(atPath: root.path) }

    /// Path of a file or folder under the shared data root; fails the test if it is missing.
    static func path(_ relative: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let p = root.appendingPathComponent(relative).path
        try #require(
            FileManager.default.fileExists(atPath: p), "missing shared data: \(relative)",
            sourceLocation: sourceLocation)
        return p
    }
}
