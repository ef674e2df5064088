import Testing
@testable import HTTP1

/// Request-smuggling shapes (CL.TE, TE.CL, TE.TE): every one must be refused with 400, never
/// read one way here and another way upstream.
@Suite struct SmugglingTests {
    @Test(arguments: [
        // CL.TE / TE.CL
        "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 6\r\n",
        "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
        // TE.TE obfuscations
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n",
        "Transfer-Encoding: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\u{0B}\r\n",
        "Transfer-Encoding: \u{0B}chunked\r\n",
        "Transfer-Encoding: chunked\u{0C}\r\n",
        "Transfer-Encoding: xchunked\r\n",
        "Transfer-Encoding: chunkedx\r\n",
        "Transfer-Encoding: chunked, identity\r\n",
        "Transfer-Encoding: chunked , x\r\n",
        "Transfer-Encoding : chunked\r\n",
        " Transfer-Encoding: chunked\r\n",
        "X: y\r\n Transfer-Encoding: chunked\r\n",
        "X: y\r\n\tTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding\t: chunked\r\n",
        "Transfer_Encoding: chunked\r\nContent-Length: 1\r\nContent-Length: 2\r\n",
        "Transfer-Encoding: chunked\rContent-Length: 5\r\n",
        "Transfer-Encoding: \"chunked\"\r\n",
        "Transfer-Encoding: chunked;a=b\r\n",
        // Content-Length games
        "Content-Length: 5\r\nContent-Length: 6\r\n",
        "Content-Length: 5, 6\r\n",
        "Content-Length: +5\r\n",
        "Content-Length: 5 \u{0B}\r\n",
        "Content-Length: 1_0\r\n",
        "Content-Length : 5\r\n",
        "Content-Length: 18446744073709551621\r\n",   // 2^64 + 5 wraps to 5 in a naive parser
    ])
    func smugglingShapesAre400(fields: String) {
        let result = parseRequest("POST / HTTP/1.1\r\nHost: a\r\n\(fields)\r\n")
        guard case .error(let error) = result else { Issue.record("accepted: \(result)"); return }
        #expect(error.status == 400, "\(error)")
    }

    @Test func bareLFBetweenFieldsIsNotASecondLine() {
        #expect(parseRequest("POST / HTTP/1.1\r\nHost: a\r\nX: 1\nTransfer-Encoding: chunked\r\n\r\n") == .error(.bareLineFeed))
    }

    @Test func tabBeforeTheValueIsValidOWS() throws {
        #expect(try #require(requestHead("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n")).framing == .chunked)
    }
}
