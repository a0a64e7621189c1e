/// An error from SpineNN: a shape that does not fit an operation, a checkpoint that does not
/// match its plan, a non-finite loss, or a failure reported by the compute backend.
///
/// `description` is one line that names what was expected and what came.
public struct NNError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// A tensor's rank or dimensions do not fit the operation.
        case shapeMismatch
        /// An argument is out of its valid range (a negative stride, zero groups, …).
        case invalidArgument
        /// A loss or gradient became NaN or infinite.
        case nonFinite
        /// A checkpoint or plan does not match the model it is loaded into.
        case checkpointMismatch
        /// A checkpoint file is truncated or malformed.
        case malformedFile
        /// The compute backend (oneDNN) refused or failed an operation.
        case backend
        /// The operation is not supported (for instance backward in inference mode).
        case unsupported
        /// A file (a model, its external data, an input array) does not exist or cannot be read.
        case fileNotFound
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    static func shape(_ op: String, expected: String, got: String) -> NNError {
        NNError(.shapeMismatch, "\(op): expected \(expected), got \(got)")
    }
}
