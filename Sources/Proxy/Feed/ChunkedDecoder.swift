/// Decodes a `Transfer-Encoding: chunked` body into its data, incrementally. For the event
/// feed, whose body is consumed, not forwarded (the forwarding path passes chunks through
/// verbatim with HTTP1's framer instead).
struct ChunkedDecoder: Sendable {
    enum Failure: Error { case badChunkSize, badFraming }

    private enum State: Sendable { case size, sizeExtension, sizeLF, data(Int), dataCR, dataLF, trailer, done }
    private var state: State = .size
    private var size = 0
    private var sawDigit = false
    private var trailerLineLength = 0

    private(set) var isComplete = false

    /// Appends the data bytes found in `bytes` to `output`.
    mutating func decode(_ bytes: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(Failure) {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch state {
            case .size:
                if let digit = Self.hex(b) {
                    guard size < (1 << 40) else { throw .badChunkSize }
                    size = size * 16 + digit
                    sawDigit = true
                } else if b == UInt8(ascii: ";") || b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") {
                    guard sawDigit else { throw .badChunkSize }
                    state = .sizeExtension
                } else if b == 13 {
                    guard sawDigit else { throw .badChunkSize }
                    state = .sizeLF
                } else {
                    throw .badChunkSize
                }
                i += 1
            case .sizeExtension:
                if b == 13 { state = .sizeLF }
                i += 1
            case .sizeLF:
                guard b == 10 else { throw .badFraming }
                state = size == 0 ? .trailer : .data(size)
                trailerLineLength = 0
                i += 1
            case .data(let remaining):
                let n = min(remaining, bytes.count - i)
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + n)]))
                i += n
                state = remaining == n ? .dataCR : .data(remaining - n)
            case .dataCR:
                guard b == 13 else { throw .badFraming }
                state = .dataLF
                i += 1
            case .dataLF:
                guard b == 10 else { throw .badFraming }
                state = .size
                size = 0
                sawDigit = false
                i += 1
            case .trailer:
                if b == 10 {
                    if trailerLineLength == 0 { state = .done; isComplete = true }
                    trailerLineLength = 0
                } else if b != 13 {
                    trailerLineLength += 1
                }
                i += 1
            case .done:
                return
            }
        }
    }

    private static func hex(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
