import Cluster
import Dispatch
import FailoverModel

/// The member's view of the store: a full read, then a watch resumed from the last
/// revision seen; what changed goes to the roles, and acknowledgements back to the store.
extension ClusterController {

    /// A full read of the cluster's keys, then a watch from that revision.
    func resync() {
        guard !syncing, !stopped else { return }
        syncing = true
        let start = ContinuousClock.now
        store.read(prefix: keys.prefix) { [self] result in
            syncing = false
            switch result {
            case .success(let read):
                watch?.cancel()
                let notes = view.load(read)
                synced = true
                readNeeded = false
                watchDownSince = nil
                startWatch(after: read.revision)
                roundTrip(startedAt: start)
                handle(notes)
                for name in roles.keys { push(role: name) }
            case .failure(let error):
                failed("read", error)
            }
        }
    }

    func startWatch(after revision: Revision) {
        watch = store.watch(prefix: keys.prefix, after: revision) { [weak self] update in
            self?.watched(update)
        }
    }

    /// The watch ended (connection lost, endpoint switched): resumed from the last revision
    /// seen, so nothing between is missed; a compaction meanwhile makes it read afresh.
    func resumeWatch() {
        guard synced, watch == nil, !readNeeded, !syncing, !stopped else { return }
        startWatch(after: view.revision)
    }

    func watched(_ update: WatchUpdate) {
        switch update {
        case .started:
            watchDownSince = nil
        case .changes(let changes, let revision):
            watchDownSince = nil
            handle(view.apply(changes, revision: revision))
        case .progress(let revision):
            watchDownSince = nil
            view.advance(to: revision)
        case .compacted(let compactRevision):
            logger.info("watch fell behind a compaction; reading afresh", metadata: ["compact-revision": .stringConvertible(compactRevision)])
            watch = nil
            readNeeded = true
            watchDownSince = watchDownSince ?? .now
            resync()
        case .ended(let error):
            logger.info("watch ended; resuming it from the last revision seen", metadata: [
                "error": .string(error.description), "revision": .stringConvertible(view.revision),
            ])
            lastError = "watch: \(error)"
            watch = nil
            watchDownSince = watchDownSince ?? .now
            updateFreshness()
        }
    }

    func handle(_ notes: [ClusterView.Note]) {
        var changedRoles = Set<String>()
        var results: [String] = []
        for note in notes {
            switch note {
            case .leader:
                counters.update { $0.leaderChanges += 1 }
                logger.info("cluster leader", metadata: ["leader": .string(view.leader?.node ?? "-")])
                reconcileLeadership()
            case .members: if leadership != nil { flush() }
            case .settings(let role), .active(let role, _): changedRoles.insert(role)
            case .request(let id): if leadership != nil { handleRequest(id) }
            case .result(let id): results.append(id)
            case .malformed(let key, let reason):
                logger.warning("malformed value in etcd ignored", metadata: ["key": .string(key), "reason": .string(reason)])
                counters.update { $0.malformed += 1 }
            }
        }
        for role in changedRoles.sorted() { push(role: role) }
        // After the pushes: a caller that reads the roles' state right after sees the change.
        for id in results { answered(id) }
        if !changedRoles.isEmpty { answerCompletedMoves() }
        if writeInFlight, view.revision >= awaitedRevision, awaitedRevision > 0 {
            writeInFlight = false
            awaitedRevision = 0
            flush()
        }
    }

    /// Hands the store's state of `role` to its controller again (after a reload), with
    /// the route rebuilt from the new addresses.
    func repush(role name: String) {
        queue.async { [self] in
            guard let controller = roles[name] else { return }
            controller.queue.async { controller.clusterState.routedRevision = -1 }
            push(role: name)
        }
    }

    /// Hands the store's state of `role` to its controller.
    func push(role name: String) {
        guard let controller = roles[name] else { return }
        let update = ClusterRoleUpdate(state: view.roles[name], leading: leadership != nil, fresh: isFresh)
        controller.queue.async { controller.clusterUpdate(update) }
    }

    /// A role applied the active record of `revision` on every loop.
    func acknowledge(_ revision: Revision) {
        queue.async { [self] in
            guard revision > acked else { return }
            acked = revision
            writeAck()
        }
    }

    func writeAck() {
        guard registered, !ackInFlight, acked > ackWritten, let lease else { return }
        ackInFlight = true
        let sending = acked
        let record = MemberRecord(advertise: config.advertise?.description, acked: sending)
        let start = ContinuousClock.now
        store.transaction(if: [], then: [.put(key: keys.member(config.node), value: RecordCoding.encode(record), lease: lease)],
                          readOnFailure: []) { [self] result in
            ackInFlight = false
            switch result {
            case .success:
                roundTrip(startedAt: start)
                ackWritten = max(ackWritten, sending)
            case .failure(let error):
                failed("acknowledgement", error)
            }
            writeAck()
        }
    }
}
