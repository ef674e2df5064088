import DemoBackends
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A test backend that answers one request per connection with a body of a requested
/// kind and size (`Connection: close`), for the compression rules:
/// `/text/N` text/plain with Content-Length; `/chunked/N` application/json in chunks with a
/// pause in the middle; `/close/N` text/html delimited by close; `/png/N` image/png;
/// `/encoded/N` text/plain already `Content-Encoding: br`; `/range/N` a 206 with
/// Content-Range. HEAD gets the head alone. Bodies are `ContentServer.body(N)`.
final class ContentServer: @unchecked Sendable {  // listenFD set once; threads own their fds
    let port: UInt16
    private let listenFD: Int32
    private let finished = DispatchGroup()

    init() throws {
        let (fd, port) = try BlockingSocket.listen(port: 0)
        listenFD = fd
        self.port = port
        finished.enter()
        Thread { [self] in acceptLoop() }.start()
    }

    /// Deterministic, compressible text of exactly `n` bytes.
    static func body(_ n: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(n + 64)
        var i = 0
        while out.count < n {
            out += Array("line \(i): the quick brown fox jumps over the lazy dog \(i % 97)\n".utf8)
            i += 1
        }
        return Array(out[0..<n])
    }

    private func acceptLoop() {
        defer { finished.leave() }
        for _ in 0..<10_000 {
            let fd = accept(listenFD, nil, nil)
            guard fd >= 0 else { return }
            finished.enter()
            Thread { [self] in
                serve(fd)
                close(fd)
                finished.leave()
            }.start()
        }
    }

    private func serve(_ fd: Int32) {
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !(head.count >= 4 && Array(head.suffix(4)) == [13, 10, 13, 10]) {
            guard recv(fd, &byte, 1, 0) == 1, head.count < 65536 else { return }
            head.append(byte)
        }
        let line = String(decoding: head, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = line.split(separator: " ")
        guard parts.count >= 2 else { return }
        let isHead = parts[0] == "HEAD"
        let path = parts[1].split(separator: "/").map(String.init)
        let kind = path.first ?? "health"
        let size = path.count > 1 ? Int(path[1]) ?? 0 : 0
        let body = Self.body(size)
        var fields = "Connection: close\r\n"
        var status = "200 OK"
        switch kind {
        case "chunked": fields += "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        case "close": fields += "Content-Type: text/html; charset=utf-8\r\n"
        case "png": fields += "Content-Type: image/png\r\nContent-Length: \(size)\r\n"
        case "encoded": fields += "Content-Type: text/plain\r\nContent-Encoding: br\r\nContent-Length: \(size)\r\n"
        case "range":
            status = "206 Partial Content"
            fields += "Content-Type: text/plain\r\nContent-Range: bytes 0-\(size - 1)/\(size * 2)\r\nContent-Length: \(size)\r\n"
        default: fields += "Content-Type: text/plain\r\nContent-Length: \(size)\r\n"
        }
        guard send(fd, Array("HTTP/1.1 \(status)\r\n\(fields)\r\n".utf8)), !isHead else { return }
        if kind == "chunked" {
            let half = body.count / 2
            for (index, part) in [Array(body[..<half]), Array(body[half...])].enumerated() where !part.isEmpty {
                if index == 1 { usleep(100_000) }  // the proxy sees the server pause mid-body
                guard send(fd, Array("\(String(part.count, radix: 16))\r\n".utf8) + part + [13, 10]) else { return }
            }
            _ = send(fd, Array("0\r\n\r\n".utf8))
        } else {
            _ = send(fd, body)
        }
        if kind == "close" { shutdown(fd, Int32(SHUT_WR)) }
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    func stop() {
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
        _ = finished.wait(timeout: .now() + 15)
    }
}
