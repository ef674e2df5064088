import Foundation
import Testing

/// Malformed or ambiguous requests get the exact status, `Connection: close`, a closed
/// connection, and never reach the backend.
@Suite(.serialized) struct HTTPBadInputTests {
    static let cases: [(name: String, request: String, status: Int)] = [
        ("both Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("differing Content-Lengths", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
        ("bad chunk size", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
        ("obsolete line folding", "GET / HTTP/1.1\r\nHost: t\r\nX-A: one\r\n two\r\n\r\n", 400),
        ("whitespace before colon", "GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400),
        ("NUL in a field value", "GET / HTTP/1.1\r\nHost: t\r\nX-A: a\u{0}b\r\n\r\n", 400),
        ("negative Content-Length", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400),
        ("overflowing Content-Length", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        ("request-line garbage", "\u{1}\u{2}GARBAGE\r\n\r\n", 400),
        ("missing Host", "GET / HTTP/1.1\r\n\r\n", 400),
        ("unsupported version", "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        ("unknown transfer coding", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n", 501),
        ("unsupported expectation", "PUT / HTTP/1.1\r\nHost: t\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx", 417),
        ("64 KiB header", "GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "a", count: 64 * 1024))\r\n\r\n", 431),
        ("too many headers", "GET / HTTP/1.1\r\nHost: t\r\n" + (0..<101).map { "X-\($0): v\r\n" }.joined() + "\r\n", 431),
    ]

    @Test(arguments: 0..<cases.count)
    func rejectedWithExactStatus(_ index: Int) throws {
        let (name, request, status) = Self.cases[index]
        let fixture = try HTTPProxyFixture(servers: ["primary"])
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 5)
        client.send(request)
        let response = try #require(client.readResponse(), "\(name)")
        #expect(response.status == status, "\(name)")
        #expect(response.header("connection") == ["close"], "\(name)")
        #expect(client.readUntilClosed() == .closedByPeer(after: []), "\(name)")
        #expect(fixture.requests().isEmpty, "\(name) reached the backend")
    }

    @Test func slowHeadGets408() throws {
        let fixture = try HTTPProxyFixture { $0.headTimeout = .milliseconds(300) }
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 5)
        client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow")
        let response = try #require(client.readResponse())
        #expect(response.status == 408)
        #expect(response.header("connection") == ["close"])
        #expect(fixture.requests().isEmpty)
    }

    /// Each pair hides a second request in what one reading calls a body: the proxy must
    /// refuse the message, so the backend never sees the smuggled one.
    static let smuggling: [(name: String, request: String)] = [
        ("CL.TE", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n"),
        ("TE.CL", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n2e\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n\r\n0\r\n\r\n"),
        ("TE.TE second coding", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n"),
        ("TE.TE space before colon", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n"),
        ("TE.TE xchunked", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n"),
        ("TE.TE chunked twice", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n"),
    ]

    @Test(arguments: 0..<smuggling.count)
    func smugglingPairsReachNoBackend(_ index: Int) throws {
        let (name, request) = Self.smuggling[index]
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 5)
        client.send(request)
        let response = try #require(client.readResponse(), "\(name)")
        #expect(response.status == 400, "\(name)")
        #expect(client.readUntilClosed() == .closedByPeer(after: []), "\(name)")
        // Barrier instead of a sleep: a later request has reached the backend, so a
        // smuggled one forwarded before it would have too.
        #expect(try fixture.client(timeoutSeconds: 5).get("/barrier")?.status == 200)
        #expect(waitUntil { fixture.requests().contains { $0.target == "/barrier" } })
        #expect(fixture.requests().map(\.target) == ["/barrier"], "\(name): the backend saw \(fixture.requests().map(\.target))")
    }
}
