import FailoverModel

/// The outcome of one health check of one server.
public struct CheckResult: Sendable, Equatable {
    public let server: String
    public let passed: Bool
    /// What was seen: `HTTP 200`, `connected`, `connection refused`, `timeout`…
    public let detail: String
    public let durationMilliseconds: Double
    public let at: Timestamp
}
