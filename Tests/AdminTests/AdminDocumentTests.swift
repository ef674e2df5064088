@testable import Admin
import AdminAPI
import FailoverModel
import Foundation
import Testing

/// The admin API's documents (AdminAPI) are what the server sends and what `ctl` decodes:
/// each real answer decodes into them and encodes back to the very same bytes, so a key
/// the server sends that the shared type lacks (or a null it drops) fails here.
@Suite struct AdminDocumentTests {
    static func roundTrips<T: Codable & Equatable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        let decoded = try JSONDecoder().decode(T.self, from: Data(body))
        #expect(String(decoding: JSONBodies.encode(decoded), as: UTF8.self) == String(decoding: body, as: UTF8.self))
        return decoded
    }

    @Test func rolesChangesAndErrorsAsTheServerSendsThem() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())

        let roles = try harness.get("/api/roles")
        #expect(roles.status == 200)
        let decoded = try Self.roundTrips(RolesDocument.self, roles.body)
        #expect(decoded.roles.map(\.name) == ["web"])
        #expect(decoded.roles.first?.servers.allSatisfy { $0.lastCheck != nil } == true)

        let role = try harness.get("/api/roles/web")
        #expect(try Self.roundTrips(RoleDocument.self, role.body) == decoded.roles.first)

        let change = try harness.call("POST", "/api/roles/web/servers/primary/maintenance", #"{"enabled":true}"#)
        #expect(change.status == 200)
        let moved = try Self.roundTrips(ChangeDocument.self, change.body)
        #expect(moved.events.contains { if case .failover(let e) = $0 { e.to == "secondary" } else { false } })
        #expect(moved.role?.active == "secondary")

        let refused = try harness.get("/api/cluster")
        #expect(refused.status == 404)
        #expect(try Self.roundTrips(ErrorDocument.self, refused.body).error == "not in cluster mode (no cluster block)")
    }

    /// A cluster with no leader yet and no store connection: the nulls are sent as nulls.
    @Test func aClusterDocumentKeepsItsNulls() throws {
        let document = ClusterDocument(
            name: "site", node: "p1", leader: nil, fresh: false, revision: 7,
            store: .init(endpoints: ["http://127.0.0.1:2379"], connected: nil, lastRoundTrip: nil, error: "refused"),
            members: [.init(node: "p1", advertise: nil, leader: false, fresh: false, acked: 0)])
        let body = JSONBodies.encode(document)
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.contains(#""leader":null"#) && text.contains(#""connected":null"#) && text.contains(#""lastRoundTrip":null"#))
        #expect(try Self.roundTrips(ClusterDocument.self, body) == document)
    }
}
