import Foundation
import Testing

@testable import SpineNN

/// ONNX import parity with ONNX Runtime: models, inputs and ORT outputs made by
/// Scripts/fixtures/make_onnx_fixtures.py (random weights, float32).
@Suite("ONNX import")
struct ONNXImportTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/onnx")

    static let cases: [(model: String, input: String)] = [
        ("monai_unet2d", "32x32"), ("monai_unet2d", "b2_48x64"),
        ("monai_unet3d", "16"), ("monai_unet3d", "8x16x24"),
        ("dynunet3d", "8x16x16"), ("dynunet3d", "4x24x16"),
        ("resnet_tiny", "b1_64"), ("resnet_tiny", "b3_32"),
        ("detector", "64"), ("detector", "b2_32x96"),
        ("ops_misc", "2x4x12x14"),
        ("external", "b1"),
        ("dtypes", "2x4"),
    ]

    @Test("max |SpineNN − ONNX Runtime| ≤ 1e-4", arguments: cases.indices)
    func parity(_ i: Int) throws {
        let (name, input) = Self.cases[i]
        let model = try ONNXModel(contentsOf: Self.folder.appendingPathComponent("\(name).onnx"))
        let session = try ONNXSession(model)
        let x = try NPY.read(from: Self.folder.appendingPathComponent("\(name).\(input).input.npy")).tensor()
        let expected = try NPY.read(from: Self.folder.appendingPathComponent("\(name).\(input).output.npy")).tensor()
        let y = try session(x)
        #expect(y.shape == expected.shape)
        guard y.shape == expected.shape else { return }
        let diff = y.maxAbsDifference(expected)
        #expect(diff <= 1e-4, "\(name) \(input): max abs difference \(diff)")
        // A second run reuses buffers and cached primitives and gives the same numbers.
        let again = try session(x)
        #expect(again.maxAbsDifference(y) == 0)
    }

    @Test func fusionAndFolding() throws {
        let resnet = try ONNXSession(ONNXModel(contentsOf: Self.folder.appendingPathComponent("resnet_tiny.onnx")))
        #expect(resnet.fusedActivationCount >= 7)
        // Each of the six residual blocks: its Add (and the Relu after it) run inside a convolution.
        #expect(resnet.fusedAddCount == 6)
        let detector = try ONNXSession(ONNXModel(contentsOf: Self.folder.appendingPathComponent("detector.onnx")))
        #expect(detector.fusedBatchNormCount == 1)
        // c1's LeakyRelu, c3's Relu, lat's LeakyRelu and c2's SiLU (Sigmoid + Mul, one swish post-op).
        #expect(detector.fusedActivationCount == 4)
        #expect(detector.foldedNodeCount > 0)
    }

    @Test func inspection() throws {
        let m = try ONNXModel(contentsOf: Self.folder.appendingPathComponent("resnet_tiny.onnx"))
        #expect(m.opsetVersion == 17)
        #expect(m.inputs.count == 1 && m.inputs[0].dimensions?.count == 4)
        #expect(m.operatorHistogram["Conv"] == 15)
        #expect(m.parameterCount > 10_000)
        #expect(m.unsupportedNodes.isEmpty)
    }

    @Test func truncatedProtobuf() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("monai_unet2d.onnx"))
        for cut in [7, data.count / 3, data.count / 2, data.count - 5] {
            let e = #expect(throws: NNError.self) {
                let m = try ONNXModel(data: data.prefix(cut))
                _ = try ONNXSession(m)
            }
            #expect(e?.code == .malformedFile, "cut at \(cut): \(String(describing: e))")
        }
        let garbage = Data((0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        #expect(throws: NNError.self) { _ = try ONNXSession(ONNXModel(data: garbage)) }
    }

    @Test func unsupportedOperatorNamesNode() throws {
        let m = try ONNXModel(contentsOf: Self.folder.appendingPathComponent("unsupported_op.onnx"))
        #expect(m.unsupportedNodes.map(\.op) == ["Hardmax"])
        let e = #expect(throws: NNError.self) { _ = try ONNXSession(m) }
        #expect(e?.code == .unsupported)
        #expect(e?.message.contains("Hardmax") == true && e?.message.contains("my_hardmax") == true)
    }

    @Test func wrongInputShape() throws {
        let s = try ONNXSession(ONNXModel(contentsOf: Self.folder.appendingPathComponent("monai_unet2d.onnx")))
        let e = #expect(throws: NNError.self) { _ = try s(Tensor(zeros: [1, 2, 32, 32])) }
        #expect(e?.code == .shapeMismatch)
        let e2 = #expect(throws: NNError.self) { _ = try s(Tensor(zeros: [1, 1, 32])) }
        #expect(e2?.code == .shapeMismatch)
        let r = try ONNXSession(ONNXModel(contentsOf: Self.folder.appendingPathComponent("resnet_tiny.onnx")))
        let e3 = #expect(throws: NNError.self) { _ = try r(Tensor(zeros: [1, 4, 32, 32])) }
        #expect(e3?.code == .shapeMismatch)
    }

    @Test func mismatchedInputElementType() throws {
        // The graph declares an int64 input; SpineKit feeds float32 tensors.
        let s = try ONNXSession(ONNXModel(contentsOf: Self.folder.appendingPathComponent("int_input.onnx")))
        let e = #expect(throws: NNError.self) { _ = try s(Tensor(zeros: [1, 4])) }
        #expect(e?.code == .unsupported)
        #expect(e?.message.contains("int64") == true && e?.message.contains("'input'") == true, "\(e?.message ?? "")")
    }

    /// bf16 sessions against ONNX Runtime's float32 output: bfloat16 has 8 significant bits, so the
    /// bound is relative to the largest output (2 %), plus arg-max agreement for the segmentation nets.
    @Test(
        "bf16 close to float32",
        arguments: [
            ("monai_unet2d", "b2_48x64", true), ("dynunet3d", "8x16x16", true), ("monai_unet3d", "8x16x24", true),
            ("resnet_tiny", "b1_64", false), ("detector", "64", false),
        ])
    func bf16(_ name: String, _ input: String, _ segmentation: Bool) throws {
        let model = try ONNXModel(contentsOf: Self.folder.appendingPathComponent("\(name).onnx"))
        let session = try ONNXSession(model, precision: .bf16)
        session.bf16MinimumMultiplyAdds = 0  // these fixtures are small: run every convolution in bf16
        let x = try NPY.read(from: Self.folder.appendingPathComponent("\(name).\(input).input.npy")).tensor()
        let expected = try NPY.read(from: Self.folder.appendingPathComponent("\(name).\(input).output.npy")).tensor()
        let y = try session(x)
        #expect(y.shape == expected.shape)
        guard y.shape == expected.shape else { return }
        let scale = expected.nchwScalars.map(abs).max() ?? 1
        let diff = y.maxAbsDifference(expected)
        #expect(diff <= 0.02 * scale, "\(name): max |bf16 − ORT| \(diff), max |ORT| \(scale)")
        // It did run in bfloat16: float32 would match ORT to 1e-4.
        #expect(diff > 1e-4 * scale, "\(name): bf16 output equals float32's")
        if segmentation {
            let a = y.nchwScalars, b = expected.nchwScalars
            let c = y.shape[1], inner = y.count / (y.shape[0] * c)
            var agree = 0
            for n in 0..<y.shape[0] {
                for p in 0..<inner {
                    func argmax(_ v: [Float]) -> Int {
                        (0..<c).max { v[(n * c + $0) * inner + p] < v[(n * c + $1) * inner + p] }!
                    }
                    if argmax(a) == argmax(b) { agree += 1 }
                }
            }
            let share = Double(agree) / Double(y.shape[0] * inner)
            #expect(share >= 0.99, "\(name): arg-max agrees on \(share * 100)%")
        }
        // Buffers and bfloat16 activations are reused: a second run gives the same numbers.
        #expect(try session(x).maxAbsDifference(y) == 0)
        // The default keeps these small convolutions float32 while other kernels stay bf16-aware:
        // mixed float32/bfloat16 values between kernels.
        let mixed = try ONNXSession(model, precision: .bf16)(x)
        #expect(mixed.maxAbsDifference(expected) <= 0.02 * scale, "\(name): mixed bf16/fp32")
    }

    @Test func missingExternalData() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-ext-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(
            at: Self.folder.appendingPathComponent("external.onnx"), to: dir.appendingPathComponent("external.onnx"))
        let e = #expect(throws: NNError.self) {
            _ = try ONNXModel(contentsOf: dir.appendingPathComponent("external.onnx"))
        }
        #expect(e?.code == .fileNotFound)
        #expect(e?.message.contains("external.onnx.data") == true)
    }

    @Test func npyRoundTrip() throws {
        let t = try Tensor(shape: [2, 3, 2, 2], nchw: (0..<24).map { Float($0) * 0.5 - 3 })
        for dtype in [NPYDType.float32, .float16] {
            let a = try NPYArray(t, dtype: dtype)
            let b = try NPY.decode(NPY.encode(a))
            #expect(b == a)
            #expect(try b.tensor().maxAbsDifference(t) == 0)
        }
        let ints = try NPYArray(Tensor(shape: [4], nchw: [0, 1, 200, 255]), dtype: .uint8)
        #expect(try NPY.decode(NPY.encode(ints)).floatValues == [0, 1, 200, 255])
        let longs = try NPYArray(Tensor(shape: [2, 2], nchw: [-5, 0, 7, 1_048_576]), dtype: .int64)
        #expect(try NPY.decode(NPY.encode(longs)).int64Values == [-5, 0, 7, 1_048_576])
        // numpy-written file
        let x = try NPY.read(from: Self.folder.appendingPathComponent("resnet_tiny.b1_64.input.npy"))
        #expect(x.shape == [1, 3, 64, 64] && x.dtype == .float32)
        #expect(throws: NNError.self) { _ = try NPY.decode(Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 200, 0])) }
    }

    @Test func halfPrecisionConversion() {
        for f: Float in [0, -0, 1, -2.5, 65504, 6.1035156e-05, 5.9604645e-08, 0.1] {
            let h = HalfPrecision.bits(from: f)
            let back = HalfPrecision.float(fromBits: h)
            #expect(abs(back - f) <= abs(f) * 1e-3 + 1e-8, "\(f) → \(back)")
        }
        #expect(HalfPrecision.float(fromBits: HalfPrecision.bits(from: .nan)).isNaN)
        #expect(HalfPrecision.float(fromBits: HalfPrecision.bits(from: .infinity)) == .infinity)
        #expect(HalfPrecision.float(fromBits: HalfPrecision.bits(from: 1e6)) == .infinity)
    }
}
