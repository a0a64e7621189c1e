import Foundation
import SpineNN
import SpineTestSupport
import Testing

/// `spine onnx run` / `inspect` on bad input: one line on stderr, a non-zero exit, never a crash.
@Suite struct ONNXCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/onnx")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    static func expectOneLineError(_ r: ExternalProgram.Run, status: Int32, containing parts: [String]) {
        #expect(r.status == status, "exit \(r.status), stderr: \(r.stderr)")
        #expect(r.stderr.hasPrefix("spine: error:"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        for p in parts { #expect(r.stderr.contains(p), "\(r.stderr) should name \(p)") }
    }

    @Test func runWritesTheOutputAndTheMedian() throws {
        let dir = try ONNXModelFolderTests.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("y.npy").path
        for precision in ["fp32", "bf16"] {
            let r = try AnalyzeCLITests.run([
                "onnx", "run", "--model", Self.fixture("resnet_tiny.onnx"), "--input",
                Self.fixture("resnet_tiny.b1_64.input.npy"), "--output", out, "--repeat", "3", "--precision", precision,
            ])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.split(separator: "\n").last?.hasPrefix("median_ms=") == true)
            let y = try NPY.read(from: URL(fileURLWithPath: out)).tensor()
            let ref = try NPY.read(from: URL(fileURLWithPath: Self.fixture("resnet_tiny.b1_64.output.npy"))).tensor()
            #expect(y.maxAbsDifference(ref) <= (precision == "fp32" ? 1e-4 : 0.05), "\(precision)")
        }
    }

    @Test func truncatedOrCorruptModel() throws {
        let dir = try ONNXModelFolderTests.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("monai_unet2d.onnx"))
        let cut = dir.appendingPathComponent("cut.onnx")
        try data.prefix(data.count / 2).write(to: cut)
        let garbage = dir.appendingPathComponent("garbage.onnx")
        try Data((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 73 &+ 5) }).write(to: garbage)
        for model in [cut.path, garbage.path] {
            Self.expectOneLineError(
                try AnalyzeCLITests.run([
                    "onnx", "run", "--model", model, "--input", Self.fixture("monai_unet2d.32x32.input.npy"),
                    "--output", dir.appendingPathComponent("y.npy").path,
                ]), status: 4, containing: ["ONNX"])
            Self.expectOneLineError(
                try AnalyzeCLITests.run(["onnx", "inspect", model]), status: 4, containing: ["ONNX"])
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("y.npy").path))
    }

    @Test func unsupportedOperatorIsNamedWithItsNode() throws {
        let dir = try ONNXModelFolderTests.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = dir.appendingPathComponent("x.npy")
        try NPY.write(NPYArray(Tensor(zeros: [1, 4])), to: x)
        Self.expectOneLineError(
            try AnalyzeCLITests.run([
                "onnx", "run", "--model", Self.fixture("unsupported_op.onnx"), "--input", x.path, "--output",
                dir.appendingPathComponent("y.npy").path,
            ]), status: 5, containing: ["Hardmax", "my_hardmax"])
        let inspect = try AnalyzeCLITests.run(["onnx", "inspect", Self.fixture("unsupported_op.onnx")])
        #expect(inspect.status == 5)
        #expect(inspect.stdout.contains("Hardmax (node 'my_hardmax')"))
    }

    @Test func mismatchedInputShapeOrDType() throws {
        let dir = try ONNXModelFolderTests.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("y.npy").path
        let channels = dir.appendingPathComponent("channels.npy")
        try NPY.write(NPYArray(Tensor(zeros: [1, 2, 32, 32])), to: channels)
        let rank = dir.appendingPathComponent("rank.npy")
        try NPY.write(NPYArray(Tensor(zeros: [32, 32])), to: rank)
        let ints = dir.appendingPathComponent("ints.npy")
        try NPY.write(NPYArray(Tensor(zeros: [1, 1, 32, 32]), dtype: .int64), to: ints)
        let half = dir.appendingPathComponent("half.npy")
        try NPY.write(NPYArray(Tensor(zeros: [1, 1, 32, 32]), dtype: .float16), to: half)
        for (input, parts) in [
            (channels, ["input"]), (rank, ["input"]), (ints, ["float32", "int64"]), (half, ["float32", "float16"]),
        ] {
            Self.expectOneLineError(
                try AnalyzeCLITests.run([
                    "onnx", "run", "--model", Self.fixture("monai_unet2d.onnx"), "--input", input.path, "--output", out,
                ]), status: 2, containing: parts)
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func missingExternalDataFile() throws {
        let dir = try ONNXModelFolderTests.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("external.onnx")
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("external.onnx"), to: model)
        Self.expectOneLineError(
            try AnalyzeCLITests.run([
                "onnx", "run", "--model", model.path, "--input", Self.fixture("external.b1.input.npy"), "--output",
                dir.appendingPathComponent("y.npy").path,
            ]), status: 3, containing: ["external.onnx.data"])
    }
}
