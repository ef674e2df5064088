/// A server the role should go to as soon as it has a verdict, because it is not `up` yet.
public struct PendingChoice: Equatable, Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// The active server before a restart: start-up prefers it, so a restart does not
        /// silently fail back. Dropped when start-up ends.
        case restored
        /// An authoritative failover event named a server still `unknown`: followed when
        /// it turns `up`, dropped when it turns `down` or goes into maintenance, replaced by
        /// the next event, cleared by a manual activation.
        case event
    }

    public var server: String
    public var kind: Kind

    public init(server: String, kind: Kind) {
        self.server = server
        self.kind = kind
    }

    /// The reason of the failover event when the choice is followed.
    var reason: FailoverReason {
        switch kind {
        case .restored: .startup
        case .event: .event
        }
    }
}
