import Testing
@testable import HTTP1

@Suite struct LimitsTests {
    @Test func a64KiBHeaderIs431() {
        let input = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "a", count: 64 * 1024) + "\r\n\r\n"
        #expect(parseRequest(input) == .error(.headTooLarge))
        #expect(HTTPParseError.headTooLarge.status == 431)
    }

    @Test func headOfExactlyMaxSizeIsAcceptedAndOneMoreIsNot() {
        let limits = HTTPParserLimits(maxHeadSize: 64)
        let prefix = "GET / HTTP/1.1\r\nHost: a\r\nX: "
        let fill = 64 - prefix.utf8.count - 4
        let exact = prefix + String(repeating: "b", count: fill) + "\r\n\r\n"
        #expect(exact.utf8.count == 64)
        guard case .complete(_, let length) = parseRequest(exact, limits: limits) else { Issue.record("not complete"); return }
        #expect(length == 64)
        let over = prefix + String(repeating: "b", count: fill + 1) + "\r\n\r\n"
        #expect(parseRequest(over, limits: limits) == .error(.headTooLarge))
    }

    @Test func incompleteHeadStopsAtTheLimitWithoutTheEnd() {
        let limits = HTTPParserLimits(maxHeadSize: 32)
        let head = bytes("GET / HTTP/1.1\r\nHost: a\r\nX: aaaa")
        #expect(parseRequest(Array(head.prefix(31)), limits: limits) == .needMore)
        #expect(parseRequest(Array(head.prefix(32)), limits: limits) == .error(.headTooLarge))
    }

    @Test func tooManyFieldsIs431() {
        var input = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<99 { input += "X-\(i): v\r\n" }
        #expect(requestHead(input + "\r\n")?.fields.count == 100)
        #expect(parseRequest(input + "X-Extra: v\r\n\r\n") == .error(.tooManyHeaders))
        #expect(HTTPParseError.tooManyHeaders.status == 431)
    }

    @Test func syntaxErrorBeforeTheLimitWinsOverSize() {
        let input = "GET / HTTP/1.1\r\nBad : x\r\n" + String(repeating: "a", count: 20_000)
        #expect(parseRequest(input) == .error(.whitespaceBeforeColon))
    }
}
