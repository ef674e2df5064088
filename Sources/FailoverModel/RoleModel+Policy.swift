/// What kind of input led to a re-evaluation, which names the reason of a resulting move.
struct Cause {
    /// Reason when the active server is unavailable (or there is none) and the role goes
    /// to the first available server. For a move from "no active server", this is the
    /// reason of the input that made a server available (a check: `failure`).
    var lossReason: FailoverReason
    /// Reason when failback takes the role to a higher server.
    var failbackReason: FailoverReason

    static let health = Cause(lossReason: .failure, failbackReason: .failback)
    static let maintenance = Cause(lossReason: .maintenance, failbackReason: .failback)
    static let reorder = Cause(lossReason: .reorder, failbackReason: .reorder)
    /// Adding or removing a server: removing the active one is a manual move.
    static let membership = Cause(lossReason: .manual, failbackReason: .failback)
    /// Failback switched on, or the feed's authority dropped.
    static let policy = Cause(lossReason: .failure, failbackReason: .failback)
    static let deadline = Cause(lossReason: .startup, failbackReason: .startup)
    static let event = Cause(lossReason: .event, failbackReason: .failback)
}

extension RoleModel {
    /// Decides the active server after an input and emits at most one failover event.
    /// Order: start-up choice (or a pending choice that turned `up`), then replacing an
    /// unavailable active server, then failback on top; the reason is the one of the first
    /// rule that changed the target (`startup` for any choice that ends start-up, except a
    /// followed event, which is `event`).
    mutating func settle(_ cause: Cause, at time: Timestamp) -> [ModelEvent] {
        guard !isFollowing else { return [] }
        let old = active
        var target = active
        var reason = cause.lossReason
        let wasStartingUp = isStartingUp

        if isStartingUp {
            guard let choice = startupChoice() else { return [] }
            isStartingUp = false
            if pendingChoice?.kind == .restored || pendingChoice?.server == choice.server {
                pendingChoice = nil
            }
            target = choice.server
            reason = choice.reason
        } else {
            if let followed = resolvePendingChoice(), followed != target {
                target = followed
                reason = .event
            }
            let targetState = target.flatMap { server(named: $0)?.state }
            // An active server adopted from a cluster leader may have no verdict here yet:
            // it keeps the role until this member's checks judge it (sticky across leaders).
            if targetState != .up && targetState != .unknown {
                target = firstAvailable
                reason = cause.lossReason
            }
        }

        if failbackApplies, let current = target, let currentIndex = index(of: current),
           let top = servers.firstIndex(where: \.isAvailable), top < currentIndex {
            if target == old {
                reason = cause.failbackReason
            } else if wasStartingUp {
                // The start-up choice itself went to the top server.
                reason = .startup
            }
            target = servers[top].name
        }
        return changeActive(to: target, reason: reason, at: time)
    }

    /// Start-up picks the first available server once every server above it has a
    /// verdict. A pending choice (the restored active, or an event) is preferred: chosen
    /// once `up`, waited for while `unknown`, dropped when `down`, in maintenance or gone.
    mutating func startupChoice() -> (server: String, reason: FailoverReason)? {
        if let pending = pendingChoice {
            switch server(named: pending.server)?.state {
            case .up: return (pending.server, pending.reason)
            case .unknown: return nil
            case .down, .maintenance, nil: pendingChoice = nil
            }
        }
        for server in servers {
            switch server.state {
            case .up: return (server.name, .startup)
            case .unknown: return nil
            case .down, .maintenance: continue
            }
        }
        return nil
    }

    /// Out of start-up: the pending server to follow now that it is `up`, if any; drops
    /// the pending choice once its server has a verdict or is gone.
    mutating func resolvePendingChoice() -> String? {
        guard let pending = pendingChoice else { return nil }
        switch server(named: pending.server)?.state {
        case .unknown:
            return nil
        case .up:
            pendingChoice = nil
            return pending.server
        case .down, .maintenance, nil:
            pendingChoice = nil
            return nil
        }
    }
}
