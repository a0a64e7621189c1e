/// A building block with parameters: a convolution, a normalization, a whole network.
public protocol Layer: AnyObject {
    /// Every parameter and stored tensor (running statistics), with dotted names like PyTorch's
    /// `state_dict` keys (`encoder.0.convs.1.norm.running_mean`).
    func namedParameters() -> [(name: String, parameter: Parameter)]
    /// Switches training behaviour (batch statistics, dropout) on or off, recursively.
    func setTraining(_ training: Bool)
}

extension Layer {
    /// The parameters an optimizer should update.
    public var trainableParameters: [Parameter] { namedParameters().map(\.parameter).filter(\.isTrainable) }

    /// Total number of trainable scalars.
    public var trainableParameterCount: Int { trainableParameters.reduce(0) { $0 + $1.value.count } }
}

/// Prefixes child names: `prefix.name`.
func prefixed(_ prefix: String, _ items: [(name: String, parameter: Parameter)]) -> [(
    name: String, parameter: Parameter
)] {
    items.map { (prefix + "." + $0.name, $0.parameter) }
}

/// He (Kaiming) normal initialization for a weight with `fanIn` inputs per output (ReLU gain).
func kaimingNormal<G: RandomNumberGenerator>(_ shape: [Int], fanIn: Int, using g: inout G) -> Tensor {
    Tensor.randomNormal(shape, std: (2 / Float(max(fanIn, 1))).squareRoot(), using: &g)
}
