import Cluster
import Dispatch
import FailoverModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// An admin call made on this member, waiting for the leader's answer.
struct RequestWaiter {
    let role: String
    let deadline: ContinuousClock.Instant
    let done: @Sendable (Result<Void, OperationError>) -> Void
    /// The leader applied it; the answer waits until the role is not between the two steps
    /// of a planned move, so the caller sees where the role went.
    var applied = false
}

/// The member's side of runtime changes: an admin call is written as `requests/ID` (created
/// only if absent: a compare-and-swap) and answered once the leader's `results/ID` arrives
/// through the watch, which is after the leader wrote the change it made.
extension ClusterController {
    /// How long an admin call waits for the leader: long enough for a new leader to be elected.
    var answerTimeout: Duration { config.leaseTTL + config.staleAfter }

    func submit(role: String, _ operation: RoleOperation, _ done: @escaping @Sendable (Result<Void, OperationError>) -> Void) {
        queue.async { [self] in
            guard isFresh else {
                return done(.failure(.clusterUnavailable("this member cannot reach etcd (stale); try another member")))
            }
            let id = UUID().uuidString.lowercased()
            waiters[id] = RequestWaiter(role: role, deadline: .now + answerTimeout, done: done)
            let request = OperationRequest(role: role, node: config.node, operation: operation)
            put(request, id: id) { [self] error in
                guard let error, let waiter = waiters.removeValue(forKey: id) else { return }
                waiter.done(.failure(.clusterUnavailable("could not hand the change to etcd: \(error)")))
            }
        }
    }

    /// A passive failure this member saw, for the leader to count (at most one a second per server).
    func reportPassiveFailure(role: String, server: String) {
        queue.async { [self] in
            let key = role + "/" + server
            let now = ContinuousClock.now
            if let last = lastReports[key], now - last < .seconds(1) { return }
            lastReports[key] = now
            put(OperationRequest(role: role, node: config.node, passiveFailure: server), id: UUID().uuidString.lowercased()) { _ in }
        }
    }

    private func put(_ request: OperationRequest, id: String, _ done: @escaping @Sendable (StoreError?) -> Void) {
        let key = keys.request(id)
        let start = ContinuousClock.now
        // On this member's lease: a request nobody took vanishes with its member.
        store.transaction(if: [.createRevision(key: key, equals: 0)],
                          then: [.put(key: key, value: RecordCoding.encode(request), lease: lease ?? 0)],
                          readOnFailure: []) { [self] result in
            switch result {
            case .success(let outcome):
                roundTrip(startedAt: start)
                done(outcome.succeeded ? nil : StoreError(.rejected, "request id taken"))
            case .failure(let error):
                failed("request", error)
                done(error)
            }
        }
    }

    /// The leader answered `id`: if this member asked, the caller gets the answer (a
    /// success once the move it started, if any, is complete); the answer's key is removed.
    func answered(_ id: String) {
        guard var waiter = waiters[id], let result = view.results[id] else { return }
        store.transaction(if: [], then: [.delete(key: keys.result(id))], readOnFailure: []) { _ in }
        if let error = result.error {
            waiters[id] = nil
            return waiter.done(.failure(.remote(result.category ?? .conflict, error)))
        }
        waiter.applied = true
        waiters[id] = waiter
        answerCompletedMoves()
    }

    /// Answers the applied calls whose role is no longer between the two steps of a move.
    func answerCompletedMoves() {
        for (id, waiter) in waiters where waiter.applied && view.roles[waiter.role]?.active?.moving != true {
            waiters[id] = nil
            waiter.done(.success(()))
        }
    }

    func expireWaiters() {
        let now = ContinuousClock.now
        for (id, waiter) in waiters where waiter.deadline <= now {
            waiters[id] = nil
            // Applied, but the move it started has not finished in time: still a success.
            if waiter.applied { waiter.done(.success(())); continue }
            waiter.done(.failure(.clusterUnavailable("no answer from the cluster leader within \(answerTimeout)")))
            store.transaction(if: [], then: [.delete(key: keys.request(id))], readOnFailure: []) { _ in }
        }
    }
}
