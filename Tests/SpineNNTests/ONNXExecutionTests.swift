import Foundation
import Testing

@testable import SpineNN

/// The prepared execution path of oneDNN primitives (memory objects made once per primitive and
/// argument layouts, re-pointed at each call's buffers): every call must read and write its own
/// buffers.
@Suite("Prepared primitive arguments")
struct PreparedArgumentTests {
    @Test func repeatedCallsUseEachCallsBuffers() throws {
        // A length no other test uses, so that this test creates the primitive and its binding.
        let n = 1237
        let a = try Tensor(shape: [n], nchw: [Float](repeating: 1, count: n))
        let b = try Tensor(shape: [n], nchw: (0..<n).map { Float($0) })
        let ya = try DNNL.eltwise(.linear(a: 3, b: 1), a)
        let yb = try DNNL.eltwise(.linear(a: 3, b: 1), b)
        let ya2 = try DNNL.eltwise(.linear(a: 3, b: 1), a)
        func wrong(_ y: Tensor, _ f: (Int) -> Float) -> Int {
            y.nchwScalars.enumerated().filter { $0.element != f($0.offset) }.count
        }
        #expect(wrong(ya) { _ in 4 } == 0)
        #expect(wrong(yb) { 3 * Float($0) + 1 } == 0)
        #expect(wrong(ya2) { _ in 4 } == 0)
    }

    @Test func repeatedCopiesUseEachCallsViews() throws {
        // A strided copy (channels-last → row-major) of a shape no other test uses, three times.
        let shape = [1, 3, 7, 11]
        let sources = try (0..<3).map { k in
            try Tensor(shape: shape, nchw: (0..<231).map { Float($0 * (k + 1)) })
        }
        for (k, x) in sources.enumerated() {
            var out = [Float](repeating: .nan, count: x.count)
            try out.withUnsafeMutableBytes { dst in
                try DNNL.copy(
                    from: DNNL.layout(x), UnsafeRawPointer(x.storage.pointer), to: .rowMajor(shape), dst.baseAddress!)
            }
            let wrong = out.enumerated().filter { $0.element != Float($0.offset * (k + 1)) }.count
            #expect(wrong == 0, "copy \(k): \(wrong) of 231 elements wrong")
        }
    }

    @Test func aSessionFollowsItsInputsAcrossRuns() throws {
        // The input tensor (a buffer the session does not own) differs between runs.
        let folder = ONNXImportTests.folder
        let session = try ONNXSession(ONNXModel(contentsOf: folder.appendingPathComponent("detector.onnx")))
        let x = try NPY.read(from: folder.appendingPathComponent("detector.64.input.npy")).tensor()
        let expected = try NPY.read(from: folder.appendingPathComponent("detector.64.output.npy")).tensor()
        let zeros = Tensor(zeros: x.shape)
        let first = try session(x)
        let other = try session(zeros)
        let again = try session(x)
        #expect(first.maxAbsDifference(expected) <= 1e-4)
        #expect(again.maxAbsDifference(first) == 0)
        #expect(other.maxAbsDifference(first) > 1e-3)
    }
}
