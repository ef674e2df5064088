#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// An HTTP/1.1 test backend that records exactly what it received and answers by path,
/// for the HTTP data plane's integration tests (thread per connection, blocking sockets).
///
/// Paths: `/echo-head` answers with the head it received as the body; `/chunked` answers a
/// chunked body with trailers; `/big/N/SEED` streams N seeded pseudo-random bytes
/// (`/big-chunked/N/SEED` the same, chunked);
/// `/upload` reads the body (Content-Length or chunked, honouring `Expect: 100-continue`)
/// and answers `LENGTH CHECKSUM` of the body bytes (chunk framing excluded);
/// `/slow/MS` answers after MS milliseconds; `/close-after` answers keep-alive, then closes; `/garbage` answers bytes that are not HTTP;
/// `/silent` never answers; `/hangup` closes without answering; an `Upgrade` request gets 101 and then every byte echoed.
/// `/early-hints` answers `103 Early Hints`, then the usual 200; `/big-head/N` answers a 200 whose head is N bytes
/// long (one padding field); `/many-headers/N` a 200 with N extra fields.
/// Anything else: `served by NAME`.
public final class RecordingHTTPServer: Sendable {
    public struct Request: Sendable {
        /// The head as received, up to and including the blank line.
        public let head: String
        public let method: String
        public let target: String
        /// The body as received (chunk framing and trailers included) when at most 1 MiB.
        public let rawBody: [UInt8]
        public let bodyLength: Int
        public let bodyChecksum: UInt64
        /// Which accepted connection it came on (1-based, in accept order).
        public let connection: Int
        /// When the first bytes of its head arrived, as the kernel stamped them (CLOCK_REALTIME
        /// since the epoch): not when this server's thread got around to reading them.
        public let receivedAt: Duration

        public func header(_ name: String) -> [String] {
            head.split(separator: "\r\n").dropFirst().compactMap { line in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                guard line[..<colon].lowercased() == name.lowercased() else { return nil }
                return line[line.index(after: colon)...].trimmingSpaces()
            }
        }
    }

    public let name: String
    private let state = Mutex(State())

    private struct State {
        var port: UInt16 = 0
        var listenFD: Int32 = -1
        var open: Set<Int32> = []
        var accepted = 0
        var requests: [Request] = []
        var healthy = true
        /// Connections that carried a request other than a health check and are still open.
        var openData: Set<Int> = []
    }

    public init(name: String) { self.name = name }
    deinit { stop() }

    public var port: UInt16 { state.withLock { $0.port } }
    /// Connections accepted so far.
    public var connectionsAccepted: Int { state.withLock { $0.accepted } }
    /// Every request received so far (health checks to `/health` excluded).
    public var requests: [Request] { state.withLock { $0.requests } }
    /// Open connections that carried a request other than a health check.
    public var openDataConnections: Int { state.withLock { $0.openData.count } }
    /// While false, `/health` answers 503.
    public var healthy: Bool {
        get { state.withLock { $0.healthy } }
        set { state.withLock { $0.healthy = newValue } }
    }

    public func start() throws {
        let (fd, bound) = try BlockingSocket.listen(port: port)
        state.withLock { $0.listenFD = fd; $0.port = bound }
        DetachedThread.start(stackSize: 256 * 1024) { [self] in acceptLoop(fd) }
    }

    /// A crash as the proxy sees it: connects refused, open connections reset.
    public func stop() {
        let (listener, open) = state.withLock { s -> (Int32, Set<Int32>) in
            defer { s.listenFD = -1; s.open = [] }
            return (s.listenFD, s.open)
        }
        BlockingSocket.crash(listener: listener, connections: open)
    }

    private func acceptLoop(_ listener: Int32) {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let id: Int? = state.withLock { s in
                guard s.listenFD == listener else { return nil }
                s.open.insert(fd)
                s.accepted += 1
                return s.accepted
            }
            guard let id else { close(fd); return }
            DetachedThread.start(stackSize: 512 * 1024) { [self] in
                serve(fd, connection: id)
                state.withLock { _ = $0.open.remove(fd); _ = $0.openData.remove(id) }
                close(fd)
            }
        }
    }

    private func serve(_ fd: Int32, connection: Int) {
        BlockingSocket.enableReceiveTimestamps(fd)
        var reader = RawReader(fd: fd)
        while let (head, receivedAt) = reader.readStampedHead() {
            let lines = head.split(separator: "\r\n")
            let parts = lines.first?.split(separator: " ") ?? []
            guard parts.count == 3 else { return }
            let method = String(parts[0]), target = String(parts[1])
            var fields: [(String, String)] = []
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingSpaces()))
            }
            func field(_ n: String) -> String? { fields.first { $0.0 == n }?.1 }
            if target == "/health" {
                guard reader.skipBody(fields: fields, fd: fd) else { return }
                let reply = state.withLock { $0.healthy } ? "200 OK\r\nContent-Length: 3\r\n\r\nok\n" : "503 Unavailable\r\nContent-Length: 0\r\n\r\n"
                guard BlockingSocket.writeAll(fd, Array("HTTP/1.1 \(reply)".utf8)) else { return }
                continue
            }
            if field("expect")?.lowercased() == "100-continue" {
                guard BlockingSocket.writeAll(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
            }
            guard let body = reader.readBody(fields: fields) else { return }
            let request = Request(head: head, method: method, target: target, rawBody: body.raw,
                                  bodyLength: body.checksum.count, bodyChecksum: body.checksum.digest, connection: connection,
                                  receivedAt: receivedAt)
            state.withLock { $0.requests.append(request); $0.openData.insert(connection) }
            let close = field("connection")?.lowercased().contains("close") == true
            if field("upgrade") != nil {
                let reply = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: \(field("upgrade")!)\r\n\r\n"
                guard BlockingSocket.writeAll(fd, Array(reply.utf8)) else { return }
                reader.echoRest()
                return
            }
            guard respond(fd, method: method, target: target, head: head, body: body.checksum, close: close), !close else { return }
        }
    }

    private func respond(_ fd: Int32, method: String, target: String, head: String, body: StreamChecksum, close: Bool) -> Bool {
        let connection = close ? "Connection: close\r\n" : ""
        func plain(_ text: String) -> Bool {
            let bodyPart = method == "HEAD" ? "" : text
            return BlockingSocket.writeAll(fd, Array(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(text.utf8.count)\r\n"
                + "X-Served-By: \(name)\r\nKeep-Alive: timeout=5\r\nX-Hop: drop-me\r\nConnection: X-Hop\r\n\(connection)\r\n" + bodyPart).utf8))
        }
        let path = target.split(separator: "/").map(String.init)
        switch path.first {
        case "echo-head": return plain(head)
        case "close-after": _ = plain("closing\n"); return false  // keep-alive announced, then closed
        case "upload": return plain("\(body.count) \(body.digest)")
        case "slow":
            usleep(UInt32(Int(path.count > 1 ? path[1] : "100") ?? 100) * 1000)
            return plain("served by \(name)\n")
        case "garbage": _ = BlockingSocket.writeAll(fd, Array("NOT HTTP AT ALL\r\n\r\n".utf8)); return false
        case "hangup": return false
        case "early-hints":
            let hints = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            guard BlockingSocket.writeAll(fd, Array(hints.utf8)) else { return false }
            return plain("served by \(name)\n")
        case "big-head", "many-headers":
            let n = path.count > 1 ? Int(path[1]) ?? 0 : 0
            let start = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\(connection)"
            var fields = ""
            if path[0] == "many-headers" {
                for i in 0..<n { fields += "X-Field-\(i): \(i)\r\n" }
            } else {
                // The padding makes the whole head, final CRLF included, exactly n bytes.
                let fixed = start.utf8.count + "X-Padding: \r\n\r\n".utf8.count
                fields = "X-Padding: " + String(repeating: "p", count: max(0, n - fixed)) + "\r\n"
            }
            return BlockingSocket.writeAll(fd, Array((start + fields + "\r\n" + "ok\n").utf8))
        case "silent":
            var scratch = [UInt8](repeating: 0, count: 1024)
            while scratch.withUnsafeMutableBytes({ BlockingSocket.readSome(fd, into: $0) }) != nil {}
            return false
        case "chunked":
            let chunks = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\(connection)\r\n"
                + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Checksum: abc123\r\n\r\n"
            return BlockingSocket.writeAll(fd, Array(chunks.utf8))
        case "big":
            let size = path.count > 1 ? Int(path[1]) ?? 0 : 0
            let seed = path.count > 2 ? UInt64(path[2]) ?? 1 : 1
            guard BlockingSocket.writeAll(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: \(size)\r\n\(connection)\r\n".utf8)) else { return false }
            return Self.streamSeeded(fd, size: size, seed: seed)
        case "big-chunked":
            // The same stream as /big, chunked: a body that cannot be spliced, only copied.
            let size = path.count > 1 ? Int(path[1]) ?? 0 : 0
            let seed = path.count > 2 ? UInt64(path[2]) ?? 1 : 1
            guard BlockingSocket.writeAll(fd, Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\(connection)\r\n".utf8)) else { return false }
            var blocks = SeededBlocks(seed: seed)
            var left = size
            while left > 0 {
                let ok = blocks.next { block in
                    let n = min(left, block.count)
                    left -= n
                    return BlockingSocket.writeAll(fd, Array("\(String(n, radix: 16))\r\n".utf8))
                        && BlockingSocket.writeAll(fd, UnsafeRawBufferPointer(rebasing: block[0..<n]))
                        && BlockingSocket.writeAll(fd, [13, 10])
                }
                guard ok else { return false }
            }
            return BlockingSocket.writeAll(fd, Array("0\r\n\r\n".utf8))
        default: return plain("served by \(name)\n")
        }
    }

    /// Writes `size` bytes of the `SeededBlocks` stream for `seed`.
    static func streamSeeded(_ fd: Int32, size: Int, seed: UInt64) -> Bool {
        var blocks = SeededBlocks(seed: seed)
        var left = size
        while left > 0 {
            let ok = blocks.next { block in
                let n = min(left, block.count)
                left -= n
                return BlockingSocket.writeAll(fd, UnsafeRawBufferPointer(rebasing: block[0..<n]))
            }
            guard ok else { return false }
        }
        return true
    }
}

/// A long pseudo-random stream made cheaply: one seeded 1 MiB block, repeated with each
/// copy's first 8 bytes set to its index, so lost, repeated or reordered blocks change the checksum.
public struct SeededBlocks {
    public static let blockSize = 1 << 20
    private var block: [UInt8]
    private var index: UInt64 = 0

    public init(seed: UInt64) {
        block = [UInt8](repeating: 0, count: Self.blockSize)
        var bytes = SeededBytes(seed: seed)
        block.withUnsafeMutableBytes { bytes.fill($0) }
    }

    public mutating func next<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        block.withUnsafeMutableBytes { $0.storeBytes(of: index, toByteOffset: 0, as: UInt64.self) }
        index += 1
        return block.withUnsafeBytes { body($0) }
    }
}

/// Blocking reads with a carry-over buffer, for the recording backend.
private struct RawReader {
    let fd: Int32
    private var pending: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 256 * 1024)
    /// When the first byte now in `pending` arrived.
    private var pendingArrivedAt: Duration?

    init(fd: Int32) { self.fd = fd }

    mutating func readHead() -> String? { readStampedHead()?.head }

    /// The next head and when its first bytes arrived (the kernel's stamp of the read that
    /// brought them; the wall clock when the socket gives no stamp).
    mutating func readStampedHead() -> (head: String, arrivedAt: Duration)? {
        while true {
            if let end = find([13, 10, 13, 10]) {
                let head = String(decoding: pending[0..<(end + 4)], as: UTF8.self)
                pending.removeFirst(end + 4)
                let arrivedAt = pendingArrivedAt ?? Self.wallClock()
                // What is left came with the same read (pipelined), or is nothing yet.
                if pending.isEmpty { pendingArrivedAt = nil }
                return (head, arrivedAt)
            }
            guard fill() else { return nil }
        }
    }

    private static func wallClock() -> Duration {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard pending.count >= needle.count else { return nil }
        return pending.withUnsafeBytes { p -> Int? in
            var i = 0
            while i + needle.count <= p.count {
                if p[i] == needle[0] && p[i + 1] == needle[1] && (needle.count == 2 || (p[i + 2] == needle[2] && p[i + 3] == needle[3])) {
                    return i
                }
                i += 1
            }
            return nil
        }
    }

    private mutating func fill() -> Bool {
        let read = scratch.withUnsafeMutableBytes { BlockingSocket.readSomeStamped(fd, into: $0) }
        guard let read else { return false }
        if pending.isEmpty { pendingArrivedAt = read.arrivedAt ?? Self.wallClock() }
        pending.append(contentsOf: scratch[0..<read.count])
        return true
    }

    mutating func skipBody(fields: [(String, String)], fd: Int32) -> Bool { readBody(fields: fields) != nil }

    /// Reads a Content-Length or chunked body; keeps the raw bytes when small.
    mutating func readBody(fields: [(String, String)]) -> (raw: [UInt8], checksum: StreamChecksum)? {
        var checksum = StreamChecksum()
        var raw: [UInt8] = []
        let keepLimit = 1 << 20
        if fields.contains(where: { $0.0 == "transfer-encoding" && $0.1.lowercased().hasSuffix("chunked") }) {
            while true {
                guard let sizeEnd = lineEnd() else { return nil }
                let line = Array(pending[0..<(sizeEnd + 2)])
                raw.append(contentsOf: line)
                pending.removeFirst(sizeEnd + 2)
                let sizeText = String(decoding: line.dropLast(2), as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingSpaces(), radix: 16) else { return nil }
                if size == 0 {
                    while true {
                        guard let end = lineEnd() else { return nil }
                        raw.append(contentsOf: pending[0..<(end + 2)])
                        pending.removeFirst(end + 2)
                        if end == 0 { return (raw, checksum) }
                    }
                }
                var left = size
                while left > 0 {
                    if pending.isEmpty { guard fill() else { return nil } }
                    let n = min(left, pending.count)
                    pending.withUnsafeBytes { checksum.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    if raw.count < keepLimit { raw.append(contentsOf: pending[0..<n]) }
                    pending.removeFirst(n)
                    left -= n
                }
                while pending.count < 2 { guard fill() else { return nil } }
                raw.append(contentsOf: pending[0..<2])
                pending.removeFirst(2)
            }
        }
        var left = Int(fields.first { $0.0 == "content-length" }?.1 ?? "0") ?? 0
        while left > 0 {
            if pending.isEmpty {
                // Large bodies: read straight into the scratch buffer, no carry-over copies.
                let n = scratch.withUnsafeMutableBytes { BlockingSocket.readSome(fd, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<min(left, $0.count)])) }
                guard let n else { return nil }
                scratch.withUnsafeBytes { checksum.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                if raw.count < keepLimit { raw.append(contentsOf: scratch[0..<n]) }
                left -= n
                continue
            }
            let n = min(left, pending.count)
            pending.withUnsafeBytes { checksum.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            if raw.count < keepLimit { raw.append(contentsOf: pending[0..<n]) }
            pending.removeFirst(n)
            left -= n
        }
        return (raw, checksum)
    }

    private mutating func lineEnd() -> Int? {
        while true {
            if let at = find([13, 10]) { return at }
            guard fill() else { return nil }
        }
    }

    /// Tunnel mode: every byte read goes back, the carry-over first.
    mutating func echoRest() {
        if !pending.isEmpty { guard BlockingSocket.writeAll(fd, pending) else { return } }
        pending = []
        while let n = scratch.withUnsafeMutableBytes({ BlockingSocket.readSome(fd, into: $0) }) {
            guard scratch.withUnsafeBytes({ BlockingSocket.writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) else { return }
        }
        shutdown(fd, Int32(SHUT_WR))
    }
}
