import Cluster
import FailoverModel
import Testing

@Suite struct ClusterViewTests {
    let keys = ClusterKeys(prefix: "/failover-proxy/site/")
    let at = Timestamp(milliseconds: 1_000)

    func value(_ key: String, _ bytes: [UInt8], create: Revision, mod: Revision) -> StoredValue {
        StoredValue(key: key, value: bytes, createRevision: create, modRevision: mod)
    }

    @Test func keysAreRecognisedAndOthersIgnored() {
        #expect(keys.kind(of: "/failover-proxy/site/leader") == .leader)
        #expect(keys.kind(of: "/failover-proxy/site/members/p1") == .member("p1"))
        #expect(keys.kind(of: "/failover-proxy/site/roles/lpr/active") == .active("lpr"))
        #expect(keys.kind(of: "/failover-proxy/site/roles/lpr/settings") == .settings("lpr"))
        #expect(keys.kind(of: "/failover-proxy/site/requests/x1") == .request("x1"))
        #expect(keys.kind(of: "/failover-proxy/site/results/x1") == .result("x1"))
        #expect(keys.kind(of: "/failover-proxy/site/roles/lpr") == nil)
        #expect(keys.kind(of: "/failover-proxy/other/leader") == nil)
        #expect(keys.kind(of: "/failover-proxy/site/members/") == nil)
    }

    @Test func aFullReadThenWatchedChangesKeepTheView() {
        var view = ClusterView(keys: keys)
        let active = ActiveRecord(server: "a", from: nil, reason: .startup, at: at)
        let notes = view.load(StoreRead(values: [
            value(keys.leader, Array("p1".utf8), create: 3, mod: 3),
            value(keys.member("p1"), RecordCoding.encode(MemberRecord(advertise: "127.0.0.1:9901", acked: 5)), create: 2, mod: 6),
            value(keys.active("lpr"), RecordCoding.encode(active), create: 5, mod: 5),
        ], revision: 6))
        #expect(notes.contains(.leader) && notes.contains(.members) && notes.contains(.active(role: "lpr", revision: 5)))
        #expect(view.leader == ClusterView.Leader(node: "p1", createRevision: 3))
        #expect(view.roles["lpr"]?.active == active && view.roles["lpr"]?.activeRevision == 5)
        #expect(view.revision == 6)

        let moved = ActiveRecord(server: "b", from: "a", reason: .failure, at: at)
        let changes = view.apply([.put(value(keys.active("lpr"), RecordCoding.encode(moved), create: 5, mod: 8)),
                                  .delete(key: keys.leader, revision: 8)], revision: 8)
        #expect(changes == [.active(role: "lpr", revision: 8), .leader])
        #expect(view.roles["lpr"]?.active == moved && view.leader == nil && view.revision == 8)
        // A change the view already holds (a resumed watch overlapping a read) is not applied twice.
        #expect(view.apply([.put(value(keys.active("lpr"), RecordCoding.encode(active), create: 5, mod: 7))], revision: 8).isEmpty)
        #expect(view.acknowledgement(of: 8) == (acked: [], waiting: ["p1"]))
        #expect(view.acknowledgement(of: 5) == (acked: ["p1"], waiting: []))
    }

    @Test func malformedValuesAreReportedAndNeverApplied() {
        var view = ClusterView(keys: keys)
        let good = ActiveRecord(server: "a", from: nil, reason: .startup, at: at)
        _ = view.apply([.put(value(keys.active("lpr"), RecordCoding.encode(good), create: 2, mod: 2))], revision: 2)
        let notes = view.apply([
            .put(value(keys.active("lpr"), Array("{not json".utf8), create: 2, mod: 3)),
            .put(value(keys.settings("lpr"), Array(#"{"servers":[{"name":"a"}],"maintenance":[],"failback":false}"#.utf8), create: 4, mod: 4)),
            .put(value(keys.member("p2"), Array(#"{"acked":"many"}"#.utf8), create: 5, mod: 5)),
            .put(value(keys.leader, [], create: 6, mod: 6)),
        ], revision: 6)
        #expect(notes.count == 4)
        #expect(notes.allSatisfy { if case .malformed = $0 { true } else { false } })
        #expect(notes.first == .malformed(key: keys.active("lpr"), reason: "not JSON"))
        #expect(view.roles["lpr"]?.active == good && view.roles["lpr"]?.activeRevision == 2)
        #expect(view.roles["lpr"]?.settings == nil && view.members.isEmpty && view.leader == nil)
    }

    @Test func recordsRoundTripThroughJSON() throws {
        let request = OperationRequest(role: "lpr", node: "p2", operation: .setMaintenance(server: "a", enabled: true))
        #expect(try RecordCoding.decode(OperationRequest.self, RecordCoding.encode(request)) == request)
        let settings = RoleSettings(servers: [ServerSpec(name: "a", address: "127.0.0.1:1")], maintenance: ["a"], failback: true)
        #expect(try RecordCoding.decode(RoleSettings.self, RecordCoding.encode(settings)) == settings)
    }
}
