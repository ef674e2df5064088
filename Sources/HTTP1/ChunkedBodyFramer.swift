/// Scans a chunked body (RFC 9112 §7.1) without copying it: tells how many bytes belong to
/// the message and when the last chunk, trailers and final CRLF have passed. Accepts input
/// split anywhere, down to one byte at a time. Line endings must be CRLF: a bare LF read
/// differently upstream would be a smuggling vector.
public struct ChunkedBodyFramer: Equatable, Hashable, Sendable {
    /// Largest chunk size accepted is 2^62 - 1.
    public static let maxChunkSize: UInt64 = (1 << 62) - 1

    private enum State: UInt8, Equatable, Hashable, Sendable {
        case sizeDigits, sizeWhitespace, extensionBytes, sizeLF
        case data, dataCR, dataLF
        case trailerLineStart, trailerLine, trailerLF, finalLF
        case done
    }

    private var state: State = .sizeDigits
    private var size: UInt64 = 0
    private var digits = 0
    /// Data bytes left in the current chunk.
    private var remaining: UInt64 = 0
    private var extensionLength = 0
    private var trailerSize = 0

    /// Longest chunk extension (bytes after the size, per chunk line).
    public let maxExtensionLength: Int
    /// Largest trailer section: all trailer lines and the final CRLF.
    public let maxTrailerSize: Int

    public init(maxExtensionLength: Int = 4096, maxTrailerSize: Int = 16 * 1024) {
        self.maxExtensionLength = maxExtensionLength
        self.maxTrailerSize = maxTrailerSize
    }

    public var isComplete: Bool { state == .done }

    public mutating func consume(_ bytes: UnsafeRawBufferPointer) -> BodyFrameResult {
        var i = 0
        let n = bytes.count
        while i < n {
            if state == .data {
                // Bulk skip over chunk data: the hot path for large bodies.
                let take = Int(min(remaining, UInt64(n - i)))
                i += take
                remaining -= UInt64(take)
                if remaining == 0 { state = .dataCR }
                continue
            }
            if let error = step(bytes[i]) { return .error(error) }
            i += 1
            if state == .done { return .complete(consumed: i) }
        }
        return state == .done ? .complete(consumed: 0) : .needMore(consumed: n)
    }

    private mutating func step(_ c: UInt8) -> HTTPParseError? {
        switch state {
        case .sizeDigits:
            if let v = ByteClass.hexValue(c) {
                // size < 2^58 before the shift keeps the result < 2^62.
                if size >= 1 << 58 { return .chunkSizeOverflow }
                size = size << 4 | UInt64(v)
                digits += 1
                return nil
            }
            guard digits > 0 else { return .invalidChunkSize }
            switch c {
            case ByteClass.cr: state = .sizeLF
            case ByteClass.semicolon: state = .extensionBytes; extensionLength = 0
            case ByteClass.sp, ByteClass.htab: state = .sizeWhitespace; extensionLength = 0
            default: return .invalidChunkSize
            }
        case .sizeWhitespace:
            // BWS before ';' only: "1 \r\n" is not a valid chunk line.
            extensionLength += 1
            if extensionLength > maxExtensionLength { return .chunkExtensionTooLong }
            if c == ByteClass.semicolon { state = .extensionBytes }
            else if !ByteClass.isOWS(c) { return .invalidChunkSize }
        case .extensionBytes:
            if c == ByteClass.cr { state = .sizeLF; return nil }
            if ByteClass.isForbiddenInValue(c) { return .invalidChunkSize }
            extensionLength += 1
            if extensionLength > maxExtensionLength { return .chunkExtensionTooLong }
        case .sizeLF:
            guard c == ByteClass.lf else { return .missingChunkCRLF }
            if size == 0 {
                state = .trailerLineStart
            } else {
                remaining = size
                state = .data
            }
            size = 0
            digits = 0
        case .data:
            preconditionFailure("data is skipped in bulk")
        case .dataCR:
            guard c == ByteClass.cr else { return .missingChunkCRLF }
            state = .dataLF
        case .dataLF:
            guard c == ByteClass.lf else { return .missingChunkCRLF }
            state = .sizeDigits
        case .trailerLineStart:
            if let e = countTrailerByte() { return e }
            if c == ByteClass.cr { state = .finalLF }
            else if ByteClass.isTChar(c) { state = .trailerLine }
            else { return .invalidTrailer }
        case .trailerLine:
            if let e = countTrailerByte() { return e }
            if c == ByteClass.cr { state = .trailerLF }
            else if ByteClass.isForbiddenInValue(c) { return .invalidTrailer }
        case .trailerLF:
            if let e = countTrailerByte() { return e }
            guard c == ByteClass.lf else { return .invalidTrailer }
            state = .trailerLineStart
        case .finalLF:
            if let e = countTrailerByte() { return e }
            guard c == ByteClass.lf else { return .missingChunkCRLF }
            state = .done
        case .done:
            break
        }
        return nil
    }

    private mutating func countTrailerByte() -> HTTPParseError? {
        trailerSize += 1
        return trailerSize > maxTrailerSize ? .trailersTooLarge : nil
    }
}
