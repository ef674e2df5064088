import Foundation
import Testing

/// What the proxy does with the heads a server answers: interim responses by the
/// client's version, and the role's head limits.
@Suite(.serialized) struct HTTPResponseHeadTests {
    /// RFC 9110 §15.2: no 1xx to an HTTP/1.0 client; the final response still arrives.
    @Test func earlyHintsAreDroppedForAnHTTP10Client() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        client.send("GET /early-hints HTTP/1.0\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.status == 200, "\(response.head)")
        #expect(response.text == "served by primary\n")
        #expect(client.readUntilClosed() == .closedByPeer(after: []))  // nothing else came
    }

    @Test func earlyHintsReachAnHTTP11Client() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        client.send("GET /early-hints HTTP/1.1\r\nHost: t\r\n\r\n")
        let interim = try #require(client.readResponse())
        #expect(interim.status == 103)
        #expect(interim.header("link") == ["</style.css>; rel=preload"])
        let final = try #require(client.readResponse())
        #expect(final.status == 200)
        #expect(client.get("/after")?.status == 200)  // still in step
    }

    /// The role's `max-head-size` bounds response heads too (the default is 16 KiB).
    @Test func responseHeadsAreBoundedByTheRolesHeadSize() throws {
        let fixture = try HTTPProxyFixture { $0.maxHeadSize = 32 * 1024 }
        defer { fixture.stop() }
        let client = try fixture.client()
        #expect(client.get("/big-head/24000")?.status == 200)  // above the default, under the role's limit
        let over = try fixture.client()
        #expect(over.get("/big-head/40000")?.status == 502)

        let small = try HTTPProxyFixture { $0.maxHeadSize = 4 * 1024 }
        defer { small.stop() }
        #expect(try small.client().get("/big-head/3000")?.status == 200)
        #expect(try small.client().get("/big-head/8000")?.status == 502)  // under the default, above the role's limit
    }

    @Test func responseHeadsAreBoundedByTheRolesHeaderCount() throws {
        let fixture = try HTTPProxyFixture { $0.maxHeaders = 20 }
        defer { fixture.stop() }
        #expect(try fixture.client().get("/many-headers/10")?.status == 200)
        #expect(try fixture.client().get("/many-headers/40")?.status == 502)  // under the default of 100
    }
}
