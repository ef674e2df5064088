import DemoBackends
@testable import EventLoop
import Foundation
@testable import Proxy
import Testing

/// `splice off` (per role) rules zero-copy forwarding out; and when no pipe can be had (the
/// descriptor limit, simulated by the loops' pipe pools), both modes fall back to copying
/// and the bytes still arrive intact.
@Suite(.serialized) struct SpliceChoiceTests {
    static let size = 8 << 20

    /// Pipes made so far on every loop of `group`.
    static func pipesCreated(_ group: EventLoopGroup) -> Int {
        group.loops.reduce(0) { count, loop in count + loop.queue.sync { loop.pipePool.created } }
    }

    /// From now on no loop can have a new pipe (and the idle ones are gone).
    static func runOutOfPipes(_ group: EventLoopGroup) {
        for loop in group.loops {
            loop.queue.sync {
                loop.pipePool.drain()
                loop.pipePool.creationLimit = loop.pipePool.created
            }
        }
    }

    static func tcpConfig(server: UInt16, splice: String = "") -> String {
        """
        role r {
            listen 127.0.0.1:0;
            mode tcp;
            \(splice)
            health { interval 200ms; timeout 300ms; rise 1; fall 1; }
            server primary 127.0.0.1:\(server);
        }

        """
    }

    /// A `/big` response through `fixture`: its digest matches and its length is whole.
    static func bigResponseArrivesIntact(_ fixture: HTTPProxyFixture) throws -> Bool {
        var expected = StreamChecksum()
        var blocks = SeededBlocks(seed: 7)
        for _ in 0..<(size / SeededBlocks.blockSize) { blocks.next { expected.update($0) } }
        let client = try fixture.client(timeoutSeconds: 60)
        var received = StreamChecksum()
        guard client.send("GET /big/\(size)/7 HTTP/1.1\r\nHost: t\r\n\r\n"),
              let response = client.readResponse(bodySink: { received.update($0) }) else { return false }
        return response.status == 200 && received.count == size && received.digest == expected.digest
            && client.get("/after")?.status == 200
    }

    /// Echoes `size` bytes through a `mode tcp` proxy; true when they all came back intact.
    static func echoArrivesIntact(_ proxy: ConfiguredProxy) throws -> Bool {
        let client = try TestClient(port: proxy.port("r"), timeoutSeconds: 60)
        guard client.readLine() == "primary" else { return false }
        let result = BulkEcho.run(client, bytes: size)
        return result.sent == size && result.received == size && result.sentChecksum == result.receivedChecksum
    }

    @Test func httpWithSpliceOffCopies() throws {
        let fixture = try HTTPProxyFixture(loops: 1) { $0.splice = false }
        defer { fixture.stop() }
        let pipes = Self.pipesCreated(fixture.proxy.group)
        let spliced = HTTPSpliceStatistics.responseBytes.load(ordering: .relaxed)
        #expect(try Self.bigResponseArrivesIntact(fixture))
        #expect(HTTPSpliceStatistics.responseBytes.load(ordering: .relaxed) == spliced)
        #expect(Self.pipesCreated(fixture.proxy.group) == pipes)
    }

    @Test func httpWithoutPipesCopies() throws {
        let fixture = try HTTPProxyFixture(loops: 1)
        defer { fixture.stop() }
        Self.runOutOfPipes(fixture.proxy.group)
        let spliced = HTTPSpliceStatistics.responseBytes.load(ordering: .relaxed)
        #expect(try Self.bigResponseArrivesIntact(fixture))
        #expect(HTTPSpliceStatistics.responseBytes.load(ordering: .relaxed) == spliced)
    }

    /// The tunnel after a 101 copies too, and counts the shortage like the rest of the data plane.
    @Test func upgradeWithoutPipesCopiesAndIsCounted() throws {
        let fixture = try HTTPProxyFixture(loops: 1)
        defer { fixture.stop() }
        Self.runOutOfPipes(fixture.proxy.group)
        let shortages = LocalShortage.shared.reported.load(ordering: .relaxed)
        let client = try fixture.client()
        client.send("GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
        #expect(try #require(client.readResponse()).status == 101)
        let message = String(repeating: "y", count: 200_000)
        client.send(message)
        var echoed: [UInt8] = []
        while echoed.count < message.utf8.count, let more = client.readSome() { echoed += more }
        #expect(String(decoding: echoed, as: UTF8.self) == message)
        #expect(LocalShortage.shared.reported.load(ordering: .relaxed) > shortages)
    }

    @Test func tcpWithSpliceOffCopies() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let proxy = try ConfiguredProxy(Self.tcpConfig(server: primary.port, splice: "splice off;"))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "primary"))
        let pipes = Self.pipesCreated(proxy.proxy.group)
        #expect(try Self.echoArrivesIntact(proxy))
        #expect(Self.pipesCreated(proxy.proxy.group) == pipes)
    }

    @Test func tcpWithoutPipesCopies() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let proxy = try ConfiguredProxy(Self.tcpConfig(server: primary.port))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "primary"))
        Self.runOutOfPipes(proxy.proxy.group)
        #expect(try Self.echoArrivesIntact(proxy))
    }
}
