/// Why a head or a body could not be parsed. Every case maps to the status a server sends
/// the client (`status`); when the bytes came from an upstream, the proxy answers 502 instead.
public enum HTTPParseError: Error, Equatable, Hashable, Sendable {
    // 400: syntax
    case invalidRequestLine
    case invalidMethod
    case invalidRequestTarget
    case invalidVersion
    case invalidStatusLine
    /// A line ending in LF without CR (rejected in requests, see `HTTPParserLimits.allowsBareLF`).
    case bareLineFeed
    /// A field line starting with SP/HTAB (RFC 9112 §5.2).
    case obsoleteLineFolding
    /// Whitespace between the field name and ':' (RFC 9112 §5.1).
    case whitespaceBeforeColon
    case invalidFieldName
    case invalidFieldValue
    case missingHost
    case multipleHosts
    case invalidContentLength
    case conflictingContentLengths
    case contentLengthWithTransferEncoding
    /// A request's Transfer-Encoding whose final coding is not `chunked`, or with `chunked` twice.
    case chunkedNotFinalEncoding
    case transferEncodingInHTTP10
    case invalidChunkSize
    case chunkSizeOverflow
    case missingChunkCRLF
    case chunkExtensionTooLong
    case invalidTrailer
    case trailersTooLarge
    // 417
    case unsupportedExpectation
    // 431
    case headTooLarge
    case tooManyHeaders
    // 501
    case unknownTransferCoding
    // 505
    case unsupportedVersion

    /// The status code a server answers a client with for this error.
    public var status: Int {
        switch self {
        case .unsupportedExpectation: 417
        case .headTooLarge, .tooManyHeaders: 431
        case .unknownTransferCoding: 501
        case .unsupportedVersion: 505
        default: 400
        }
    }
}
