import Cluster
import Dispatch
import Glibc
import Testing
import TestSupport
@testable import Proxy

@Suite(.serialized) struct EtcdWatchTests {
    @Test func seesPutsAndDeletesInOrder() throws {
        try withEtcd { cluster, client in
            let start = try #require(client.put("/fp/other", "x")?.value).revision
            let updates = Collected<WatchUpdate>()
            let watch = client.watch(prefix: "/fp/w/", after: start) { updates.append($0) }
            defer { watch.cancel() }
            #expect(eventually(seconds: 10) { updates.count >= 1 })
            guard case .started(let at)? = updates.all.first else {
                Issue.record("first update is not .started: \(updates.all)")
                return
            }
            #expect(at >= start)

            let put1 = try #require(client.put("/fp/w/a", "1")?.value).revision
            let put2 = try #require(client.put("/fp/w/b", "2")?.value).revision
            _ = client.put("/fp/outside", "ignored")
            let deleted = try #require(completion {
                client.transaction(if: [], then: [.delete(key: "/fp/w/a")], readOnFailure: [], $0)
            }?.value).revision

            #expect(eventually(seconds: 10) { changes(updates).count >= 3 }, "updates: \(updates.all)")
            let seen = changes(updates)
            #expect(seen.map(\.key) == ["/fp/w/a", "/fp/w/b", "/fp/w/a"])
            #expect(seen.map(\.revision) == [put1, put2, deleted])
            #expect(seen.last == .delete(key: "/fp/w/a", revision: deleted))
            if case .put(let value)? = seen.first { #expect(value.value == Array("1".utf8)) } else { Issue.record("not a put") }

            // After cancel, nothing more arrives.
            watch.cancel()
            let count = updates.count
            _ = client.put("/fp/w/c", "3")
            usleep(300_000)
            #expect(updates.count == count)
        }
    }

    /// Updates already queued for the callback queue when `cancel()` returns are dropped.
    @Test func cancelDropsQueuedUpdates() throws {
        let cluster = try EtcdCluster()
        defer { cluster.stop() }
        let callbacks = DispatchQueue(label: "etcd-test.held-callbacks")
        let client = try makeClient(ports: cluster.clientPorts, callbackQueue: callbacks)
        let updates = Collected<WatchUpdate>()
        let watch = client.watch(prefix: "/fp/w/", after: 0) { updates.append($0) }
        #expect(eventually(seconds: 10) { updates.count >= 1 })
        callbacks.suspend()
        // The put's own completion is held too: run it on a thread, give the event time to reach the loop.
        let put = onThread { _ = client.put("/fp/w/a", "1") }
        usleep(500_000)
        watch.cancel()
        callbacks.resume()
        #expect(put.wait(seconds: 15) != nil)
        usleep(200_000)
        #expect(changes(updates).isEmpty)
    }

    @Test func startsFromAnEarlierRevision() throws {
        try withEtcd { cluster, client in
            let first = try #require(client.put("/fp/w/x", "1")?.value).revision
            let second = try #require(client.put("/fp/w/x", "2")?.value).revision
            let updates = Collected<WatchUpdate>()
            let watch = client.watch(prefix: "/fp/w/", after: first) { updates.append($0) }
            defer { watch.cancel() }
            #expect(eventually(seconds: 10) { !changes(updates).isEmpty })
            #expect(changes(updates).map(\.revision) == [second])  // exclusive of `after`
        }
    }

    @Test func reportsCompaction() throws {
        try withEtcd { cluster, client in
            let old = try #require(client.put("/fp/w/k", "1")?.value).revision
            var latest = old
            for i in 0..<3 { latest = try #require(client.put("/fp/w/k", "\(i)")?.value).revision }
            let compacted = loopbackJSON(port: cluster.clientPorts[0], path: "/v3/kv/compaction",
                                         body: #"{"revision":"\#(latest)","physical":true}"#)
            #expect(compacted != nil)
            let updates = Collected<WatchUpdate>()
            let watch = client.watch(prefix: "/fp/w/", after: old) { updates.append($0) }
            defer { watch.cancel() }
            #expect(eventually(seconds: 10) { updates.all.contains { if case .compacted = $0 { true } else { false } } })
            #expect(updates.all.last == .compacted(compactRevision: latest))
        }
    }
}

func changes(_ updates: Collected<WatchUpdate>) -> [StoreChange] {
    updates.all.flatMap { update -> [StoreChange] in
        if case .changes(let changes, _) = update { changes } else { [] }
    }
}
