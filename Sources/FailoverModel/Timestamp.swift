/// A point in time, in milliseconds since the Unix epoch (UTC).
///
/// The model never reads a clock: every input carries the time it happened, so a test
/// (or a replay) drives the model exactly.
public struct Timestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    /// This time moved by `milliseconds` (negative moves back).
    public func adding(milliseconds delta: Int64) -> Timestamp {
        Timestamp(milliseconds: milliseconds + delta)
    }

    /// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-25T09:15:11.123Z`.
    public var rfc3339: String { RFC3339.format(self) }

    /// Parses an RFC 3339 date-time (`Z` or `±HH:MM` offset, optional fraction truncated to
    /// milliseconds). Returns nil for anything else.
    public init?(rfc3339 text: String) {
        guard let parsed = RFC3339.parse(text) else { return nil }
        self = parsed
    }

    public var description: String { rfc3339 }
}

/// Encoded as its RFC 3339 string, the same form the event wire format uses.
extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = RFC3339.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an RFC 3339 date-time: \(text)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339)
    }
}
