/// ONNX nodes for SpineNN's layers; `name` is the layer's `namedParameters()` prefix (`layer1.0.conv1`),
/// which names its initializers (`layer1.0.conv1.weight`) and its nodes (`/layer1/0/conv1/Conv`).
extension ONNXGraphBuilder {
    static func path(_ name: String, _ op: String) -> String {
        "/" + name.split(separator: ".").joined(separator: "/") + "/" + op
    }

    /// Conv with the layer's stride, symmetric padding, dilation and groups.
    @discardableResult
    mutating func convolution(_ c: Convolution, _ name: String, _ x: String, output: String? = nil) -> String {
        let w = c.weight.value
        var inputs = [x, initializer(name + ".weight", w)]
        if let b = c.bias { inputs.append(initializer(name + ".bias", b.value)) }
        return node(
            "Conv", inputs, path: Self.path(name, "Conv"),
            attributes: [
                Self.ints("kernel_shape", Array(w.shape.dropFirst(2))), Self.ints("strides", c.stride),
                Self.ints("pads", c.padding + c.padding), Self.ints("dilations", c.dilation),
                Self.int("group", c.groups),
            ], output: output)
    }

    /// ConvTranspose (weight `[I, O/groups, k…]`), no output padding.
    mutating func transposedConvolution(_ c: TransposedConvolution, _ name: String, _ x: String) -> String {
        let w = c.weight.value
        var inputs = [x, initializer(name + ".weight", w)]
        if let b = c.bias { inputs.append(initializer(name + ".bias", b.value)) }
        return node(
            "ConvTranspose", inputs, path: Self.path(name, "ConvTranspose"),
            attributes: [
                Self.ints("kernel_shape", Array(w.shape.dropFirst(2))), Self.ints("strides", c.stride),
                Self.ints("pads", c.padding + c.padding), Self.int("group", c.groups),
            ])
    }

    /// BatchNormalization with the running statistics (evaluation mode).
    mutating func batchNorm(_ b: BatchNorm, _ name: String, _ x: String) -> String {
        let inputs = [
            x, initializer(name + ".weight", b.scale.value), initializer(name + ".bias", b.shift.value),
            initializer(name + ".running_mean", b.runningMean.value),
            initializer(name + ".running_var", b.runningVariance.value),
        ]
        return node(
            "BatchNormalization", inputs, path: Self.path(name, "BatchNormalization"),
            attributes: [Self.float("epsilon", b.epsilon), Self.float("momentum", 1 - b.momentum)])
    }

    mutating func instanceNorm(_ n: InstanceNorm, _ name: String, _ x: String) -> String {
        node(
            "InstanceNormalization",
            [x, initializer(name + ".weight", n.scale.value), initializer(name + ".bias", n.shift.value)],
            path: Self.path(name, "InstanceNormalization"), attributes: [Self.float("epsilon", n.epsilon)])
    }

    /// Relu for `negativeSlope == 0`, LeakyRelu otherwise.
    mutating func activation(_ x: String, _ name: String, negativeSlope: Float = 0) -> String {
        negativeSlope == 0
            ? node("Relu", [x], path: Self.path(name, "Relu"))
            : node(
                "LeakyRelu", [x], path: Self.path(name, "LeakyRelu"), attributes: [Self.float("alpha", negativeSlope)])
    }

    mutating func add(_ a: String, _ b: String, _ name: String) -> String {
        node("Add", [a, b], path: Self.path(name, "Add"))
    }

    mutating func maxPool(_ x: String, _ name: String, kernel: [Int], stride: [Int], padding: [Int]) -> String {
        node(
            "MaxPool", [x], path: Self.path(name, "MaxPool"),
            attributes: [
                Self.ints("kernel_shape", kernel), Self.ints("strides", stride), Self.ints("pads", padding + padding),
            ])
    }

    /// Nearest-neighbour upsampling by integer factors (`upsample(_:factor:)`: output index `i` reads `i / f`).
    mutating func upsampleNearest(_ x: String, _ name: String, factors: [Int]) -> String {
        let scales = floatConstant(name + ".scales", [1, 1] + factors.map(Float.init))
        return node(
            "Resize", [x, "", scales], path: Self.path(name, "Resize"),
            attributes: [
                Self.string("mode", "nearest"), Self.string("coordinate_transformation_mode", "asymmetric"),
                Self.string("nearest_mode", "floor"),
            ])
    }
}
