/// Reads HTTP/1.1 requests off a blocking socket for the demo backend: head up to CRLFCRLF,
/// then a `Content-Length` or chunked body, which is read and discarded. Deliberately
/// simple and lenient; the proxy's own parser is the strict one.
struct HTTPRequestReader {
    struct Request {
        let head: String
        let method: String
        let target: String
        let wantsClose: Bool
    }

    private let fd: Int32
    private var pending: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> Request? {
        guard let headEnd = fill(until: { Self.find([13, 10, 13, 10], in: $0) }) else { return nil }
        let head = String(decoding: pending[0..<headEnd], as: UTF8.self)
        pending.removeFirst(headEnd + 4)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.first?.split(separator: " ") ?? []
        guard requestLine.count == 3 else { return nil }
        var contentLength = 0
        var chunked = false
        var close = requestLine[2] == "HTTP/1.0"
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces().lowercased()
            switch name {
            case "content-length": contentLength = Int(value) ?? 0
            case "transfer-encoding": chunked = value.hasSuffix("chunked")
            case "connection": close = value.contains("close") ? true : (value.contains("keep-alive") ? false : close)
            default: break
            }
        }
        if chunked {
            guard skipChunkedBody() else { return nil }
        } else if contentLength > 0 {
            guard fill(until: { $0.count >= contentLength ? contentLength : nil }) != nil else { return nil }
            pending.removeFirst(contentLength)
        }
        return Request(head: head, method: String(requestLine[0]), target: String(requestLine[1]), wantsClose: close)
    }

    private mutating func skipChunkedBody() -> Bool {
        while true {
            guard let lineEnd = fill(until: { Self.find([13, 10], in: $0) }) else { return false }
            let sizeText = String(decoding: pending[0..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            pending.removeFirst(lineEnd + 2)
            guard let size = Int(sizeText.trimmingSpaces(), radix: 16) else { return false }
            if size == 0 {  // trailers until an empty line
                while true {
                    guard let end = fill(until: { Self.find([13, 10], in: $0) }) else { return false }
                    pending.removeFirst(end + 2)
                    if end == 0 { return true }
                }
            }
            guard fill(until: { $0.count >= size + 2 ? size + 2 : nil }) != nil else { return false }
            pending.removeFirst(size + 2)
        }
    }

    /// Reads until `found` returns an offset; nil on EOF.
    private mutating func fill(until found: ([UInt8]) -> Int?) -> Int? {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if let at = found(pending) { return at }
            let n = chunk.withUnsafeMutableBytes { BlockingSocket.readSome(fd, into: $0) }
            guard let n else { return nil }
            pending.append(contentsOf: chunk[0..<n])
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
