import FailoverModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The values the cluster stores, as JSON. A value that does not decode is malformed:
/// logged by every member and never applied.
public enum RecordCoding {
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(value))) ?? []
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws(RecordError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw RecordError(reason: Self.reason(error))
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty: "not JSON"
        case DecodingError.dataCorrupted(let context):
            "bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: "\(error)"
        }
    }
}

/// Why a stored value was not understood.
public struct RecordError: Error, Sendable, Equatable {
    public var reason: String
}

/// `roles/ROLE/active`: the role's active server as the leader wrote it.
public struct ActiveRecord: Codable, Sendable, Equatable {
    /// The server hosting the role; nil while none does.
    public var server: String?
    /// Where the role was before this move (before the "no server" step of a planned move).
    public var from: String?
    public var reason: FailoverReason
    public var at: Timestamp
    /// Step one of a planned move: no server while every member lets go of `from`; the
    /// move's server is `to`. Not an event.
    public var moving: Bool
    public var to: String?

    public init(server: String?, from: String?, reason: FailoverReason, at: Timestamp, moving: Bool = false, to: String? = nil) {
        self.server = server
        self.from = from
        self.reason = reason
        self.at = at
        self.moving = moving
        self.to = to
    }

    /// The failover event this record publishes (none for step one of a planned move).
    public func event(role: String) -> FailoverEvent? {
        moving ? nil : FailoverEvent(role: role, from: from, to: server, reason: reason, at: at)
    }
}

/// `members/NODE`.
public struct MemberRecord: Codable, Sendable, Equatable {
    /// How other members reach this one's admin API; nil when not configured.
    public var advertise: String?
    /// The last active-server revision this member applied to its data plane.
    public var acked: Revision

    public init(advertise: String?, acked: Revision) {
        self.advertise = advertise
        self.acked = acked
    }
}

/// `requests/ID`: something a member asks of the leader: an admin call made on it (answered
/// in `results/ID`) or a passive failure its data plane saw (not answered).
public struct OperationRequest: Codable, Sendable, Equatable {
    public var role: String
    public var node: String
    public var operation: RoleOperation?
    /// A server this member could not connect to (or that reset): the leader counts a failed check.
    public var passiveFailure: String?

    public init(role: String, node: String, operation: RoleOperation? = nil, passiveFailure: String? = nil) {
        self.role = role
        self.node = node
        self.operation = operation
        self.passiveFailure = passiveFailure
    }
}

/// `results/ID`: the leader's answer to an admin call; no error when it applied it.
public struct OperationResult: Codable, Sendable, Equatable {
    /// Why it was refused, as the operator reads it.
    public var error: String?
    /// Whose fault: an unknown role or server, a bad value, or a refusal by the rules.
    public var category: Category?

    public enum Category: String, Codable, Sendable {
        case notFound, invalid, conflict
    }

    public init(error: String? = nil, category: Category? = nil) {
        self.error = error
        self.category = category
    }
}
