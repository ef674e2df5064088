import Testing
@testable import HTTP1

/// The same bytes split anywhere give the same result as all at once (after swift-nio's
/// ByteToMessageDecoderVerifier): one byte at a time, and random splits from a fixed seed.
@Suite struct IncrementalTests {
    static let requests: [String] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "\r\nPOST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip,\r\n Transfer-Encoding: chunked\r\n\r\n",
        "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Long: " + String(repeating: "v", count: 300) + "\r\n\r\n",
        "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX : b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "PUT /x HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc",
        "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "z", count: 200),
        "GARBAGE\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nExpect: nope\r\n\r\n",
    ]

    @Test(arguments: requests)
    func requestSplitsAgreeWithWhole(input: String) {
        let data = bytes(input)
        let whole = parseRequest(data)
        for cuts in cutSets(length: data.count) {
            #expect(parseRequestIncrementally(data, cuts: cuts) == whole, "cuts \(cuts.prefix(8))")
        }
    }

    @Test func headTooLargeAgreesUnderSplits() {
        let limits = HTTPParserLimits(maxHeadSize: 100)
        let data = bytes("GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "q", count: 200) + "\r\n\r\n")
        #expect(parseRequest(data, limits: limits) == .error(.headTooLarge))
        for cuts in cutSets(length: data.count) {
            #expect(parseRequestIncrementally(data, cuts: cuts, limits: limits) == .error(.headTooLarge))
        }
    }

    static let responses: [(String, HTTPMethod)] = [
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", .get),
        ("HTTP/1.1 204 No Content\r\n\r\n", .delete),
        ("HTTP/1.0 200\r\nServer: x\n\n", .head),
        ("HTTP/1.1 2x0 OK\r\n\r\n", .get),
    ]

    @Test(arguments: responses)
    func responseSplitsAgreeWithWhole(input: String, method: HTTPMethod) {
        let data = bytes(input)
        var parser = HTTPResponseParser()
        let whole = data.withUnsafeBytes { parser.parse($0, requestMethod: method) }
        for cuts in cutSets(length: data.count) {
            #expect(parseResponseIncrementally(data, cuts: cuts, method: method) == whole)
        }
    }

    @Test func parserMovesOnToTheNextHeadAfterComplete() throws {
        let first = bytes("GET /1 HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n")
        let second = bytes("GET /2 HTTP/1.1\r\nHost: b\r\n\r\n")
        var parser = HTTPRequestParser()
        guard case .complete(let h1, let n1) = first.withUnsafeBytes({ parser.parse($0) }) else { Issue.record("first"); return }
        #expect(n1 == first.count)
        #expect(h1.fields.count == 2)
        guard case .complete(let h2, _) = second.withUnsafeBytes({ parser.parse($0) }) else { Issue.record("second"); return }
        #expect(h2.fields.count == 1)
        second.withUnsafeBytes { #expect(h2.targetString(in: $0) == "/2") }
        #expect(h1.fields.count == 2) // the first head kept its own fields
    }

    @Test func errorsAreStickyUntilReset() {
        var parser = HTTPRequestParser()
        let bad = bytes("GET / HTTP/9.9\r\n")
        #expect(bad.withUnsafeBytes { parser.parse($0) } == .error(.unsupportedVersion))
        let good = bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(good.withUnsafeBytes { parser.parse($0) } == .error(.unsupportedVersion))
        parser.reset()
        guard case .complete = good.withUnsafeBytes({ parser.parse($0) }) else { Issue.record("after reset"); return }
    }
}
