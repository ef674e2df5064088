import Testing
@testable import HTTP1

@Suite struct SemanticsTests {
    private func head(_ version: String = "HTTP/1.1", _ fields: String = "") -> HTTPRequestHead? {
        requestHead("GET /chat \(version)\r\nHost: a\r\n\(fields)\r\n")
    }

    @Test func keepAliveDefaults() {
        #expect(head()?.keepAlive == true)
        #expect(head("HTTP/1.1", "Connection: close\r\n")?.keepAlive == false)
        #expect(head("HTTP/1.1", "Connection: foo, CLOSE\r\n")?.keepAlive == false)
        #expect(head("HTTP/1.1", "Connection: foo\r\nConnection: close\r\n")?.keepAlive == false)
        #expect(head("HTTP/1.0")?.keepAlive == false)
        #expect(head("HTTP/1.0", "Connection: Keep-Alive\r\n")?.keepAlive == true)
        #expect(head("HTTP/1.0", "Connection: keep-alive, close\r\n")?.keepAlive == false)
        #expect(head("HTTP/1.0", "Keep-Alive: timeout=5\r\n")?.keepAlive == false)
    }

    @Test func expectContinue() {
        #expect(head()?.expectsContinue == false)
        #expect(head("HTTP/1.1", "Expect: 100-continue\r\n")?.expectsContinue == true)
        #expect(head("HTTP/1.1", "Expect: 100-Continue\r\n")?.expectsContinue == true)
        // HTTP/1.0 clients cannot have sent it meaningfully (RFC 9110 §10.1.1): ignored.
        #expect(head("HTTP/1.0", "Expect: 100-continue\r\n")?.expectsContinue == false)
    }

    @Test(arguments: ["Expect: 200-ok\r\n", "Expect: 100-continue, foo\r\n", "Expect:\r\n", "Expect: 100-continue\r\nExpect: x\r\n"])
    func otherExpectationsAre417(field: String) {
        let result = parseRequest("GET / HTTP/1.1\r\nHost: a\r\n\(field)\r\n")
        #expect(result == .error(.unsupportedExpectation))
        #expect(HTTPParseError.unsupportedExpectation.status == 417)
    }

    @Test func upgradeNeedsConnectionTokenAndUpgradeField() throws {
        let input = "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n"
        let h = try #require(requestHead(input))
        #expect(h.isUpgrade)
        bytes(input).withUnsafeBytes { #expect(h.upgradeString(in: $0) == "websocket") }
        #expect(head("HTTP/1.1", "Upgrade: websocket\r\n")?.isUpgrade == false)
        #expect(head("HTTP/1.1", "Connection: upgrade\r\n")?.isUpgrade == false)
        #expect(head("HTTP/1.0", "Connection: upgrade\r\nUpgrade: websocket\r\n")?.isUpgrade == false)
    }
}
