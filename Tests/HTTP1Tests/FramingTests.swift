import Testing
@testable import HTTP1

/// Request body framing, RFC 9112 §6.
@Suite struct RequestFramingTests {
    private func framing(_ fields: String, version: String = "HTTP/1.1") -> Result<BodyFraming, HTTPParseError>? {
        switch parseRequest("POST /upload \(version)\r\nHost: a\r\n\(fields)\r\n") {
        case .complete(let head, _): .success(head.framing)
        case .error(let e): .failure(e)
        case .needMore: nil
        }
    }

    @Test func noBodyFieldsMeansNoBody() {
        #expect(framing("") == .success(.none))
        #expect(framing("Content-Length: 0\r\n") == .success(.none))
    }

    @Test(arguments: [
        ("Content-Length: 42\r\n", 42),
        ("Content-Length: 007\r\n", 7),
        ("Content-Length:\t42 \r\n", 42),
        ("Content-Length: 42\r\nContent-Length: 42\r\n", 42),
        ("Content-Length: 42, 42\r\n", 42),
        ("Content-Length: 9223372036854775807\r\n", Int.max),
    ])
    func validContentLengths(fields: String, length: Int) {
        #expect(framing(fields) == .success(.contentLength(length)))
    }

    @Test(arguments: [
        ("Content-Length: -1\r\n", HTTPParseError.invalidContentLength),
        ("Content-Length: +1\r\n", .invalidContentLength),
        ("Content-Length: 1 2\r\n", .invalidContentLength),
        ("Content-Length: 0x10\r\n", .invalidContentLength),
        ("Content-Length: \r\n", .invalidContentLength),
        ("Content-Length: 1,\r\n", .invalidContentLength),
        ("Content-Length: 9223372036854775808\r\n", .invalidContentLength),   // 2^63
        ("Content-Length: 99999999999999999999999\r\n", .invalidContentLength),
        ("Content-Length: 1\r\nContent-Length: 2\r\n", .conflictingContentLengths),
        ("Content-Length: 1, 2\r\n", .conflictingContentLengths),
    ])
    func badContentLengthsAre400(fields: String, error: HTTPParseError) {
        #expect(framing(fields) == .failure(error))
        #expect(error.status == 400)
    }

    @Test(arguments: [
        "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: CHUNKED\r\n",
        "Transfer-Encoding:\tchunked\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip,,chunked\r\n",
    ])
    func chunkedLastIsChunked(fields: String) {
        #expect(framing(fields) == .success(.chunked))
    }

    @Test(arguments: [
        ("Transfer-Encoding: gzip\r\n", HTTPParseError.chunkedNotFinalEncoding),
        ("Transfer-Encoding: chunked, gzip\r\n", .chunkedNotFinalEncoding),
        ("Transfer-Encoding: chunked, identity\r\n", .chunkedNotFinalEncoding),
        ("Transfer-Encoding: xchunked\r\n", .chunkedNotFinalEncoding),
        ("Transfer-Encoding: chunked, chunked\r\n", .chunkedNotFinalEncoding),
        ("Transfer-Encoding: chunked;q=1\r\n", .chunkedNotFinalEncoding),
        ("Transfer-Encoding: \r\n", .chunkedNotFinalEncoding),
        ("Transfer-Encoding: \"chunked\"\r\n", .chunkedNotFinalEncoding),
        ("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", .contentLengthWithTransferEncoding),
        ("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", .contentLengthWithTransferEncoding),
        ("Transfer-Encoding: foo, chunked\r\n", .unknownTransferCoding),
        ("Transfer-Encoding: identity, chunked\r\n", .unknownTransferCoding),
    ])
    func badTransferEncodings(fields: String, error: HTTPParseError) {
        #expect(framing(fields) == .failure(error))
    }

    @Test func unknownCodingIs501AndTheRest400() {
        #expect(HTTPParseError.unknownTransferCoding.status == 501)
        #expect(HTTPParseError.chunkedNotFinalEncoding.status == 400)
        #expect(HTTPParseError.contentLengthWithTransferEncoding.status == 400)
    }

    @Test func transferEncodingInHTTP10Is400() {
        #expect(framing("Transfer-Encoding: chunked\r\n", version: "HTTP/1.0") == .failure(.transferEncodingInHTTP10))
        #expect(framing("Transfer-Encoding: gzip\r\n", version: "HTTP/1.0") == .failure(.transferEncodingInHTTP10))
        #expect(HTTPParseError.transferEncodingInHTTP10.status == 400)
        #expect(framing("Content-Length: 3\r\n", version: "HTTP/1.0") == .success(.contentLength(3)))
    }
}

/// Response body framing, RFC 9112 §6.3.
@Suite struct ResponseFramingTests {
    @Test(arguments: [
        (100, HTTPMethod.get), (101, .get), (204, .get), (304, .get), (200, .head), (200, .connect), (299, .connect),
    ])
    func bodylessResponses(status: Int, method: HTTPMethod) throws {
        let head = try #require(responseHead("HTTP/1.1 \(status) X\r\nContent-Length: 10\r\n\r\n", method: method))
        #expect(head.framing == .none)
    }

    @Test func connectFailureHasABody() throws {
        let head = try #require(responseHead("HTTP/1.1 407 Auth\r\nContent-Length: 10\r\n\r\n", method: .connect))
        #expect(head.framing == .contentLength(10))
    }

    @Test func chunkedLengthAndUntilClose() throws {
        #expect(try #require(responseHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")).framing == .chunked)
        #expect(try #require(responseHead("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n")).framing == .contentLength(12))
        let close = try #require(responseHead("HTTP/1.1 200 OK\r\n\r\n"))
        #expect(close.framing == .untilClose)
        #expect(!close.keepAlive)
        let gzipOnly = try #require(responseHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"))
        #expect(gzipOnly.framing == .untilClose)
    }

    @Test func ambiguousResponsesAreErrors() {
        #expect(parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n") == .error(.contentLengthWithTransferEncoding))
        #expect(parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == .error(.conflictingContentLengths))
        #expect(parseResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n") == .error(.chunkedNotFinalEncoding))
    }

    @Test func statusLines() throws {
        let input = "HTTP/1.1 404 Not Found\r\n\r\n"
        let head = try #require(responseHead(input))
        #expect(head.status == 404)
        #expect(head.version == .http1_1)
        bytes(input).withUnsafeBytes { #expect(head.reasonString(in: $0) == "Not Found") }
        #expect(try #require(responseHead("HTTP/1.0 200 \r\n\r\n")).version == .http1_0)
        #expect(try #require(responseHead("HTTP/1.1 204\r\n\r\n")).status == 204)
        #expect(try #require(responseHead("HTTP/1.1 103 Early Hints\r\n\r\n")).isInterim)
        #expect(try !#require(responseHead("HTTP/1.1 101 Switching\r\n\r\n")).isInterim)
    }

    @Test(arguments: ["HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 099 X", "HTTP/1.1 600 X", "HTTP/1.1 abc OK",
                      "HTTP/1.1  200 OK", "HTTP/1.1", "http/1.1 200 OK", "HTTP/1.1 200 O\u{01}K", "HTTP/1.1 200\tOK"])
    func badStatusLines(line: String) {
        #expect(parseResponse(line + "\r\n\r\n") == .error(.invalidStatusLine))
    }

    @Test func responseVersionOtherThan1xIs505() {
        #expect(parseResponse("HTTP/2.0 200 OK\r\n\r\n") == .error(.unsupportedVersion))
    }

    @Test func responseKeepAlive() throws {
        #expect(try #require(responseHead("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")).keepAlive)
        #expect(try !#require(responseHead("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")).keepAlive)
        #expect(try !#require(responseHead("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")).keepAlive)
        #expect(try #require(responseHead("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")).keepAlive)
        #expect(try #require(responseHead("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")).isUpgrade)
        #expect(try !#require(responseHead("HTTP/1.1 200 OK\r\nConnection: Upgrade\r\nContent-Length: 0\r\n\r\n")).isUpgrade)
    }
}
