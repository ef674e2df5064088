import DemoBackends
import Foundation
import Testing

/// `mode http` forwarding through the in-process proxy, checked against what a recording
/// backend received.
@Suite(.serialized) struct HTTPForwardingTests {
    @Test func keepAliveIsReusedOnBothSides() throws {
        let fixture = try HTTPProxyFixture(loops: 1)  // one loop: one upstream pool
        defer { fixture.stop() }
        let client = try fixture.client()
        for i in 0..<5 {
            let response = try #require(client.get("/n\(i)"))
            #expect(response.status == 200)
            #expect(response.header("connection") == ["keep-alive"])
        }
        let requests = fixture.requests()
        #expect(requests.map(\.target) == (0..<5).map { "/n\($0)" })
        // One client connection, one upstream connection (health checks use their own).
        #expect(Set(requests.map(\.connection)).count == 1)
        let second = try fixture.client()
        #expect(second.get("/again")?.status == 200)
        #expect(fixture.requests().last?.connection == requests[0].connection)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        // The first is slow: a proxy that answered out of order would put /p2 first.
        client.send("GET /slow/200 HTTP/1.1\r\nHost: t\r\n\r\nGET /echo-head HTTP/1.1\r\nHost: t\r\n\r\nGET /p3 HTTP/1.1\r\nHost: t\r\n\r\n")
        let first = try #require(client.readResponse())
        let second = try #require(client.readResponse())
        let third = try #require(client.readResponse())
        #expect(first.text == "served by primary\n")
        #expect(second.text.hasPrefix("GET /echo-head HTTP/1.1\r\n"))
        #expect(third.status == 200)
        #expect(fixture.requests().map(\.target) == ["/slow/200", "/echo-head", "/p3"])
    }

    @Test func chunkedRequestBodyAndTrailersArriveIntact() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        let body = "4;name=value\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: yes\r\n\r\n"
        client.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        usleep(50_000)  // the body arrives separately: it is streamed, not read with the head
        client.send(body)
        let response = try #require(client.readResponse())
        #expect(response.status == 200)
        let received = try #require(fixture.requests().last)
        #expect(String(decoding: received.rawBody, as: UTF8.self) == body)
        #expect(received.header("transfer-encoding") == ["chunked"])
        #expect(received.bodyLength == 9)
    }

    @Test func chunkedResponseBodyAndTrailersArriveIntact() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        let response = try #require(client.get("/chunked"))
        #expect(response.status == 200)
        #expect(response.header("transfer-encoding") == ["chunked"])
        #expect(response.text == "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Checksum: abc123\r\n\r\n")
        #expect(client.get("/after")?.status == 200)  // the connection is still in step
    }

    @Test func expectContinueIsPassedThrough() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        client.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
        let interim = try #require(client.readResponse())
        #expect(interim.status == 100)
        client.send("hello world")
        let final = try #require(client.readResponse())
        #expect(final.status == 200)
        var expected = StreamChecksum()
        expected.update(Array("hello world".utf8))
        #expect(final.text == "11 \(expected.digest)")
        #expect(fixture.requests().last?.header("expect") == ["100-continue"])
    }

    @Test func upgradeTurnsIntoAnEchoTunnel() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        client.send("GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.status == 101)
        #expect(response.header("upgrade") == ["websocket"])
        #expect(response.header("connection").first?.lowercased() == "upgrade")
        let upstreamHead = try #require(fixture.requests().last)
        #expect(upstreamHead.header("upgrade") == ["websocket"])
        for message in ["first frame", "second frame", String(repeating: "x", count: 100_000)] {
            client.send(message)
            var echoed: [UInt8] = []
            while echoed.count < message.utf8.count, let more = client.readSome() { echoed += more }
            #expect(String(decoding: echoed, as: UTF8.self) == message)
        }
        client.shutdownWrite()
        #expect(client.readUntilClosed() == .closedByPeer(after: []))  // the backend's FIN came through the tunnel
    }

    @Test func forwardedHeadersAreAddedAndHopByHopRemoved() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        client.send("GET /echo-head HTTP/1.1\r\nHost: example.test\r\nX-Forwarded-For: 10.0.0.1\r\nConnection: keep-alive, X-Secret\r\n"
            + "X-Secret: 1\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\n"
            + "X-Forwarded-Proto: https\r\nAccept: */*\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.status == 200)
        let seen = try #require(fixture.requests().last)
        #expect(seen.header("host") == ["example.test"])
        #expect(seen.header("accept") == ["*/*"])
        #expect(seen.header("x-forwarded-for") == ["10.0.0.1, 127.0.0.1"])
        #expect(seen.header("x-forwarded-proto") == ["http"])
        #expect(seen.header("via") == ["1.1 failover-proxy"])
        for hop in ["x-secret", "keep-alive", "proxy-connection", "te", "proxy-authorization"] {
            #expect(seen.header(hop).isEmpty, "\(hop) was forwarded")
        }
        #expect(seen.header("connection") == ["keep-alive"])
        // And on the way back: the backend's Keep-Alive and the X-Hop it names are dropped.
        #expect(response.header("keep-alive").isEmpty)
        #expect(response.header("x-hop").isEmpty)
        #expect(response.header("via") == ["1.1 failover-proxy"])
        #expect(response.header("x-served-by") == ["primary"])
    }

    @Test func bigRequestBodyIsStreamedWithMatchingChecksum() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 60)
        let size = 256 << 20
        client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(size)\r\n\r\n")
        var blocks = SeededBlocks(seed: 42)
        var sent = StreamChecksum()
        for _ in 0..<(size / SeededBlocks.blockSize) {
            let ok = blocks.next { block -> Bool in
                sent.update(block)
                return client.send(block)
            }
            #expect(ok)
            if !ok { return }
        }
        let response = try #require(client.readResponse())
        #expect(response.status == 200)
        #expect(response.text == "\(size) \(sent.digest)")
    }

    @Test func bigResponseBodyIsStreamedWithMatchingChecksum() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 60)
        let size = 256 << 20
        var received = StreamChecksum()
        client.send("GET /big/\(size)/7 HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try #require(client.readResponse { received.update($0) })
        #expect(response.status == 200)
        var expected = StreamChecksum()
        var blocks = SeededBlocks(seed: 7)
        for _ in 0..<(size / SeededBlocks.blockSize) { blocks.next { expected.update($0) } }
        #expect(received.count == size)
        #expect(received.digest == expected.digest)
        #expect(client.get("/after")?.status == 200)
    }

    @Test func http10WithoutKeepAliveIsClosedAfterTheResponse() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        client.send("GET /old HTTP/1.0\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.status == 200)
        #expect(response.header("connection") == ["close"])
        #expect(client.readUntilClosed() == .closedByPeer(after: []))
        #expect(fixture.requests().last?.head.hasPrefix("GET /old HTTP/1.0\r\n") == true)
    }

    /// `Connection: close` with the request read whole: the proxy closes its socket right
    /// after the response instead of waiting for the client's FIN (a wake-up per connection).
    /// A closed socket answers later bytes with a reset; a lingering one would read them.
    @Test func connectionCloseWithTheRequestReadWholeClosesAtOnce() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        client.send("GET /close HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(client.readResponse()?.status == 200)
        #expect(client.readUntilClosed() == .closedByPeer(after: []))
        #expect(client.sendingIsReset("late bytes"))
    }

    /// Bytes after a `Connection: close` request: the proxy lingers, reading them, so the
    /// close does not reset the response away.
    @Test func bytesAfterAConnectionCloseRequestAreReadNotReset() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        client.send("GET /close HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /extra HTTP/1.1\r\n")
        #expect(client.readResponse()?.status == 200)
        #expect(client.readUntilClosed() == .closedByPeer(after: []))
        #expect(!client.sendingIsReset("more bytes"))
        #expect(fixture.requests().count == 1)
    }

    @Test func accessLogHasOneLinePerExchangeWithCauseOfErrors() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("http-access-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fixture = try HTTPProxyFixture(accessLog: path)
        defer { fixture.stop() }
        let client = try fixture.client()
        #expect(client.get("/logged?x=1")?.status == 200)
        #expect(client.get("/garbage")?.status == 502)
        var lines: [String] = []
        #expect(waitUntil {
            lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            return lines.count == 2
        })
        #expect(lines.first?.contains("mode=http") == true)
        #expect(lines.first?.contains("server=primary method=GET target=/logged?x=1 status=200") == true)
        #expect(lines.last?.contains("target=/garbage status=502") == true)
        #expect(lines.last?.contains("cause=") == true)
    }

    /// A HEAD response announces a length but has no body: the next response must not be
    /// mistaken for it.
    @Test func headResponseHasNoBodyAndKeepsTheConnectionInStep() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        client.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try #require(client.readResponse(method: "HEAD"))
        #expect(head.status == 200)
        #expect(head.header("content-length") == ["18"])
        let next = try #require(client.get("/next"))
        #expect(next.text == "served by primary\n")
    }

    /// The backend closes a connection the proxy keeps in its pool: a request that could
    /// not be resent (POST) must not be sent on it.
    @Test func pooledConnectionClosedByTheServerIsNeverUsed() throws {
        let fixture = try HTTPProxyFixture(loops: 1)
        defer { fixture.stop() }
        let client = try fixture.client()
        #expect(client.get("/close-after")?.status == 200)
        #expect(waitUntil { fixture.backend("primary").openDataConnections == 0 })
        client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello")
        let response = try #require(client.readResponse())
        #expect(response.status == 200)
        #expect(fixture.requests().map(\.target) == ["/close-after", "/upload"])
        #expect(Set(fixture.requests().map(\.connection)).count == 2)
    }
}
