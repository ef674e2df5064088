import Testing
@testable import Gzip

@Suite struct AcceptEncodingTests {
    @Test(arguments: [
        ("gzip", true),
        ("GZIP", true),
        ("x-gzip", true),
        ("deflate, gzip;q=0.5, br", true),
        ("gzip;q=0", false),
        ("gzip; q=0.000", false),
        ("gzip;q=0, *", false),          // an explicit entry wins over the wildcard
        ("*", true),
        ("*;q=0", false),
        ("br, *;q=0.1", true),
        ("identity", false),
        ("br, deflate", false),
        ("", false),
        ("gzip;q=abc", false),           // unparsable q: refuse rather than guess
        (" gzip ; q=1 ", true),
        ("gzip;level=1", true),          // unknown parameters are ignored
    ])
    func acceptsGzip(header: String, expected: Bool) {
        #expect(AcceptEncoding.acceptsGzip(header) == expected)
    }

    @Test func missingHeaderMeansNoGzip() {
        #expect(!AcceptEncoding.acceptsGzip(nil))
    }
}

@Suite struct GzipPolicyTests {
    /// A response that should be compressed; each test changes one thing.
    struct Case {
        var acceptEncoding: String? = "gzip, deflate"
        var contentEncoding: String?
        var contentType: String? = "text/html; charset=utf-8"
        var contentLength: Int? = 5000
        var status = 200
        var isRangeResponse = false
        var isUpgrade = false
        var isHeadRequest = false
        var minSize = 1024

        var refusal: GzipPolicy.Refusal? {
            GzipPolicy.refusal(acceptEncoding: acceptEncoding, contentEncoding: contentEncoding, contentType: contentType,
                               contentLength: contentLength, status: status, isRangeResponse: isRangeResponse,
                               isUpgrade: isUpgrade, isHeadRequest: isHeadRequest, minSize: minSize)
        }
        var should: Bool {
            GzipPolicy.shouldCompress(acceptEncoding: acceptEncoding, contentEncoding: contentEncoding, contentType: contentType,
                                      contentLength: contentLength, status: status, isRangeResponse: isRangeResponse,
                                      isUpgrade: isUpgrade, isHeadRequest: isHeadRequest, minSize: minSize)
        }
    }

    @Test func baselineIsCompressed() {
        #expect(Case().refusal == nil)
        #expect(Case().should)
    }

    @Test func clientMustAcceptGzip() {
        var c = Case()
        c.acceptEncoding = nil
        #expect(c.refusal == .clientDoesNotAcceptGzip)
        c.acceptEncoding = "gzip;q=0"
        #expect(c.refusal == .clientDoesNotAcceptGzip)
        c.acceptEncoding = "br"
        #expect(!c.should)
        c.acceptEncoding = "*"
        #expect(c.should)
    }

    @Test func alreadyEncodedIsLeftAlone() {
        var c = Case()
        c.contentEncoding = "br"
        #expect(c.refusal == .alreadyEncoded)
        c.contentEncoding = "gzip"
        #expect(c.refusal == .alreadyEncoded)
        c.contentEncoding = "identity"
        #expect(c.should)
    }

    @Test func rangeAndPartialContentAreLeftAlone() {
        var c = Case()
        c.status = 206
        #expect(c.refusal == .partialContent)
        c.status = 200
        c.isRangeResponse = true
        #expect(c.refusal == .partialContent)
    }

    @Test func upgradesAreLeftAlone() {
        var c = Case()
        c.isUpgrade = true
        #expect(c.refusal == .upgrade)
        c.isUpgrade = false
        c.status = 101
        #expect(c.refusal == .upgrade)
    }

    @Test(arguments: [100, 103, 204, 304])
    func statusesWithoutBodyAreLeftAlone(status: Int) {
        var c = Case()
        c.status = status
        #expect(c.refusal == .statusWithoutBody)
    }

    @Test func headRequestsAreLeftAlone() {
        var c = Case()
        c.isHeadRequest = true
        #expect(c.refusal == .headRequest)
    }

    @Test func errorStatusesWithABodyAreCompressed() {
        var c = Case()
        c.status = 404
        #expect(c.should)
        c.status = 500
        #expect(c.should)
    }

    @Test(arguments: [
        ("text/html", true), ("text/plain; charset=utf-8", true), ("TEXT/CSS", true),
        ("application/json", true), ("application/problem+json", true), ("application/json; charset=utf-8", true),
        ("application/xml", true), ("image/svg+xml", true), ("application/atom+xml", true),
        ("application/javascript", true), ("text/javascript", true),
        ("image/png", false), ("application/octet-stream", false), ("application/zip", false),
        ("video/mp4", false), ("application/jsonx", false), ("text", false), ("", false),
    ])
    func compressibleTypes(type: String, expected: Bool) {
        var c = Case()
        c.contentType = type
        #expect(c.should == expected)
        if !expected { #expect(c.refusal == .typeNotCompressible) }
    }

    @Test func missingContentTypeIsLeftAlone() {
        var c = Case()
        c.contentType = nil
        #expect(c.refusal == .typeNotCompressible)
    }

    @Test func sizeThreshold() {
        var c = Case()
        c.contentLength = 1023
        #expect(c.refusal == .tooSmall)
        c.contentLength = 1024
        #expect(c.should)
        c.contentLength = nil  // unknown length (chunked): compressed
        #expect(c.should)
        c.contentLength = 0
        #expect(c.refusal == .tooSmall)
        c.minSize = 0
        c.contentLength = 10
        #expect(c.should)
        #expect(GzipPolicy.defaultMinSize == 1024)
    }
}
