#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// A failover event as a feed carries it: the format of the proxy's own `/events`
/// (SPEC §5). Only `type`, `role` and `to` are required; the rest is informative.
public struct FeedEvent: Sendable, Equatable, Decodable {
    public var type: String
    public var role: String
    public var to: String?
    public var from: String?
    public var reason: String?

    /// Decodes an event's `data`; nil when it is not a failover event with a role and a target.
    public static func failover(from data: String) -> FeedEvent? {
        guard let event = try? JSONDecoder().decode(FeedEvent.self, from: Data(data.utf8)),
              event.type == "failover", let to = event.to, !to.isEmpty, !event.role.isEmpty else { return nil }
        return event
    }
}
