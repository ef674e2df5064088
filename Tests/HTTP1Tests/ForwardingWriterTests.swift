import Testing
@testable import HTTP1

@Suite struct ForwardingWriterTests {
    private func forwardRequest(_ input: String, client: String = "10.0.0.9", proto: String = "http",
                                connection: ForwardedConnection = .keepAlive) throws -> String {
        let head = try #require(requestHead(input))
        var out: [UInt8] = []
        bytes(input).withUnsafeBytes { head.writeForwarded(from: $0, clientAddress: client, forwardedProto: proto, connection: connection, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func hopByHopFieldsAreDroppedAndForwardingFieldsAdded() throws {
        let out = try forwardRequest(
            "POST /api?x=1 HTTP/1.1\r\nHost: svc.example\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\n"
            + "Proxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: X-Sum\r\nUpgrade: h2c\r\nProxy-Authorization: Basic eA==\r\n"
            + "x-secret: 1\r\nTransfer-Encoding: chunked\r\nAccept: */*\r\nX-Forwarded-Proto: https\r\n\r\n")
        #expect(out == "POST /api?x=1 HTTP/1.1\r\nHost: svc.example\r\nTransfer-Encoding: chunked\r\nAccept: */*\r\n"
            + "X-Forwarded-For: 10.0.0.9\r\nX-Forwarded-Proto: http\r\nVia: 1.1 failover-proxy\r\nConnection: keep-alive\r\n\r\n")
    }

    @Test func existingForwardedForAndViaAreAppendedTo() throws {
        let out = try forwardRequest(
            "GET / HTTP/1.1\r\nX-Forwarded-For: 1.1.1.1\r\nHost: h\r\nVia: 1.0 edge\r\nx-forwarded-for: 2.2.2.2, 3.3.3.3\r\n\r\n",
            client: "::1", proto: "https", connection: .close)
        #expect(out == "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.1.1.1, 2.2.2.2, 3.3.3.3, ::1\r\n"
            + "X-Forwarded-Proto: https\r\nVia: 1.0 edge, 1.1 failover-proxy\r\nConnection: close\r\n\r\n")
    }

    @Test func upgradeKeepsTheUpgradeField() throws {
        let out = try forwardRequest(
            "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n",
            connection: .upgrade)
        #expect(out == "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n"
            + "X-Forwarded-For: 10.0.0.9\r\nX-Forwarded-Proto: http\r\nVia: 1.1 failover-proxy\r\nConnection: upgrade\r\n\r\n")
    }

    @Test func connectionCannotRemoveFramingOrHost() throws {
        let out = try forwardRequest(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: Content-Length, host, transfer-encoding\r\n\r\n")
        #expect(out.contains("\r\nHost: h\r\n"))
        #expect(out.contains("\r\nContent-Length: 3\r\n"))
    }

    @Test func http10RequestKeepsItsVersion() throws {
        let out = try forwardRequest("GET / HTTP/1.0\r\n\r\n", connection: .close)
        #expect(out == "GET / HTTP/1.0\r\nX-Forwarded-For: 10.0.0.9\r\nX-Forwarded-Proto: http\r\nVia: 1.0 failover-proxy\r\nConnection: close\r\n\r\n")
    }

    @Test func outputBufferIsAppendedToAndReusable() throws {
        let input = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
        let head = try #require(requestHead(input))
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        var first: [UInt8] = []
        for round in 0..<3 {
            out.removeAll(keepingCapacity: true)
            bytes(input).withUnsafeBytes { head.writeForwarded(from: $0, clientAddress: "1.2.3.4", forwardedProto: "http", connection: .keepAlive, into: &out) }
            if round == 0 { first = out } else { #expect(out == first) }
        }
    }

    @Test func responseHeadsDropHopByHopAndAddVia() throws {
        let input = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive, X-Internal\r\nKeep-Alive: timeout=5\r\n"
            + "X-Internal: 1\r\nProxy-Authenticate: Basic\r\nTrailer: X-Sum\r\nTransfer-Encoding: chunked\r\nVia: 1.1 upstream-cache\r\n\r\n"
        let head = try #require(responseHead(input))
        var out: [UInt8] = []
        bytes(input).withUnsafeBytes { head.writeForwarded(from: $0, connection: .close, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
            + "Via: 1.1 upstream-cache, 1.1 failover-proxy\r\nConnection: close\r\n\r\n")
    }

    @Test func switchingProtocolsResponseKeepsUpgrade() throws {
        let input = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: a\r\n\r\n"
        let head = try #require(responseHead(input))
        var out: [UInt8] = []
        bytes(input).withUnsafeBytes { head.writeForwarded(from: $0, connection: .upgrade, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: a\r\n"
            + "Via: 1.1 failover-proxy\r\nConnection: upgrade\r\n\r\n")
    }

    @Test func forwardedHeadParsesBackToTheSameDecisions() throws {
        let input = "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
        let forwarded = try forwardRequest(input, connection: .keepAlive)
        let again = try #require(requestHead(forwarded))
        #expect(again.framing == .contentLength(10))
        #expect(again.expectsContinue)
        #expect(again.keepAlive)
    }
}

@Suite struct ForwardingChainTests {
    @Test func connectionCanDropReceivedForwardingChains() throws {
        let input = "GET / HTTP/1.1\r\nHost: h\r\nConnection: X-Forwarded-For, via\r\nX-Forwarded-For: 6.6.6.6\r\nVia: 1.1 spoof\r\n\r\n"
        let head = try #require(requestHead(input))
        var out: [UInt8] = []
        bytes(input).withUnsafeBytes { head.writeForwarded(from: $0, clientAddress: "1.2.3.4", forwardedProto: "http", connection: .keepAlive, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.2.3.4\r\n"
            + "X-Forwarded-Proto: http\r\nVia: 1.1 failover-proxy\r\nConnection: keep-alive\r\n\r\n")
    }
}

@Suite struct ForwardingLineEndTests {
    @Test func bareLFResponseLinesAreForwardedWithCRLF() throws {
        let input = "HTTP/1.1 200 OK\nA: 1\r\nB: 2\nC: 3\r\nContent-Length: 0\r\n\n"
        let head = try #require(responseHead(input))
        var out: [UInt8] = []
        bytes(input).withUnsafeBytes { head.writeForwarded(from: $0, connection: .keepAlive, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 0\r\n"
            + "Via: 1.1 failover-proxy\r\nConnection: keep-alive\r\n\r\n")
    }
}
