import Foundation
import SpineNN
import SpineTestSupport
import Testing

/// `spine onnx export`: a native model folder's U-Net as a `.onnx` file that runs to the native output.
@Suite struct ONNXExportCLITests {
    @Test func exportedFolderRunsToTheNativeOutput() throws {
        let dir = try ONNXModelFolderTests.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var g = SeededGenerator(seed: 5)
        let config = UNetConfiguration(classes: 3, levels: 3, baseFeatures: 4)
        let net = try UNet(config, using: &g)
        for (name, p) in net.namedParameters() where name.hasSuffix("running_mean") || name.hasSuffix("running_var") {
            try p.assign(Tensor.randomUniform(p.shape, in: 0.5..<1.5, using: &g))
        }
        let folder = dir.appendingPathComponent("tiny")
        try Checkpoint.save(
            net, plan: ModelPlan(network: config, classNames: ["background", "a", "b"], patchSize: [16, 16]),
            to: folder)
        let x = Tensor.randomNormal([2, 1, 16, 24], using: &g)
        let (input, native, file) = (
            dir.appendingPathComponent("x.npy"), dir.appendingPathComponent("y.npy"),
            dir.appendingPathComponent("m.onnx")
        )
        try NPY.write(NPYArray(x), to: input)
        let r = try AnalyzeCLITests.run([
            "onnx", "export", "--model", folder.path, "--out", file.path, "--sample-input", input.path,
            "--sample-output", native.path,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2-D U-Net, 3 classes, opset 17"), "\(r.stdout)")
        let y = try NPY.read(from: native).tensor()
        net.setTraining(false)
        let reference = try GradientMode.withoutGradients { try net(Variable(x)).value }
        #expect(y.shape == [2, 3, 16, 24])
        #expect(y.maxAbsDifference(reference) <= 1e-5)
        let session = try ONNXSession(ONNXModel(contentsOf: file))
        let z = try session(x)
        #expect(z.maxAbsDifference(y) <= 1e-4)
        #expect(session.fusedBatchNormCount == net.namedParameters().filter { $0.name.hasSuffix("running_mean") }.count)

        let missing = try AnalyzeCLITests.run([
            "onnx", "export", "--model", dir.appendingPathComponent("nothing").path, "--out", file.path,
        ])
        ONNXCLITests.expectOneLineError(missing, status: 3, containing: ["not a model folder"])
    }
}
