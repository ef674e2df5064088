import Cluster
import FailoverModel
import Foundation
import Proxy
import Testing
import TestSupport

/// Cluster mode over an in-memory etcd: three in-process members, one role, two servers.
/// What etcd itself does (leases expiring, members cut off) is driven by the test.
@Suite(.serialized) struct ClusterFakeStoreTests {
    @Test func oneLeaderIsElectedAndEveryMemberRoutesToTheSameServer() throws {
        let site = try ClusterSite()
        defer { site.stop() }
        site.etcd.audit(writesUnder: site.prefix + "roles/", leaderKey: site.prefix + "leader")
        #expect(site.waitForAll("primary"))
        #expect(eventually(timeout: 10) { site.members.filter(\.isLeading).count == 1 })
        // Every member forwards, with the role's epoch, to the primary.
        for member in site.members {
            let response = try HTTPTestClient(port: member.port).get("/")
            #expect(response?.status == 200)
            #expect(site.server("primary").lastRequestHead.contains("X-Failover-Epoch: "))
        }
        let epoch = site.members[0].proxy.roleEpoch("test")
        #expect(epoch != nil && site.members.allSatisfy { $0.proxy.roleEpoch("test") == epoch })
        let lines = site.server("primary").lastRequestHead.split(separator: "\r\n")
        #expect(lines.filter { $0.hasPrefix("X-Failover-Epoch:") } == ["X-Failover-Epoch: \(epoch ?? -1)"])
        // Every write of the role's state was guarded by the leader key (fencing).
        #expect(site.etcd.transactions > 0)
        #expect(site.etcd.unguardedWrites(under: site.prefix + "roles/", leaderKey: site.prefix + "leader") == 0)
    }

    @Test func aHealthFailureMovesTheRoleOnEveryMember() throws {
        let site = try ClusterSite()
        defer { site.stop() }
        #expect(site.waitForAll("primary"))
        site.server("primary").healthy = false
        #expect(site.waitForAll("secondary"))
        // Failback is off: the role stays after the primary comes back, on every member.
        site.server("primary").healthy = true
        let checks = site.server("primary").healthChecks
        #expect(eventually(timeout: 10) { site.server("primary").healthChecks >= checks + 6 })
        #expect(site.members.allSatisfy { $0.active == "secondary" })
    }

    @Test func maintenanceThroughAFollowerMovesTheRoleEverywhereInTwoSteps() throws {
        let site = try ClusterSite()
        defer { site.stop() }
        #expect(site.waitForAll("primary"))
        #expect(eventually(timeout: 10) { site.leader != nil })
        let follower = try #require(site.members.first { !$0.isLeading })
        let answer = follower.perform(.setMaintenance(server: "primary", enabled: true))
        #expect(answer.map { if case .success = $0 { true } else { false } } == true)
        #expect(site.waitForAll("secondary"))
        // The move went through "no server" first, then the new server.
        let records = try site.etcd.puts(site.prefix + "roles/test/active").map { try RecordCoding.decode(ActiveRecord.self, $0.value) }
        #expect(records.suffix(2).map(\.server) == [nil, "secondary"])
        #expect(records.suffix(2).map(\.moving) == [true, false])
        #expect(records.last?.from == "primary" && records.last?.reason == .maintenance)
        // A refusal by the leader's rules comes back to the follower's caller.
        let refused = follower.perform(.activate(server: "primary"))
        #expect(refused.map { if case .failure(.remote(.conflict, _)) = $0 { true } else { false } } == true)
    }

    @Test func losingTheLeaderMovesNoRole() throws {
        let site = try ClusterSite()
        defer { site.stop() }
        #expect(site.waitForAll("primary"))
        site.server("primary").healthy = false
        #expect(site.waitForAll("secondary"))
        site.server("primary").healthy = true
        let leader = try #require(eventually(timeout: 10) { site.leader != nil } ? site.leader : nil)
        let leaderKey = try #require(site.etcd.value(site.prefix + "leader"))
        // The leader dies without a word: its lease runs out.
        leader.stop()
        site.etcd.expire(leaderKey.lease)
        #expect(eventually(timeout: 10) { site.leader != nil && site.leader !== leader })
        let checks = site.server("primary").healthChecks
        #expect(eventually(timeout: 10) { site.server("primary").healthChecks >= checks + 6 })
        #expect(site.members.filter { !$0.stopped }.allSatisfy { $0.active == "secondary" })
    }

    @Test func aDeposedLeaderCannotOverwriteItsSuccessor() throws {
        let site = try ClusterSite(members: 2)
        defer { site.stop() }
        #expect(site.waitForAll("primary"))
        let old = try #require(eventually(timeout: 10) { site.leader != nil } ? site.leader : nil)
        let other = try #require(site.members.first { $0 !== old })
        // The old leader is cut off; its lease ends; the other member takes over.
        let oldKey = try #require(site.etcd.value(site.prefix + "leader"))
        old.store.setCutOff(true)
        site.etcd.expire(oldKey.lease)
        #expect(eventually(timeout: 10) { other.isLeading })
        let newKey = try #require(site.etcd.value(site.prefix + "leader"))
        #expect(newKey.createRevision != oldKey.createRevision)
        // The deposed leader's guarded write, as it would send it, fails in the store.
        let outcome = try transaction(old.store, if: [.createRevision(key: site.prefix + "leader", equals: oldKey.createRevision)],
                                      then: [.put(key: site.prefix + "roles/test/active", value: Array("{}".utf8), lease: 0)],
                                      cutOffAfter: true)
        #expect(outcome?.succeeded == false)
        #expect(try RecordCoding.decode(ActiveRecord.self, #require(site.etcd.value(site.prefix + "roles/test/active")).value).server == "primary")
        // Back in, the old member follows the new leader.
        old.store.setCutOff(false)
        #expect(eventually(timeout: 10) { old.status?.fresh == true && old.status?.leader == other.node })
        #expect(!old.isLeading)
    }

    @Test func aStaleMemberWithStopClosesItsListenersAndRecovers() throws {
        let site = try ClusterSite(members: 2)
        defer { site.stop() }
        #expect(site.waitForAll("primary"))
        let member = site.members[1]
        #expect(try HTTPTestClient(port: member.port).get("/")?.status == 200)
        let idle = try HTTPTestClient(port: member.port)
        #expect(idle.get("/")?.status == 200)
        member.store.setCutOff(true)
        #expect(eventually(timeout: 10) { member.status?.fresh == false })
        #expect(member.logs.all.contains { $0.contains("cluster member stale") })
        // New connections are refused; the idle keep-alive client was closed.
        #expect(eventually(timeout: 10) { (try? HTTPTestClient(port: member.port)) == nil })
        #expect(idle.readUntilClosed() == .closedByPeer(after: []))
        member.store.setCutOff(false)
        #expect(eventually(timeout: 10) { member.status?.fresh == true })
        #expect(eventually(timeout: 10) { (try? HTTPTestClient(port: member.port))?.get("/")?.status == 200 })
    }

    @Test func aStaleMemberWithHoldKeepsItsLastServer() throws {
        let site = try ClusterSite(members: 2, onStoreLoss: .hold)
        defer { site.stop() }
        #expect(site.waitForAll("primary"))
        let member = site.members[1]
        member.store.setCutOff(true)
        #expect(eventually(timeout: 10) { member.status?.fresh == false })
        #expect(try HTTPTestClient(port: member.port).get("/")?.status == 200)
        #expect(member.active == "primary")
        member.store.setCutOff(false)
        #expect(eventually(timeout: 10) { member.status?.fresh == true })
    }

    @Test func malformedValuesAreLoggedAndIgnored() throws {
        let site = try ClusterSite(members: 2)
        defer { site.stop() }
        #expect(site.waitForAll("primary"))
        site.etcd.put(site.prefix + "roles/test/active", Array("{\"server\": 42".utf8))
        #expect(eventually(timeout: 10) { site.members.allSatisfy { $0.logs.all.contains { $0.contains("malformed value in etcd ignored") && $0.contains("roles/test/active") } } })
        #expect(site.members.allSatisfy { $0.active == "primary" })
        #expect(try HTTPTestClient(port: site.members[0].port).get("/")?.status == 200)
    }

    @Test func aDroppedWatchResumesFromTheLastRevisionAndACompactionReadsAfresh() throws {
        let site = try ClusterSite(members: 2)
        defer { site.stop() }
        #expect(site.waitForAll("primary"))
        let leader = try #require(eventually(timeout: 10) { site.leader != nil } ? site.leader : nil)
        let follower = try #require(site.members.first { $0 !== leader })
        let reads = follower.store.reads
        // The follower's watch drops; a change happens before it is back.
        follower.store.dropWatches()
        #expect(leader.perform(.setMaintenance(server: "primary", enabled: true)).map { if case .success = $0 { true } else { false } } == true)
        #expect(site.waitForAll("secondary"))
        #expect(follower.store.reads == reads)  // resumed, not read again
        #expect(follower.logs.all.contains { $0.contains("resuming it from the last revision seen") })
        // Dropped again, and the history it would resume from is compacted away: a fresh read.
        follower.store.dropWatches()
        #expect(leader.perform(.setMaintenance(server: "primary", enabled: false)).map { if case .success = $0 { true } else { false } } == true)
        site.etcd.compact(to: site.etcd.revision)
        site.server("secondary").healthy = false
        #expect(site.waitForAll("primary"))
        #expect(follower.store.reads > reads)
        #expect(follower.logs.all.contains { $0.contains("fell behind a compaction") })
        #expect(!follower.logs.all.contains { $0.contains("cluster member stale") })
    }

    /// A raw transaction through a member's store client, bypassing its controller.
    private func transaction(_ store: FakeStore, if conditions: [StoreCondition], then writes: [StoreWrite],
                             cutOffAfter: Bool) throws -> TransactionOutcome? {
        store.setCutOff(false)
        defer { if cutOffAfter { store.setCutOff(true) } }
        let box = Box<TransactionOutcome?>(nil)
        let done = DispatchSemaphore(value: 0)
        store.transaction(if: conditions, then: writes, readOnFailure: []) { result in
            box.value = try? result.get()
            done.signal()
        }
        _ = done.wait(timeout: .now() + 5)
        return box.value
    }
}
