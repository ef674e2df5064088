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
        let log = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: log) }
        let fixture = try HTTPProxyFixture(loops: 1, accessLog: log)
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
        // Spliced bytes count in the access log like copied ones.
        let lines = accessLogLines(log, count: 2)
        #expect(lines.first?.contains("target=/upload status=200 bytes_in=\(Self.uploadHead.utf8.count + Self.size) ") == true)
    }

    /// The body comes only after `100 Continue`: the session waits in splice mode.
    @Test func splicedBodyAfterExpectContinue() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 60)
        let before = HTTPSpliceStatistics.requestBytes.load(ordering: .relaxed)
        #expect(client.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(Self.size)\r\nExpect: 100-continue\r\n\r\n"))
        let interim = try #require(client.readResponse())
        #expect(interim.status == 100)
        var blocks = SeededBlocks(seed: 14)
        var sent = StreamChecksum()
        for _ in 0..<(Self.size / SeededBlocks.blockSize) {
            #expect(blocks.next { block -> Bool in
                sent.update(block)
                return client.send(block)
            })
        }
        let final = try #require(client.readResponse())
        #expect(final.text == "\(Self.size) \(sent.digest)")
        #expect(HTTPSpliceStatistics.requestBytes.load(ordering: .relaxed) - before >= UInt64(Self.size - Self.copiedAtMost))
        #expect(client.get("/after")?.status == 200)
    }

    @Test func clientClosingMidSplicedBodyEndsOnlyThatExchange() throws {
        let log = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: log) }
        let fixture = try HTTPProxyFixture(accessLog: log)
        defer { fixture.stop() }
        do {  // the client goes away (closed on deinit) after 2 MiB of the body
            let client = try fixture.client()
            #expect(client.send(Self.uploadHead))
            var blocks = SeededBlocks(seed: 13)
            for _ in 0..<2 { #expect(blocks.next { client.send($0) }) }
        }
        let lines = accessLogLines(log, count: 1)
        #expect(lines.first?.contains("target=/upload") == true)
        #expect(lines.first?.contains("cause=\"client closed mid-body\"") == true)
        #expect(try fixture.client().get("/next")?.status == 200)
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

    static let uploadHead = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(size)\r\n\r\n"

    private func temporaryLogPath() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("http-splice-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log").path
    }

    /// The access log's lines once it has `count` of them (or what it has after the wait).
    private func accessLogLines(_ path: String, count: Int) -> [String] {
        var lines: [String] = []
        _ = waitUntil {
            lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            return lines.count >= count
        }
        return lines
    }

    /// Sends a `/upload` of `size` seeded bytes (then `trailing`); the body's digest, or nil
    /// when a send failed.
    private func sendUpload(_ client: HTTPTestClient, seed: UInt64, trailing: String = "") -> UInt64? {
        guard client.send(Self.uploadHead) else { return nil }
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
