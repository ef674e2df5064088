import FailoverModel
import Synchronization

/// Receives a frame of the event stream; called under the hub's lock, so it must only
/// hand the bytes over (e.g. hop to its loop), never block.
protocol EventStreamSubscriber: AnyObject, Sendable {
    func deliver(_ frame: [UInt8])
}

/// The `/events` fan-out: numbers every model event, keeps a bounded history for
/// `Last-Event-ID` replay, and hands each frame to every subscriber. Publishing only
/// enqueues (each subscriber bounds and drains its own queue on its loop), so a slow
/// subscriber never slows the roles' queues.
final class EventHub: Sendable {
    static let defaultHistoryLimit = 1000

    private struct State {
        var nextID: UInt64 = 1
        var history: [(id: UInt64, frame: [UInt8])] = []
        var historyStart = 0  // ring: the oldest entry once the history is full
        var subscribers: [ObjectIdentifier: any EventStreamSubscriber] = [:]
    }

    private let state = Mutex(State())
    let historyLimit: Int
    /// Cluster mode: a failover event's id is the store revision that made it, the same on
    /// every member, so a subscriber can resume on another member; a health event (this
    /// member's own) carries the id of the last failover event.
    let idsFromStore: Bool

    init(historyLimit: Int = EventHub.defaultHistoryLimit, idsFromStore: Bool = false) {
        self.historyLimit = max(1, historyLimit)
        self.idsFromStore = idsFromStore
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Numbers and fans out `events`, in order (`revision`: a cluster failover event's).
    func publish(_ events: [ModelEvent], revision: Int64? = nil) {
        state.withLock { state in
            for event in events {
                let id: UInt64
                if !idsFromStore {
                    id = state.nextID
                    state.nextID += 1
                } else if case .failover = event, let revision, revision > 0 {
                    guard UInt64(revision) >= state.nextID else { continue }  // already published
                    id = UInt64(revision)
                    state.nextID = id + 1
                } else {
                    id = state.nextID - 1
                }
                let frame = Self.frame(id: id, event: event)
                if state.history.count < historyLimit {
                    state.history.append((id, frame))
                } else {
                    state.history[state.historyStart] = (id, frame)
                    state.historyStart = (state.historyStart + 1) % historyLimit
                }
                for subscriber in state.subscribers.values { subscriber.deliver(frame) }
            }
        }
    }

    /// Registers `subscriber`, first delivering the kept events after `lastEventID` (all of
    /// them when the id is unknown to this process, e.g. from before a restart).
    func subscribe(_ subscriber: any EventStreamSubscriber, after lastEventID: UInt64?) {
        state.withLock { state in
            if let lastEventID {
                let latest = state.nextID - 1
                let from = lastEventID > latest ? 0 : lastEventID
                let ordered = state.history[state.historyStart...] + state.history[..<state.historyStart]
                for entry in ordered where entry.id > from { subscriber.deliver(entry.frame) }
            }
            state.subscribers[ObjectIdentifier(subscriber)] = subscriber
        }
    }

    func unsubscribe(_ subscriber: any EventStreamSubscriber) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: ObjectIdentifier(subscriber)) }
    }

    /// `id: N`, `event: failover|health`, `data: JSON`, blank line.
    static func frame(id: UInt64, event: ModelEvent) -> [UInt8] {
        let type: String
        switch event {
        case .failover: type = "failover"
        case .health: type = "health"
        }
        return Array("id: \(id)\nevent: \(type)\ndata: \(event.json)\n\n".utf8)
    }
}
