import Foundation

/// A tensor that records how it was computed, so that ``backward(seed:)`` can differentiate it.
///
/// Every operation on variables (``convolution(_:weight:bias:stride:padding:dilation:groups:)``,
/// ``relu(_:)``, `+`, …) returns a new variable holding its value and, when any input needs a
/// gradient and ``GradientMode`` is on, a node: the inputs and a closure that maps the output's
/// gradient to the inputs' gradients. ``backward(seed:)`` walks those nodes in reverse
/// topological order (the tape, read backwards) and accumulates gradients into the leaves'
/// ``grad``.
///
/// Variables are reference types and are not thread-safe; one training loop owns its graph.
public class Variable {
    /// The value.
    public internal(set) var value: Tensor
    /// Accumulated gradient (leaves only), `nil` until a backward pass reaches this variable.
    public var grad: Tensor?
    /// Whether gradients flow to (and through) this variable.
    public let requiresGrad: Bool
    let node: Node?

    /// A leaf variable (an input or a constant).
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.node = nil
    }

    init(value: Tensor, node: Node?) {
        self.value = value
        self.requiresGrad = node != nil
        self.node = node
    }

    /// Logical shape of the value.
    public var shape: [Int] { value.shape }

    /// A result of an operation: records `backward` only when an input needs a gradient.
    static func result(_ value: Tensor, inputs: [Variable], _ backward: @escaping (Tensor) throws -> [Tensor?])
        -> Variable
    {
        if GradientMode.isEnabled && inputs.contains(where: { $0.requiresGrad }) {
            return Variable(value: value, node: Node(inputs: inputs, backward: backward))
        }
        return Variable(value: value, node: nil)
    }

    /// Back-propagates from this variable and adds the gradients into the leaves' ``grad``.
    ///
    /// - Parameter seed: gradient of the final objective with respect to this variable; ones if nil
    ///   (the usual case for a scalar loss).
    /// - Throws: ``NNError`` when an operation's backward fails or the seed's shape is wrong.
    public func backward(seed: Tensor? = nil) throws {
        if let seed, seed.shape != shape {
            throw NNError.shape("backward", expected: "seed of shape \(shape)", got: "\(seed.shape)")
        }
        guard requiresGrad else { return }
        // Post-order depth-first walk gives a topological order.
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Variable, Bool)] = [(self, false)]
        while let (v, expanded) = stack.popLast() {
            if expanded {
                order.append(v)
                continue
            }
            if !visited.insert(ObjectIdentifier(v)).inserted { continue }
            stack.append((v, true))
            if let node = v.node {
                for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed ?? Tensor(shape: shape, repeating: 1)]
        for v in order.reversed() {
            guard let g = grads.removeValue(forKey: ObjectIdentifier(v)) else { continue }
            guard let node = v.node else {
                if v.grad == nil { v.grad = g } else { v.grad! += g }
                continue
            }
            let inputGrads = try node.backward(g)
            precondition(
                inputGrads.count == node.inputs.count,
                "backward returned \(inputGrads.count) gradients for \(node.inputs.count) inputs")
            for (input, gi) in zip(node.inputs, inputGrads) {
                guard input.requiresGrad, let gi else { continue }
                precondition(gi.shape == input.shape, "gradient shape \(gi.shape) for input \(input.shape)")
                let key = ObjectIdentifier(input)
                if var existing = grads.removeValue(forKey: key) {
                    existing += gi  // in place unless another value shares the storage
                    grads[key] = existing
                } else {
                    grads[key] = gi
                }
            }
        }
    }
}

/// One recorded operation: its inputs and the map from output gradient to input gradients.
final class Node {
    let inputs: [Variable]
    let backward: (Tensor) throws -> [Tensor?]
    init(inputs: [Variable], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.inputs = inputs
        self.backward = backward
    }
}

/// A trainable (or stored) tensor of a layer, named like a PyTorch `state_dict` key.
public final class Parameter: Variable {
    /// Whether an optimizer updates it (false for batch-norm running statistics).
    public let isTrainable: Bool

    public init(_ value: Tensor, trainable: Bool = true) {
        self.isTrainable = trainable
        super.init(value, requiresGrad: trainable)
    }

    /// Replaces the value (optimizers, checkpoint loading, running statistics).
    public func assign(_ newValue: Tensor) throws {
        guard newValue.shape == value.shape else {
            throw NNError.shape("Parameter.assign", expected: "\(value.shape)", got: "\(newValue.shape)")
        }
        value = newValue
    }

    /// Mutates the value in place (no shape change).
    public func update(_ body: (inout Tensor) throws -> Void) rethrows {
        try body(&value)
    }
}

/// Whether operations record their backward (turn off for inference and validation).
public enum GradientMode {
    @TaskLocal static var enabled = true

    /// Whether recording is on for the current task.
    public static var isEnabled: Bool { enabled }

    /// Runs `body` without recording gradients.
    public static func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
        try $enabled.withValue(false) { try body() }
    }
}
