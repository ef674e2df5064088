import DemoBackends
import Foundation
@testable import Proxy
import Testing

/// Large Content-Length bodies between plain sockets go by splice(2): the process-wide
/// splice counters grow by (nearly) the body size, the bytes arrive intact, and the
/// connection stays in step for the next request.
@Suite(.serialized) struct HTTPSpliceTests {
    static let size = 16 << 20

    /// At most one buffer of body bytes arrives with the head and goes the copying way.
    static let copiedAtMost = 256 << 10

    @Test func requestBodyIsSplicedAndTheConnectionIsReused() throws {
        let fixture = try HTTPProxyFixture(loops: 1)
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 60)
        let before = HTTPSpliceStatistics.requestBytes.load(ordering: .relaxed)
        let digest = try #require(sendUpload(client, seed: 11))
        let response = try #require(client.readResponse())
        #expect(response.status == 200)
        #expect(response.text == "\(Self.size) \(digest)")
        let spliced = HTTPSpliceStatistics.requestBytes.load(ordering: .relaxed) - before
        #expect(spliced >= UInt64(Self.size - Self.copiedAtMost))
        // Keep-alive: the next request on the same client and upstream connection.
        #expect(client.get("/after")?.status == 200)
        let requests = fixture.requests()
        #expect(requests.map(\.target) == ["/upload", "/after"])
        #expect(Set(requests.map(\.connection)).count == 1)
    }

    @Test func requestPipelinedBehindASplicedBodyIsAnswered() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 60)
        let before = HTTPSpliceStatistics.requestBytes.load(ordering: .relaxed)
        // The second request is sent right behind the body, before any answer is read.
        let digest = try #require(sendUpload(client, seed: 12, trailing: "GET /echo-head HTTP/1.1\r\nHost: t\r\n\r\n"))
        let first = try #require(client.readResponse())
        let second = try #require(client.readResponse())
        #expect(first.text == "\(Self.size) \(digest)")
        #expect(second.status == 200)
        #expect(second.text.hasPrefix("GET /echo-head HTTP/1.1\r\n"))
        #expect(HTTPSpliceStatistics.requestBytes.load(ordering: .relaxed) - before >= UInt64(Self.size - Self.copiedAtMost))
        #expect(fixture.requests().map(\.target) == ["/upload", "/echo-head"])
    }

    @Test func responseBodyIsSplicedAndTheConnectionIsReused() throws {
        let fixture = try HTTPProxyFixture(loops: 1)
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 60)
        var expected = StreamChecksum()
        var blocks = SeededBlocks(seed: 5)
        for _ in 0..<(Self.size / SeededBlocks.blockSize) { blocks.next { expected.update($0) } }
        let before = HTTPSpliceStatistics.responseBytes.load(ordering: .relaxed)
        for round in 0..<2 {  // the second one over the pooled upstream connection
            var received = StreamChecksum()
            #expect(client.send("GET /big/\(Self.size)/5 HTTP/1.1\r\nHost: t\r\n\r\n"))
            let response = try #require(client.readResponse { received.update($0) })
            #expect(response.status == 200)
            #expect(response.header("connection") == ["keep-alive"])
            #expect(received.count == Self.size)
            #expect(received.digest == expected.digest)
            let spliced = HTTPSpliceStatistics.responseBytes.load(ordering: .relaxed) - before
            #expect(spliced >= UInt64((round + 1) * (Self.size - Self.copiedAtMost)))
        }
        #expect(client.get("/after")?.status == 200)
        let requests = fixture.requests()
        #expect(requests.count == 3)
        #expect(Set(requests.map(\.connection)).count == 1)
    }

    /// Sends a `/upload` of `size` seeded bytes (then `trailing`); the body's digest, or nil
    /// when a send failed.
    private func sendUpload(_ client: HTTPTestClient, seed: UInt64, trailing: String = "") -> UInt64? {
        guard client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(Self.size)\r\n\r\n") else { return nil }
        var blocks = SeededBlocks(seed: seed)
        var sent = StreamChecksum()
        for _ in 0..<(Self.size / SeededBlocks.blockSize) {
            let ok = blocks.next { block -> Bool in
                sent.update(block)
                return client.send(block)
            }
            if !ok { return nil }
        }
        if !trailing.isEmpty && !client.send(trailing) { return nil }
        return sent.digest
    }
}
