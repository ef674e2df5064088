import Testing
@testable import HTTP1

@Suite struct HeaderFieldTests {
    @Test func valuesAreTrimmedOfOWSAndLookedUpCaseInsensitively() throws {
        let input = "GET / HTTP/1.1\r\nHost: a\r\nX-Thing: \t  some value \t \r\nx-thing:second\r\nEmpty:\r\n\r\n"
        let head = try #require(requestHead(input))
        bytes(input).withUnsafeBytes { b in
            #expect(head.value(forName: "x-THING", in: b) == "some value")
            #expect(head.values(forName: "X-Thing", in: b) == ["some value", "second"])
            #expect(head.value(forName: "empty", in: b) == "")
            #expect(head.value(forName: "missing", in: b) == nil)
            #expect(head.fields.count == 4)
            #expect(head.name(of: head.fields[1], in: b) == "X-Thing")
            #expect(head.value(of: head.fields[2], in: b) == "second")
        }
    }

    @Test func knownNamesAreClassified() throws {
        let head = try #require(requestHead(
            "GET / HTTP/1.1\r\nhOsT: a\r\nCONNECTION: x\r\nTe: trailers\r\nVia: 1.0 p\r\nx-forwarded-for: 1.2.3.4\r\nKeep-Alive: 5\r\nOther: 1\r\n\r\n"))
        #expect(head.fields.map(\.kind) == [.host, .connection, .te, .via, .xForwardedFor, .keepAlive, .other])
    }

    @Test(arguments: [
        ("X: a\r\n b", HTTPParseError.obsoleteLineFolding),
        ("X: a\r\n\tb", .obsoleteLineFolding),
        ("X : a", .whitespaceBeforeColon),
        ("X\t: a", .whitespaceBeforeColon),
        (": a", .invalidFieldName),
        ("X(y): a", .invalidFieldName),
        ("X-No-Colon", .invalidFieldName),
        ("X\u{7F}: a", .invalidFieldName),
        ("X: a\u{00}b", .invalidFieldValue),
        ("X: a\rb", .invalidFieldValue),
        ("X: a\u{0B}", .invalidFieldValue),
        ("X: a\u{7F}", .invalidFieldValue),
        ("X: a\u{1B}[31m", .invalidFieldValue),
    ])
    func badFieldLinesAre400(field: String, error: HTTPParseError) {
        #expect(parseRequest("GET / HTTP/1.1\r\nHost: a\r\n\(field)\r\n\r\n") == .error(error))
        #expect(error.status == 400)
    }

    @Test func foldedFirstFieldLineIs400() {
        #expect(parseRequest("GET / HTTP/1.1\r\n Host: a\r\n\r\n") == .error(.obsoleteLineFolding))
    }

    @Test func obsTextInValuesIsAccepted() throws {
        let input = "GET / HTTP/1.1\r\nHost: a\r\nX: caf\u{E9}\r\n\r\n"
        let head = try #require(requestHead(input))
        bytes(input).withUnsafeBytes { #expect(head.value(forName: "x", in: $0) == "caf\u{E9}") }
    }

    @Test func bareLFIsRejectedInRequests() {
        #expect(parseRequest("GET / HTTP/1.1\nHost: a\r\n\r\n") == .error(.bareLineFeed))
        #expect(parseRequest("GET / HTTP/1.1\r\nHost: a\n\r\n") == .error(.bareLineFeed))
        #expect(parseRequest("GET / HTTP/1.1\r\nHost: a\r\n\n") == .error(.bareLineFeed))
        #expect(HTTPParseError.bareLineFeed.status == 400)
    }

    @Test func bareLFCanBeAllowedAndIsAllowedInResponses() throws {
        let lenient = HTTPParserLimits(allowsBareLF: true)
        let input = "GET / HTTP/1.1\nHost: a\n\n"
        guard case .complete(_, let length) = parseRequest(input, limits: lenient) else {
            Issue.record("not complete"); return
        }
        #expect(length == input.utf8.count)
        let head = try #require(responseHead("HTTP/1.1 200 OK\nContent-Length: 2\n\n"))
        #expect(head.framing == .contentLength(2))
    }
}
