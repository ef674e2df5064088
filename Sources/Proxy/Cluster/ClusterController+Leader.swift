import Cluster
import Dispatch
import FailoverModel

/// What a role's model wants the store to say, as the leader's role controller reports it.
struct LeaderIntent: Sendable, Equatable {
    var decision: MovePlanner.Decision
    var settings: RoleSettings
}

/// The leader's side: every decision of a role's model goes to the store in one transaction
/// guarded by the leader key's create revision (fencing: a deposed leader's write fails),
/// one transaction at a time; the next waits until the watch has brought the last one back,
/// so what is planned always starts from what the store says.
extension ClusterController {
    /// A role's model decided (or its settings changed), on the leader.
    func intend(role: String, _ intent: LeaderIntent) {
        queue.async { [self] in
            guard leadership != nil else { return }
            intents[role] = intent
            flush()
        }
    }

    /// Writes what differs between the intents and the store, and the answers to requests.
    func flush() {
        guard let leadership, isFresh, !writeInFlight else { return }
        let lease = leadership.lease  // answers live as long as this leadership
        let now = ContinuousClock.now
        var writes: [StoreWrite] = []
        var wakeAt: ContinuousClock.Instant?
        for (role, intent) in intents.sorted(by: { $0.key < $1.key }) {
            let state = view.roles[role]
            if state?.settings != intent.settings {
                writes.append(.put(key: keys.settings(role), value: RecordCoding.encode(intent.settings), lease: 0))
            }
            let revision = state?.activeRevision ?? 0
            var planner = planners[role] ?? MovePlanner(staleAfter: config.staleAfter)
            let plan = planner.plan(intent.decision, published: state?.active, revision: revision,
                                    acks: view.acknowledgement(of: revision), now: now)
            planners[role] = planner
            switch plan {
            case .nothing: break
            case .write(let record):
                writes.append(.put(key: keys.active(role), value: RecordCoding.encode(record), lease: 0))
            case .wait(let until, let waiting):
                logger.debug("planned move waits for acknowledgements", metadata: [
                    "role": .string(role), "waiting": .string(waiting.joined(separator: ",")),
                ])
                wakeAt = min(wakeAt ?? until, until)
            }
        }
        let answering = answers
        for (id, answer) in answering.sorted(by: { $0.key < $1.key }) {
            writes.append(.put(key: keys.result(id), value: RecordCoding.encode(answer), lease: lease))
            writes.append(.delete(key: keys.request(id)))
        }
        let consuming = consumedRequests
        for id in consuming.sorted() { writes.append(.delete(key: keys.request(id))) }
        if let wakeAt { scheduleFlush(at: wakeAt) }
        guard !writes.isEmpty else { return }
        writeInFlight = true
        let start = now
        store.transaction(if: [.createRevision(key: keys.leader, equals: leadership.createRevision)], then: writes,
                          readOnFailure: [keys.leader]) { [self] result in
            guard self.leadership == leadership else { return }
            switch result {
            case .success(let outcome) where outcome.succeeded:
                roundTrip(startedAt: start)
                for id in answering.keys { answers[id] = nil }
                consumedRequests.subtract(consuming)
                if view.revision >= outcome.revision {
                    writeInFlight = false
                    flush()
                } else {
                    awaitedRevision = outcome.revision
                }
            case .success:
                roundTrip(startedAt: start)
                writeInFlight = false
                counters.update { $0.fencedWrites += 1 }
                logger.error("guarded write refused: another member holds the leader key")
                stepDown("its guarded write was refused (deposed)")
            case .failure(let error):
                writeInFlight = false
                failed("leader write", error)
            }
        }
    }

    private func scheduleFlush(at instant: ContinuousClock.Instant) {
        if let scheduled = flushScheduled, scheduled <= instant { return }
        flushScheduled = instant
        let delay = max(.zero, instant - .now)
        queue.asyncAfter(deadline: .now() + delay.dispatchInterval) { [self] in
            guard flushScheduled == instant else { return }
            flushScheduled = nil
            flush()
        }
    }

    /// Applies a member's request on the leader: an admin call (answered in `results/ID`)
    /// or a passive failure report (counted as a failed check, then consumed).
    func handleRequest(_ id: String) {
        guard leadership != nil, !handledRequests.contains(id), let request = view.requests[id] else { return }
        handledRequests.insert(id)
        guard let controller = roles[request.role] else {
            if request.operation != nil {
                answers[id] = OperationResult(error: "unknown role '\(request.role)'", category: .notFound)
            } else {
                consumedRequests.insert(id)
            }
            return flush()
        }
        if let server = request.passiveFailure {
            controller.passiveFailure(server: server, detail: "reported by \(request.node)", fromCluster: true)
            consumedRequests.insert(id)
            return flush()
        }
        guard let operation = request.operation else {
            consumedRequests.insert(id)
            return flush()
        }
        // Answered on the role's queue right after the change (an added server's name is
        // resolved off that queue first).
        controller.perform(operation) { [self] result in
            let answer: OperationResult
            switch result {
            case .success: answer = OperationResult()
            case .failure(let error): answer = OperationResult(error: error.description, category: error.category)
            }
            // Queued after the intents the operation produced: one transaction carries both.
            queue.async { [self] in
                guard leadership != nil else { return }
                answers[id] = answer
                flush()
            }
        }
    }
}

extension OperationError {
    /// How a leader's refusal travels to the member that asked.
    var category: OperationResult.Category {
        switch self {
        case .unknownRole, .refused(.unknownServer): .notFound
        case .invalidAddress, .unresolvable, .refused(.invalidServerName), .refused(.positionOutOfRange): .invalid
        case .refused, .remote, .clusterUnavailable: .conflict
        }
    }
}
