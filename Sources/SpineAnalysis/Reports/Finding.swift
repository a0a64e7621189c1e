/// Something the analysis noticed that a reader must know: an anomaly, a missing structure, a limit.
public struct Finding: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Codable { case info, warning, error }

    /// Stable machine-readable code ("enumeration-anomaly", "no-sacrum", "unknown-labels", …).
    public var code: String
    public var severity: Severity
    /// One line for people.
    public var message: String
    /// The vertebra or disc level concerned ("L5", "L4-L5"), when there is one.
    public var level: String?

    public init(_ code: String, _ severity: Severity, _ message: String, level: String? = nil) {
        self.code = code
        self.severity = severity
        self.message = message
        self.level = level
    }
}
