import Foundation
@testable import Proxy
import Testing

/// Buffers are lent by the loop's pool only while bytes are in flight: an idle keep-alive
/// client connection (and the idle upstream connection in the pool) holds none, so 1,000
/// idle clients cost no buffer memory. Counted by the pool, not timed.
@Suite(.serialized) struct HTTPIdleBufferTests {
    /// Buffers the one loop's pool has lent out now (nil before the first HTTP accept).
    private static func lent(_ fixture: HTTPProxyFixture) throws -> Int? {
        let plane = try #require(fixture.proxy.controllers.first?.planes.first)
        return plane.loop.queue.sync { plane.http?.buffers.lent }
    }

    @Test func anIdleKeepAliveClientHoldsNoPooledBuffer() throws {
        let fixture = try HTTPProxyFixture(loops: 1)
        defer { fixture.stop() }
        let client = try fixture.client()
        // Half a head is bytes in flight: the connection holds a buffer (the count counts).
        #expect(client.send("GET /one HTTP/1.1\r\n"))
        #expect(waitUntil { (try? Self.lent(fixture)) == 1 }, "a connection with half a head holds one buffer")
        #expect(client.send("Host: test\r\n\r\n"))
        #expect(client.readResponse()?.status == 200)
        // The answer is delivered and the connection stays open, idle: nothing lent.
        #expect(waitUntil { (try? Self.lent(fixture)) == 0 }, "idle keep-alive connection still holds \(String(describing: try? Self.lent(fixture))) buffer(s)")
        // And it is still usable.
        #expect(client.send("GET /two HTTP/1.1\r\nHost: test\r\n\r\n"))
        #expect(client.readResponse()?.status == 200)
        #expect(waitUntil { (try? Self.lent(fixture)) == 0 })
    }
}
