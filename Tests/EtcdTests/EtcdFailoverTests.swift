import Cluster
import Glibc
import Testing
import TestSupport
@testable import Proxy

/// Endpoints tried in turn: a dead one, a silent one, a killed leader.
@Suite(.serialized) struct EtcdFailoverTests {
    @Test func deadFirstEndpointFallsThroughToTheNext() throws {
        let cluster = try EtcdCluster()
        defer { cluster.stop() }
        let closed = try #require(freeLoopbackPort())
        let client = try makeClient(ports: [closed] + cluster.clientPorts)
        #expect(client.put("/fp/k", "v")?.value?.succeeded == true)
        #expect(client.readAll("/fp/")?.value?.values.count == 1)
        #expect(client.status.connected == cluster.clientURLs[0])
        #expect(client.status.endpoints.count == 4)
    }

    @Test func blackHoleEndpointTimesOutThenTheNextAnswers() throws {
        let cluster = try EtcdCluster()
        defer { cluster.stop() }
        // Accepts, reads, never answers.
        let blackHole = try #require(BlackHole())
        defer { blackHole.stop() }
        let client = try makeClient(ports: [blackHole.port] + cluster.clientPorts, callTimeout: .seconds(1))
        let first = client.readAll("/fp/")
        #expect(first?.error?.kind == .timeout)
        // The timed-out call's connection is dropped, not left to deliver a late answer.
        #expect(eventually(seconds: 5) { blackHole.closedByClientCount == 1 },
                "accepted \(blackHole.acceptedCount), closed \(blackHole.closedByClientCount)")
        #expect(client.status.connected == nil)
        #expect(client.status.lastError?.contains("timeout") == true)
        // The timeout moved the client on: the next call goes to a real member.
        #expect(client.readAll("/fp/")?.value != nil)
        #expect(client.status.connected == cluster.clientURLs[0])
    }

    @Test func killedLeaderDoesNotStopTheCalls() throws {
        let cluster = try EtcdCluster()
        defer { cluster.stop() }
        let leader = try #require(eventually(seconds: 10) { cluster.leaderIndex() != nil } ? cluster.leaderIndex() : nil)
        // The leader first, so the client is connected to it when it dies.
        let order = [leader] + cluster.clientPorts.indices.filter { $0 != leader }
        let client = try makeClient(ports: order.map { cluster.clientPorts[$0] })
        #expect(client.put("/fp/k", "before")?.value?.succeeded == true)
        #expect(client.status.connected == cluster.clientURLs[leader])

        cluster.kill(leader)
        // A call or two may fail while the client leaves the dead member and the rest elect;
        // then every call succeeds (bounded: 40 tries, ~10 s).
        var successes = 0
        for _ in 0..<40 where successes < 5 {
            if client.put("/fp/k", "after")?.value?.succeeded == true { successes += 1 } else { usleep(250_000) }
        }
        #expect(successes == 5)
        #expect(client.status.connected != cluster.clientURLs[leader])
        #expect(client.readAll("/fp/k")?.value?.values.first?.value == Array("after".utf8))
    }

    @Test func relayCutEndsTheWatchAndCallsMoveOn() throws {
        let cluster = try EtcdCluster()
        defer { cluster.stop() }
        let relay = try #require(TCPRelay(to: cluster.clientPorts[0]))
        defer { relay.stop() }
        let client = try makeClient(ports: [relay.port, cluster.clientPorts[1]])
        let start = try #require(client.readAll("/fp/")?.value).revision
        #expect(client.status.connected == "http://127.0.0.1:\(relay.port)")
        let updates = Collected<WatchUpdate>()
        let watch = client.watch(prefix: "/fp/", after: start) { updates.append($0) }
        defer { watch.cancel() }
        #expect(eventually(seconds: 10) { updates.count >= 1 })

        relay.stop()
        #expect(eventually(seconds: 10) { if case .ended? = updates.all.last { true } else { false } })
        #expect(client.put("/fp/k", "v")?.value?.succeeded == true)
        #expect(client.status.connected == cluster.clientURLs[1])
    }

    /// A member cut off from its peers (the two others killed) ends the watch (Hasleader)
    /// instead of leaving it silent.
    @Test func watchEndsWhenItsMemberLosesTheLeader() throws {
        let cluster = try EtcdCluster()
        defer { cluster.stop() }
        let client = try makeClient(ports: [cluster.clientPorts[2]])
        let start = try #require(client.readAll("/fp/")?.value).revision
        let updates = Collected<WatchUpdate>()
        let watch = client.watch(prefix: "/fp/", after: start) { updates.append($0) }
        defer { watch.cancel() }
        #expect(eventually(seconds: 10) { updates.count >= 1 })
        cluster.kill(0)
        cluster.kill(1)
        #expect(eventually(seconds: 15) { if case .ended? = updates.all.last { true } else { false } })
    }
}
