import Testing
@testable import HTTP1

@Suite struct RequestLineTests {
    @Test func parsesSimpleGet() throws {
        let input = "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"
        let result = parseRequest(input)
        guard case .complete(let head, let length) = result else { Issue.record("\(result)"); return }
        #expect(length == input.utf8.count)
        #expect(head.method == .get)
        #expect(head.version == .http1_1)
        #expect(head.targetForm == .origin)
        bytes(input).withUnsafeBytes { b in
            #expect(head.methodString(in: b) == "GET")
            #expect(head.targetString(in: b) == "/index.html?q=1")
            #expect(b.string(head.startLine) == "GET /index.html?q=1 HTTP/1.1")
        }
        #expect(head.framing == .none)
    }

    @Test(arguments: [
        ("GET", HTTPMethod.get, true), ("HEAD", .head, true), ("POST", .post, false), ("PUT", .put, true),
        ("DELETE", .delete, true), ("OPTIONS", .options, true), ("PATCH", .patch, false), ("TRACE", .trace, true),
        ("PURGE", .other, false), ("get", .other, false), ("M-SEARCH", .other, false),
    ])
    func methodKindsAndIdempotency(name: String, kind: HTTPMethod, idempotent: Bool) throws {
        let input = "\(name) / HTTP/1.1\r\nHost: a\r\n\r\n"
        let head = try #require(requestHead(input))
        #expect(head.method == kind)
        #expect(head.isIdempotent == idempotent)
        bytes(input).withUnsafeBytes { #expect(head.methodString(in: $0) == name) }
    }

    @Test func connectUsesAuthorityForm() throws {
        let head = try #require(requestHead("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"))
        #expect(head.method == .connect)
        #expect(!head.isIdempotent)
        #expect(head.targetForm == .authority)
    }

    @Test func absoluteFormAndAsterisk() throws {
        #expect(requestHead("GET http://example.com/a HTTP/1.1\r\nHost: example.com\r\n\r\n")?.targetForm == .absolute)
        #expect(requestHead("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")?.targetForm == .asterisk)
    }

    @Test(arguments: [
        ("GET * HTTP/1.1", HTTPParseError.invalidRequestTarget),          // * only for OPTIONS
        ("CONNECT /a HTTP/1.1", .invalidRequestTarget),                   // CONNECT needs host:port
        ("CONNECT example.com HTTP/1.1", .invalidRequestTarget),
        ("CONNECT example.com:https HTTP/1.1", .invalidRequestTarget),
        ("GET a/b HTTP/1.1", .invalidRequestTarget),
        ("GET /a\u{7F} HTTP/1.1", .invalidRequestTarget),
        ("GET /a\u{01}b HTTP/1.1", .invalidRequestTarget),
        ("GET /a\tb HTTP/1.1", .invalidRequestTarget),
        ("GET /a b HTTP/1.1", .invalidVersion),
        ("GET  / HTTP/1.1", .invalidRequestLine),                          // double space
        ("GET / HTTP/1.1 ", .invalidVersion),                              // trailing space
        (" GET / HTTP/1.1", .invalidMethod),
        ("GET /", .invalidRequestLine),                                    // HTTP/0.9
        ("GET", .invalidRequestLine),
        ("G(T / HTTP/1.1", .invalidRequestLine),                           // non-tchar in method
        ("GET / http/1.1", .invalidVersion),
        ("GET / HTTP/1", .invalidVersion),
        ("GET / HTTP/1.1.1", .invalidVersion),
        ("GET / HTTP/11", .invalidVersion),
        ("\u{16}\u{03}\u{01}\u{02}\u{00}", .invalidRequestLine),          // TLS on a plain port
    ])
    func requestLineGarbageIs400(line: String, error: HTTPParseError) {
        let result = parseRequest(line + "\r\nHost: a\r\n\r\n")
        #expect(result == .error(error))
        #expect(error.status == 400)
    }

    @Test(arguments: ["HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/3.0"])
    func otherVersionsAre505(version: String) {
        let result = parseRequest("GET / \(version)\r\nHost: a\r\n\r\n")
        #expect(result == .error(.unsupportedVersion))
        #expect(HTTPParseError.unsupportedVersion.status == 505)
    }

    @Test func http10WithoutHostIsAccepted() throws {
        let head = try #require(requestHead("GET / HTTP/1.0\r\n\r\n"))
        #expect(head.version == .http1_0)
    }

    @Test func http11NeedsExactlyOneHost() {
        #expect(requestError("GET / HTTP/1.1\r\n\r\n") == .missingHost)
        #expect(requestError("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == .multipleHosts)
        #expect(requestError("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n") == .multipleHosts)
    }

    @Test func leadingEmptyLinesAreSkipped() throws {
        let input = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        guard case .complete(let head, let length) = parseRequest(input) else { Issue.record("not complete"); return }
        #expect(length == input.utf8.count)
        #expect(head.startLine.lowerBound == 4)
    }

    @Test func bodyBytesAfterTheHeadAreNotCounted() {
        let head = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
        guard case .complete(let h, let length) = parseRequest(head + "hello" + "GET / HTTP/1.1\r\n") else {
            Issue.record("not complete"); return
        }
        #expect(length == head.utf8.count)
        #expect(h.framing == .contentLength(5))
    }
}
