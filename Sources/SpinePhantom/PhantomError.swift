/// Why a phantom could not be made: an impossible or contradictory parameter.
///
/// `description` is one line for users naming the parameter, the value and what is allowed.
public struct PhantomError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A number outside its allowed range (negative spacing, zero slices, lordosis 120°).
        case outOfRange
        /// Two choices that cannot both hold (an L6 anomaly with five lumbar vertebrae).
        case contradiction
        /// A level that does not exist in this spine (a slip at L6 when there is no L6).
        case noSuchLevel
        /// An output could not be written.
        case writeFailed
    }

    public var code: Code
    /// The parameter concerned, e.g. `"sagittal.sliceCount"`.
    public var parameter: String
    public var message: String

    public init(_ code: Code, parameter: String, _ message: String) {
        self.code = code
        self.parameter = parameter
        self.message = message
    }

    public var description: String { "\(parameter): \(message)" }

    static func range(_ parameter: String, _ value: Double, _ lo: Double, _ hi: Double, unit: String = "")
        -> PhantomError
    {
        PhantomError(
            .outOfRange, parameter: parameter,
            "\(fmt(value))\(unit) is outside the allowed range \(fmt(lo))–\(fmt(hi))\(unit)")
    }

    static func check(_ parameter: String, _ value: Double, _ lo: Double, _ hi: Double, unit: String = "") throws {
        guard value.isFinite, value >= lo, value <= hi else { throw range(parameter, value, lo, hi, unit: unit) }
    }

    static func fmt(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(v)
    }
}
