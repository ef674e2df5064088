import Testing
@testable import Proxy

struct SSEParserTests {
    @Test func eventWithTypeIdAndMultiLineData() {
        var parser = SSEParser()
        let events = parser.consume(Array("event: failover\nid: 7\ndata: {\"a\":\ndata: 1}\n\n".utf8))
        #expect(events == [SSEParser.Event(type: "failover", data: "{\"a\":\n1}", id: "7")])
        #expect(parser.lastEventID == "7")
    }

    @Test func commentsAndUnknownFieldsAreIgnoredAndDefaultTypeIsMessage() {
        var parser = SSEParser()
        let events = parser.consume(Array(": keep-alive\nfoo: bar\ndata: x\n\n".utf8))
        #expect(events == [SSEParser.Event(type: "message", data: "x", id: nil)])
    }

    @Test func crlfAndBareCRLineEndings() {
        var parser = SSEParser()
        #expect(parser.consume(Array("data: a\r\n\r\ndata: b\r\rdata: c\n\n".utf8)).map(\.data) == ["a", "b", "c"])
    }

    @Test func retryIsRememberedAndAnEventWithoutDataIsNotDispatched() {
        var parser = SSEParser()
        #expect(parser.consume(Array("retry: 2500\nevent: x\n\n".utf8)) == [])
        #expect(parser.retryMilliseconds == 2500)
        _ = parser.consume(Array("retry: soon\n\n".utf8))
        #expect(parser.retryMilliseconds == 2500)
    }

    @Test func anOverlongLineIsDroppedAndTheStreamGoesOn() {
        var parser = SSEParser(maxLineLength: 64)
        let long = "data: " + String(repeating: "x", count: 1000) + "\n"
        let events = parser.consume(Array((long + "\ndata: ok\n\n").utf8))
        #expect(events.map(\.data) == ["ok"])
        #expect(parser.droppedLines == 1)
    }

    @Test func byteAtATimeGivesTheSameEventsAsAllAtOnce() {
        let text = Array("id: 1\r\nevent: failover\r\ndata: {\"type\":\"failover\"}\r\n\r\n: c\ndata: two\ndata: lines\n\n".utf8)
        var whole = SSEParser()
        let expected = whole.consume(text)
        var split = SSEParser()
        var got: [SSEParser.Event] = []
        for byte in text { got += split.consume([byte]) }
        #expect(got == expected)
        #expect(expected.count == 2)
    }
}

struct FeedEventTests {
    @Test func decodesTheProxysOwnFailoverEvent() {
        let data = #"{"type":"failover","role":"lpr","from":"primary","to":"secondary","reason":"maintenance","at":"2026-11-25T09:15:11.123Z"}"#
        #expect(FeedEvent.failover(from: data) == FeedEvent(type: "failover", role: "lpr", to: "secondary", from: "primary", reason: "maintenance"))
    }

    @Test func needsTypeRoleAndTo() {
        #expect(FeedEvent.failover(from: #"{"type":"failover","role":"lpr","to":"b"}"#) != nil)
        #expect(FeedEvent.failover(from: #"{"type":"health","role":"lpr","to":"b"}"#) == nil)
        #expect(FeedEvent.failover(from: #"{"type":"failover","to":"b"}"#) == nil)
        #expect(FeedEvent.failover(from: #"{"type":"failover","role":"lpr"}"#) == nil)
        #expect(FeedEvent.failover(from: "not json") == nil)
    }
}

struct ChunkedDecoderTests {
    @Test func decodesChunksWithExtensionsAndTrailers() throws {
        var decoder = ChunkedDecoder()
        var out: [UInt8] = []
        let body = Array("5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n".utf8)
        for byte in body { try [byte].withUnsafeBytes { try decoder.decode($0, into: &out) } }
        #expect(String(decoding: out, as: UTF8.self) == "hello world")
        #expect(decoder.isComplete)
    }

    @Test func rejectsABadSize() {
        var decoder = ChunkedDecoder()
        var out: [UInt8] = []
        #expect(throws: ChunkedDecoder.Failure.self) {
            try Array("zz\r\n".utf8).withUnsafeBytes { try decoder.decode($0, into: &out) }
        }
    }
}

struct BackoffTests {
    @Test func growsExponentiallyWithJitterAndIsCapped() {
        for failures in 1...30 {
            let d = EventFeedClient.backoff(failures: failures, retryMilliseconds: nil)
            let ceiling = min(10_000.0, 100.0 * Double(1 << min(failures - 1, 16)))
            #expect(d <= .milliseconds(Int(ceiling)))
            #expect(d >= .milliseconds(Int(ceiling / 2) - 1))
        }
        #expect(EventFeedClient.backoff(failures: 1, retryMilliseconds: 2000) >= .milliseconds(999))
    }
}

struct HealthProbeTests {
    @Test func statusLineVerdicts() {
        #expect(HealthProbe.statusVerdict(Array("HTTP/1.1 200 OK\r\n".utf8), expect: 200...399)! == (true, "HTTP 200"))
        #expect(HealthProbe.statusVerdict(Array("HTTP/1.1 503 Busy\r\n".utf8), expect: 200...399)! == (false, "HTTP 503"))
        #expect(HealthProbe.statusVerdict(Array("HTTP/1.1 200".utf8), expect: 200...399) == nil)
        #expect(HealthProbe.statusVerdict(Array("SSH-2.0-OpenSSH\r\n".utf8), expect: 200...399)! == (false, "malformed status line"))
    }
}
