import Foundation
import SpinePhantom
import Testing

/// `spine phantom mri|xray` on parameters it must refuse: each refusal one line on stderr that names the option
/// and the problem, exit code 2, nothing on stdout and no output folder.
@Suite struct PhantomCLITests {
    typealias CLI = AnalyzeCLITests

    static func expectRefusal(
        _ args: [String], saying message: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let dir = try CLI.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["phantom"] + args + ["--out", dir + "/out"])
        #expect(r.status == 2, "exit \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("spine: error: "), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(message), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "\(r.stdout)", sourceLocation: sourceLocation)
        #expect(CLI.files(dir).isEmpty, "no partial output: \(CLI.files(dir))", sourceLocation: sourceLocation)
    }

    @Test(arguments: ["mri", "xray"])
    func zeroStudiesAreRefused(command: String) throws {
        try Self.expectRefusal([command, "--count", "0"], saying: "--count: 0 studies requested; need at least 1")
    }

    @Test func aNegativeDetectorPitchIsRefused() throws {
        try Self.expectRefusal(
            ["xray", "--pixel-mm=-0.3"], saying: "--pixel-mm: -0.3 mm is outside the allowed range 0.05–5 mm")
    }

    @Test func aNegativeSliceThicknessIsRefused() throws {
        try Self.expectRefusal(
            ["mri", "--slice-mm=-3"], saying: "--slice-mm: -3 mm is outside the allowed range 0.05–20 mm")
    }

    @Test func zeroSlicesAreRefused() throws {
        try Self.expectRefusal(["mri", "--slices", "0"], saying: "--slices: 0 slices; need 1–2048")
    }

    /// A lumbar count that contradicts a seed's drawn anomaly is refused before any study is written, even when
    /// earlier seeds of the run agree with it.
    @Test(arguments: ["mri", "xray"])
    func aLumbarCountContradictingTheAnomalyIsRefused(command: String) throws {
        let six = try #require(
            (UInt64(2)...500).first {
                PhantomParameters(seed: $0).anomaly == .sixLumbar && PhantomParameters(seed: $0 - 1).anomaly == .none
            })
        let first = six - 1
        try Self.expectRefusal(
            [command, "--seed", String(first), "--count", "2", "--lumbar-count", "5"],
            saying: "--lumbar-count: seed \(six): 5 lumbar vertebrae contradicts the anomaly 'sixLumbar', which has 6")
    }
}
