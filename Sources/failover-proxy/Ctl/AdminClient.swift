#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
import Proxy
#endif

/// A small blocking HTTP/1.1 client for `ctl`: one request per connection
/// (`Connection: close`), over plain sockets. Foundation's URLSession needs
/// FoundationNetworking on Linux, which a statically linked CLI should not pull in.
struct AdminClient {
    struct Response {
        let status: Int
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let host: String
    let port: UInt16
    let token: String?
    /// Seconds a connect or a read may wait; nil: forever (`ctl events`).
    var timeoutSeconds: Int? = 10

    var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    func request(_ method: String, _ path: String, json: String? = nil) throws(Failure) -> Response {
        let fd = try connect()
        defer { close(fd) }
        try send(fd, head(method, path, body: json))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Failure(description: "no answer from the admin API at \(address): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        return try Self.parse(bytes, from: address)
    }

    /// Sends a GET and hands every chunk of the body to `body` as it arrives (an SSE
    /// stream); returns when the server closes. A non-200 answer is thrown with its message.
    func stream(_ path: String, body: ([UInt8]) -> Void) throws(Failure) {
        let fd = try connect()
        defer { close(fd) }
        try send(fd, head("GET", path, body: nil, accept: "text/event-stream"))
        var pending: [UInt8] = []
        var headEnd: Int?
        var buffer = [UInt8](repeating: 0, count: 16384)
        var decoder = ChunkedReader()
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if headEnd != nil {
                body(decoder.feed(buffer[0..<n]))
                continue
            }
            pending += buffer[0..<n]
            guard let end = Self.headEnd(pending) else { continue }
            headEnd = end
            let head = String(decoding: pending[..<end], as: UTF8.self)
            guard Self.status(head) == 200 else {
                _ = try? readRest(fd, into: &pending)
                throw Self.error(try Self.parse(pending, from: address))
            }
            decoder.chunked = head.lowercased().contains("transfer-encoding: chunked")
            body(decoder.feed(pending[(end + 4)...]))
        }
    }

    // MARK: steps

    private func head(_ method: String, _ path: String, body: String?, accept: String = "application/json") -> [UInt8] {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(address)\r\nAccept: \(accept)\r\nUser-Agent: failover-proxy-ctl\r\n"
        if let token { text += "Authorization: Bearer \(token)\r\n" }
        if let body {
            text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        }
        text += "Connection: close\r\n\r\n" + (body ?? "")
        return Array(text.utf8)
    }

    private func connect() throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw Failure(description: "cannot resolve admin host '\(host)': \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = 0
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.pointee.ai_protocol)
            guard fd >= 0 else { lastError = errno; continue }
            if let timeoutSeconds {
                var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            }
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
            lastError = errno
            close(fd)
        }
        throw Failure(description: "cannot connect to the admin API at \(address): \(String(cString: strerror(lastError)))")
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw Failure(description: "cannot send to the admin API at \(address): \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    private func readRest(_ fd: Int32, into bytes: inout [UInt8]) throws {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            bytes += buffer[0..<n]
        }
    }

    // MARK: parsing (pure)

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    static func status(_ head: String) -> Int? {
        let parts = head.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else { return nil }
        return Int(parts[1])
    }

    /// A whole response read to the end of the connection; the body cut to `Content-Length`
    /// or de-chunked.
    static func parse(_ bytes: [UInt8], from address: String) throws(Failure) -> Response {
        guard let end = headEnd(bytes), let status = status(String(decoding: bytes[..<end], as: UTF8.self)) else {
            throw Failure(description: "the admin API at \(address) did not answer in HTTP")
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        var body = Array(bytes[(end + 4)...])
        if head.contains("transfer-encoding: chunked") {
            var reader = ChunkedReader()
            reader.chunked = true
            body = reader.feed(body[...])
        } else if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                  let length = Int(line.dropFirst("content-length:".count).trimmedWhitespace),
                  length <= body.count {
            body = Array(body[..<length])
        }
        return Response(status: status, body: body)
    }

    /// The API's `{"error": "..."}` as a failure naming the status.
    static func error(_ response: Response) -> Failure {
        Failure(description: "\(CtlJSON.errorMessage(response.body) ?? response.text) (\(response.status))")
    }
}

/// Undoes `Transfer-Encoding: chunked` on bytes as they arrive; passes bytes through otherwise.
struct ChunkedReader {
    var chunked = false
    private var pending: [UInt8] = []
    private var remaining = 0  // bytes left in the current chunk, then its CRLF
    private var skipCRLF = 0

    mutating func feed(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        guard chunked else { return Array(bytes) }
        pending += bytes
        var out: [UInt8] = []
        var i = 0
        while i < pending.count {
            if skipCRLF > 0 {
                skipCRLF -= 1
                i += 1
            } else if remaining > 0 {
                let take = min(remaining, pending.count - i)
                out += pending[i..<(i + take)]
                i += take
                remaining -= take
                if remaining == 0 { skipCRLF = 2 }
            } else {
                guard let lf = pending[i...].firstIndex(of: 10) else { break }
                let line = String(decoding: pending[i..<lf], as: UTF8.self)
                let size = Int(line.split(separator: ";").first?.trimmedWhitespace ?? "", radix: 16) ?? 0
                i = lf + 1
                remaining = size
                if size == 0 { skipCRLF = 2 }
            }
        }
        pending = Array(pending[i...])
        return out
    }
}
