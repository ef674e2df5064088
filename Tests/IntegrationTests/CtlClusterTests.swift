import Admin
import EventLoop
import Foundation
import Proxy
import ProxyConfig
import Testing

/// `failover-proxy ctl cluster` (the real executable) against the admin API of a member of
/// a two-member cluster over the fake store, and against a proxy without a cluster block.
@Suite(.serialized) struct CtlClusterTests {
    /// An admin API for `proxy` on a free port of 127.0.0.1, started.
    static func admin(_ proxy: ProxyServer, logs: LogCapture) throws -> AdminServer {
        let admin = try AdminServer(configuration: AdminConfig(listen: Endpoint(host: "127.0.0.1", port: 0)), proxy: proxy,
                                    logger: logs.logger)
        try admin.start()
        return admin
    }

    static func ctl(_ arguments: [String], admin: AdminServer) throws -> (code: Int32, out: String, err: String) {
        let (code, out, err) = try ProxyProcess.run(["ctl"] + arguments + ["--admin", "127.0.0.1:\(admin.address?.port ?? 0)"])
        return (code, out, err)
    }

    @Test func clusterPrintsTheLeaderAndTheMembersAsATableAndAsJSON() throws {
        let site = try ClusterSite(members: 2)
        defer { site.stop() }
        let member = site.member("p1")
        let admin = try Self.admin(member.proxy, logs: member.logs)
        defer { admin.stop() }
        // Both members fresh and acknowledged by the leader, as this member sees it.
        #expect(eventually(timeout: 20) {
            guard let status = member.status, status.fresh, let leader = status.leader else { return false }
            return status.members.count == 2 && status.members.allSatisfy(\.fresh) && status.members.contains { $0.node == leader && $0.leader }
        }, "\(site.logs)")
        let leader = try #require(member.status?.leader)

        let table = try Self.ctl(["cluster"], admin: admin)
        #expect(table.code == 0, "\(table.err)")
        let lines = table.out.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("cluster site, this node p1, leader \(leader), fresh, revision ") == true, "\(table.out)")
        #expect(lines.count == 5, "\(table.out)")
        #expect(lines.dropFirst().first?.hasPrefix("store: ") == true, "\(table.out)")
        #expect(lines.dropFirst(2).first?.split(separator: " ") == ["NODE", "ADVERTISE", "LEADER", "FRESH", "ACKED"], "\(table.out)")
        for node in ["p1", "p2"] {
            let cells = lines.first { $0.hasPrefix(node + " ") }?.split(separator: " ").map(String.init) ?? []
            let expected = node == leader ? [node, "127.0.0.1:9901", "*", "yes"] : [node, "127.0.0.1:9901", "yes"]
            #expect(Array(cells.dropLast()) == expected, "\(table.out)")
            #expect(cells.last.flatMap { Int64($0) } != nil, "\(table.out)")
        }

        let json = try Self.ctl(["cluster", "--json"], admin: admin)
        #expect(json.code == 0, "\(json.err)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(document["name"] as? String == "site")
        #expect(document["node"] as? String == "p1")
        #expect(document["leader"] as? String == leader)
        #expect(document["fresh"] as? Bool == true)
        let members = try #require(document["members"] as? [[String: Any]])
        #expect(Set(members.compactMap { $0["node"] as? String }) == ["p1", "p2"])
        #expect(members.filter { $0["leader"] as? Bool == true }.compactMap { $0["node"] as? String } == [leader])
        #expect((document["store"] as? [String: Any])?["endpoints"] is [String])
    }

    @Test func clusterWithoutAClusterBlockExitsNonZeroWithTheAPIsMessage() throws {
        let logs = LogCapture()
        let parsed = ConfigParser.parse("role r { listen 127.0.0.1:0; mode tcp; server a 127.0.0.1:9; }\n", file: "test.conf")
        let configuration = try #require(parsed.configuration, "\(parsed.diagnostics)")
        let proxy = try ProxyServer(configuration: configuration, logger: logs.logger, group: EventLoopGroup(count: 1))
        try proxy.start()
        defer { proxy.shutdownAndWait() }
        let admin = try Self.admin(proxy, logs: logs)
        defer { admin.stop() }

        for arguments in [["cluster"], ["cluster", "--json"]] {
            let refused = try Self.ctl(arguments, admin: admin)
            #expect(refused.code == 1, "\(arguments)")
            #expect(refused.err.contains("error: not in cluster mode (no cluster block) (404)"), "\(refused.err)")
            #expect(refused.out.isEmpty, "\(refused.out)")
        }
    }
}
