import Cluster
import Testing
import TestSupport
@testable import Proxy

/// Reads and guarded transactions against a real etcd.
@Suite(.serialized) struct EtcdKVTests {
    @Test func readsAPrefix() throws {
        try withEtcd { cluster, client in
            for (key, value) in [("/fp/a/1", "one"), ("/fp/a/2", "two"), ("/fp/b/1", "other"), ("/fp/a", "not under /fp/a/")] {
                #expect(client.put(key, value)?.value?.succeeded == true)
            }
            let read = try #require(client.readAll("/fp/a/")?.value)
            #expect(read.values.map(\.key) == ["/fp/a/1", "/fp/a/2"])
            #expect(read.values.map { String(decoding: $0.value, as: UTF8.self) } == ["one", "two"])
            #expect(read.values.allSatisfy { $0.createRevision > 0 && $0.modRevision >= $0.createRevision })
            #expect(read.revision >= read.values.map(\.modRevision).max() ?? 0)
            #expect(client.status.connected == cluster.clientURLs[0])
        }
    }

    @Test func guardedTransactionSucceedsOnceThenReturnsTheCurrentValue() throws {
        try withEtcd { cluster, client in
            let key = "/fp/leader"
            let claim: @Sendable (String) -> Result<TransactionOutcome, StoreError>? = { who in
                completion { client.transaction(if: [.createRevision(key: key, equals: 0)],
                                                then: [.put(key: key, value: Array(who.utf8), lease: 0)],
                                                readOnFailure: [key], $0) }
            }
            let first = try #require(claim("node-1")?.value)
            #expect(first.succeeded && first.values.isEmpty)
            let second = try #require(claim("node-2")?.value)
            #expect(!second.succeeded)
            #expect(second.revision == first.revision)
            #expect(second.values.map(\.key) == [key])
            #expect(second.values.first.map { String(decoding: $0.value, as: UTF8.self) } == "node-1")
            #expect(second.values.first?.createRevision == first.revision)

            // MOD guard: a stale revision fails, the current one deletes.
            let stale: Result<TransactionOutcome, StoreError>? = completion {
                client.transaction(if: [.modRevision(key: key, equals: first.revision - 1)], then: [.delete(key: key)], readOnFailure: [], $0)
            }
            #expect(stale?.value?.succeeded == false)
            let current: Result<TransactionOutcome, StoreError>? = completion {
                client.transaction(if: [.modRevision(key: key, equals: first.revision)], then: [.delete(key: key)], readOnFailure: [], $0)
            }
            #expect(current?.value?.succeeded == true)
            #expect(client.readAll(key)?.value?.values.isEmpty == true)
        }
    }

    /// Calls made at once each get their own answer (connections beyond the idle ones open and close).
    @Test func concurrentCallsAllComplete() throws {
        try withEtcd { _, client in
            let results = Collected<String>()
            let all = Promise<Void>()
            for i in 0..<20 {
                client.transaction(if: [], then: [.put(key: "/fp/c/\(i)", value: [UInt8(i)], lease: 0)], readOnFailure: []) {
                    results.append($0.value?.succeeded == true ? "ok" : "\($0)")
                    if results.count == 20 { all.fulfill(()) }
                }
            }
            #expect(all.wait(seconds: 15) != nil)
            #expect(results.all.filter { $0 != "ok" } == [])
            #expect(client.readAll("/fp/c/")?.value?.values.count == 20)
            #expect(client.readAll("/fp/c/")?.value?.values.count == 20)  // and again on a kept connection
        }
    }
}
