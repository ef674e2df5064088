/// SPEC §3's rule for `compress on`: which responses the HTTP layer gzips. Pure.
public enum GzipPolicy {
    /// Default `compress-min-size`.
    public static let defaultMinSize = 1024

    /// Why a response is left alone, or `nil` when it should be compressed. Useful for
    /// logs and tests; `shouldCompress` is the yes/no form.
    public enum Refusal: Equatable, Sendable {
        case headRequest
        case clientDoesNotAcceptGzip
        case statusWithoutBody
        case partialContent
        case upgrade
        case alreadyEncoded
        case typeNotCompressible
        case tooSmall
    }

    /// - Parameters:
    ///   - acceptEncoding: the request's `Accept-Encoding` (all values joined by ","), nil if absent.
    ///   - contentEncoding: the response's `Content-Encoding`, nil if absent (`identity` counts as absent).
    ///   - contentType: the response's `Content-Type`, nil if absent (then not compressed).
    ///   - contentLength: the response's `Content-Length`, nil when unknown (chunked, close-delimited).
    ///   - status: the response status code.
    ///   - isRangeResponse: the response carries `Content-Range` (or answers a `Range` request).
    ///   - isUpgrade: a `101` or a `CONNECT` tunnel: bytes after the head are not a body.
    ///   - isHeadRequest: the request was `HEAD`: no body to compress.
    ///   - minSize: `compress-min-size`.
    public static func refusal(acceptEncoding: String?, contentEncoding: String?, contentType: String?,
                               contentLength: Int?, status: Int, isRangeResponse: Bool, isUpgrade: Bool,
                               isHeadRequest: Bool, minSize: Int = defaultMinSize) -> Refusal? {
        if isHeadRequest { return .headRequest }
        if isUpgrade || status == 101 { return .upgrade }
        if (100..<200).contains(status) || status == 204 || status == 304 { return .statusWithoutBody }
        if status == 206 || isRangeResponse { return .partialContent }
        if !AcceptEncoding.acceptsGzip(acceptEncoding) { return .clientDoesNotAcceptGzip }
        if let contentEncoding, !isIdentity(contentEncoding) { return .alreadyEncoded }
        if !isCompressibleType(contentType) { return .typeNotCompressible }
        if let contentLength, contentLength < minSize { return .tooSmall }
        return nil
    }

    public static func shouldCompress(acceptEncoding: String?, contentEncoding: String?, contentType: String?,
                                      contentLength: Int?, status: Int, isRangeResponse: Bool, isUpgrade: Bool,
                                      isHeadRequest: Bool, minSize: Int = defaultMinSize) -> Bool {
        refusal(acceptEncoding: acceptEncoding, contentEncoding: contentEncoding, contentType: contentType,
                contentLength: contentLength, status: status, isRangeResponse: isRangeResponse,
                isUpgrade: isUpgrade, isHeadRequest: isHeadRequest, minSize: minSize) == nil
    }

    /// text/*, JSON, XML and JavaScript, including `+json`/`+xml` structured suffixes
    /// (e.g. application/problem+json, image/svg+xml). Parameters such as charset are ignored.
    public static func isCompressibleType(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
            .trimmingSpaces().lowercased()
        let parts = mediaType.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        let type = parts[0]
        let subtype = parts[1]
        if type == "text" { return true }
        if subtype.hasSuffix("+json") || subtype.hasSuffix("+xml") { return true }
        guard type == "application" else { return false }
        return ["json", "xml", "javascript", "x-javascript", "ecmascript"].contains(subtype)
    }

    private static func isIdentity(_ contentEncoding: String) -> Bool {
        let value = Substring(contentEncoding).trimmingSpaces().lowercased()
        return value.isEmpty || value == "identity"
    }
}
