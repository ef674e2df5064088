import Testing
@testable import HTTP1

@Suite struct ChunkedFramerTests {
    @Test(arguments: [
        "0\r\n\r\n",
        "5\r\nhello\r\n0\r\n\r\n",
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        "A\r\n0123456789\r\n0\r\n\r\n",
        "a\r\n0123456789\r\n00\r\n\r\n",
        "000005\r\nhello\r\n0\r\n\r\n",
        "5;name=value\r\nhello\r\n0;last\r\n\r\n",
        "5 ; name=\"quoted value\"\r\nhello\r\n0\r\n\r\n",
        "5\r\nhello\r\n0\r\nX-Sum: 42\r\nX-Other: a b\r\n\r\n",
        "5\r\nhe\r\nl\r\n0\r\n\r\n",       // CRLF inside data is just data
    ])
    func wellFormedBodiesEndExactlyAfterTheFinalCRLF(body: String) {
        let input = bytes(body)
        let next = bytes("GET / HTTP/1.1\r\n")
        for cuts in cutSets(length: input.count) {
            #expect(frameChunked(input + next, cuts: cuts) == .complete(consumed: input.count))
        }
    }

    @Test func incompleteBodyNeedsMoreAndConsumesEverything() {
        for prefix in ["", "5", "5\r", "5\r\nhel", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n", "0\r\nX: 1\r\n", "0\r\n\r"] {
            #expect(frameChunked(bytes(prefix)) == .needMore, "\(prefix)")
        }
    }

    @Test(arguments: [
        ("\r\n", HTTPParseError.invalidChunkSize),          // empty size
        ("g\r\n", .invalidChunkSize),
        ("-1\r\n", .invalidChunkSize),
        ("+1\r\n", .invalidChunkSize),
        ("0x5\r\n", .invalidChunkSize),
        (" 5\r\n", .invalidChunkSize),
        ("5 \r\nhello\r\n0\r\n\r\n", .invalidChunkSize),    // whitespace without an extension
        ("5\nhello\r\n0\r\n\r\n", .invalidChunkSize),       // bare LF after size
        ("5\rhello", .missingChunkCRLF),
        ("5\r\nhelloX\r\n", .missingChunkCRLF),             // data longer than the size
        ("5\r\nhello\rX", .missingChunkCRLF),
        ("5\r\nhello\n0\r\n\r\n", .missingChunkCRLF),
        ("5;a\u{01}b\r\n", .invalidChunkSize),
        ("0\r\nX: 1\n\r\n", .invalidTrailer),
        ("0\r\n X: folded\r\n\r\n", .invalidTrailer),
        ("0\r\nX: a\u{00}\r\n\r\n", .invalidTrailer),
        ("0\r\n\rX", .missingChunkCRLF),
        ("0\r\n\n", .invalidTrailer),
        ("4000000000000000\r\n", .chunkSizeOverflow),     // 2^62
        ("ffffffffffffffffff\r\n", .chunkSizeOverflow),
    ])
    func malformedBodiesAre400(body: String, error: HTTPParseError) {
        let input = bytes(body)
        for cuts in cutSets(length: input.count, randomSets: 5) {
            #expect(frameChunked(input, cuts: cuts) == .error(error))
        }
        #expect(error.status == 400)
    }

    @Test func largestChunkSizeIsAccepted() {
        #expect(frameChunked(bytes("3fffffffffffffff\r\nabc")) == .needMore)
        #expect(frameChunked(bytes("00000000000000000000003fffffffffffffff\r\n")) == .needMore)
    }

    @Test func extensionAndTrailerBounds() {
        let ext = "5;" + String(repeating: "e", count: 100) + "\r\nhello\r\n0\r\n\r\n"
        #expect(frameChunked(bytes(ext), maxExtensionLength: 100) == .complete(consumed: ext.utf8.count))
        #expect(frameChunked(bytes(ext), maxExtensionLength: 99) == .error(.chunkExtensionTooLong))
        let trailer = "0\r\nX-A: " + String(repeating: "t", count: 50) + "\r\n\r\n"
        let trailerSize = trailer.utf8.count - 3
        #expect(frameChunked(bytes(trailer), maxTrailerSize: trailerSize) == .complete(consumed: trailer.utf8.count))
        #expect(frameChunked(bytes(trailer), maxTrailerSize: trailerSize - 1) == .error(.trailersTooLarge))
    }

    @Test func largeChunkIsSkippedInOneStep() {
        let data = [UInt8](repeating: 0x61, count: 100_000)
        let body = bytes("186a0\r\n") + data + bytes("\r\n0\r\n\r\n")
        var framer = ChunkedBodyFramer()
        let r = body.withUnsafeBytes { framer.consume($0) }
        #expect(r == .complete(consumed: body.count))
        #expect(framer.isComplete)
        #expect(framer.consume(UnsafeRawBufferPointer(start: nil, count: 0)) == .complete(consumed: 0))
    }
}

@Suite struct ContentLengthAndBodyFramerTests {
    @Test func contentLengthFramerCountsDown() {
        var framer = ContentLengthFramer(length: 10)
        let six = [UInt8](repeating: 1, count: 6)
        #expect(six.withUnsafeBytes { framer.consume($0) } == .needMore(consumed: 6))
        #expect(framer.remaining == 4)
        #expect(six.withUnsafeBytes { framer.consume($0) } == .complete(consumed: 4))
        #expect(framer.isComplete)
        #expect(six.withUnsafeBytes { framer.consume($0) } == .complete(consumed: 0))
    }

    @Test func bodyFramerCoversEveryFraming() {
        let data = bytes("5\r\nhello\r\n0\r\n\r\nrest")
        var none = BodyFramer(.none)
        #expect(none.isComplete)
        #expect(data.withUnsafeBytes { none.consume($0) } == .complete(consumed: 0))
        var length = BodyFramer(.contentLength(3))
        #expect(data.withUnsafeBytes { length.consume($0) } == .complete(consumed: 3))
        let zero = BodyFramer(.contentLength(0))
        #expect(zero.isComplete)
        var chunked = BodyFramer(.chunked)
        #expect(!chunked.isComplete)
        #expect(data.withUnsafeBytes { chunked.consume($0) } == .complete(consumed: data.count - 4))
        #expect(chunked.isComplete)
        var close = BodyFramer(.untilClose)
        #expect(data.withUnsafeBytes { close.consume($0) } == .needMore(consumed: data.count))
        #expect(!close.isComplete)
    }
}
