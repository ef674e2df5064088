// Test helpers shared by the test targets (not part of the product).
import Dispatch
import Foundation
import Glibc
import EventLoop

/// A value set once from any thread and awaited with a deadline, so a bug fails a test
/// instead of hanging it.
public final class Promise<T>: @unchecked Sendable {  // guarded by `lock`
    public init() {}
    private let lock = NSLock()
    private let semaphore = DispatchSemaphore(value: 0)
    private var value: T?

    public func fulfill(_ v: T) {
        lock.lock()
        let first = value == nil
        if first { value = v }
        lock.unlock()
        if first { semaphore.signal() }
    }

    public func wait(seconds: Double = 10) -> T? {
        if semaphore.wait(timeout: .now() + seconds) == .timedOut { return nil }
        semaphore.signal()  // let others wait too
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

/// A thread-safe list, for results collected by callbacks.
public final class Collected<T>: @unchecked Sendable {  // guarded by `lock`
    public init() {}
    private let lock = NSLock()
    private var items: [T] = []
    public func append(_ item: T) { lock.lock(); items.append(item); lock.unlock() }
    public var all: [T] { lock.lock(); defer { lock.unlock() }; return items }
    public var count: Int { all.count }
}

/// Polls `condition` every 10 ms for at most `seconds`.
public func eventually(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// Runs `body` on a new thread; the returned promise is fulfilled when it returns.
public func onThread(_ body: @escaping @Sendable () -> Void) -> Promise<Void> {
    let done = Promise<Void>()
    let thread = Thread {
        body()
        done.fulfill(())
    }
    thread.stackSize = 1 << 20
    thread.start()
    return done
}

public func openFileDescriptorCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}

/// The fd count once it stopped changing (two reads 50 ms apart agree; at most 1 s): loops
/// dropped by earlier tests close their epoll fd a queue turn after they go away.
public func settledFileDescriptorCount() -> Int {
    var last = openFileDescriptorCount()
    for _ in 0..<20 {
        usleep(50_000)
        let now = openFileDescriptorCount()
        if now == last { return now }
        last = now
    }
    return last
}

/// A blocking socket for test peers, with 10 s send/receive timeouts so nothing hangs.
public final class BlockingPeer: @unchecked Sendable {  // used by one thread at a time
    public private(set) var fd: CInt

    public init(fd: CInt) {
        self.fd = fd
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    public static func connect(port: UInt16, host: String = "127.0.0.1") -> BlockingPeer? {
        guard let address = SocketAddress(host: host, port: port) else { return nil }
        let fd = socket(address.family, CInt(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        let ok = address.withSockaddr { sa, len in Glibc.connect(fd, sa, len) == 0 }
        if !ok {
            Glibc.close(fd)
            return nil
        }
        return BlockingPeer(fd: fd)
    }

    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { send($0) }
    }

    @discardableResult
    public func send(_ raw: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < raw.count {
            let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// One recv: bytes, [] at EOF, nil on error/timeout.
    public func receive(max: Int = 65536) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, max, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            return Array(buffer[0..<n])
        }
    }

    /// Reads exactly `count` bytes (nil on EOF/error first).
    public func receive(exactly count: Int) -> [UInt8]? {
        var out: [UInt8] = []
        while out.count < count {
            guard let chunk = receive(max: count - out.count), !chunk.isEmpty else { return nil }
            out += chunk
        }
        return out
    }

    /// Reads until EOF; nil on error/timeout.
    public func receiveToEOF() -> [UInt8]? {
        var out: [UInt8] = []
        while true {
            guard let chunk = receive() else { return nil }
            if chunk.isEmpty { return out }
            out += chunk
        }
    }

    public func shutdownWrite() { Glibc.shutdown(fd, CInt(SHUT_WR)) }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}

/// A blocking listener on 127.0.0.1 for test backends.
public final class BlockingListener: @unchecked Sendable {
    public let fd: CInt
    public let port: UInt16

    public init?(backlog: CInt = 128) {
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        guard fd >= 0, let any = SocketAddress(host: "127.0.0.1", port: 0) else { return nil }
        self.fd = fd
        var one: CInt = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard any.withSockaddr({ sa, len in bind(fd, sa, len) }) == 0, listen(fd, backlog) == 0,
              let bound = try? Syscall.localAddress(fd) else {
            Glibc.close(fd)
            return nil
        }
        port = bound.port
    }

    /// Accepts one connection within 10 s.
    public func accept() -> BlockingPeer? {
        let c = Glibc.accept(fd, nil, nil)
        return c >= 0 ? BlockingPeer(fd: c) : nil
    }

    public func close() { Glibc.close(fd) }
}

extension BlockingListener {
    /// Connects (non-blocking, short timeout) until one attempt neither succeeds nor is
    /// refused; returns the sockets that got in (they fill the backlog) and the last outcome.
    /// On loopback a listener that never accepts, its backlog full, drops further SYNs: a
    /// connect to it then stays under way until its timeout.
    public func fillBacklog(loop: EventLoop) -> ([Socket], Result<Socket, ConnectError>?) {
        var fillers: [Socket] = []
        for _ in 0..<8 {  // bounded: a backlog of 0 holds one or two connections
            let result = Promise<Result<Socket, ConnectError>>()
            Connector.connect(to: SocketAddress(host: "127.0.0.1", port: port)!, on: loop,
                              timeout: .milliseconds(300)) { result.fulfill($0) }
            let outcome = result.wait()
            guard case .success(let socket) = outcome else { return (fillers, outcome) }
            fillers.append(socket)
        }
        return (fillers, nil)
    }
}

/// A deterministic pseudo-random byte stream of any length without holding it: a 1 MiB
/// block from a seeded xorshift, read at a different rotation for every block-sized
/// chunk, so misplaced, lost or repeated chunks all show up in a comparison.
public struct PatternStream: Sendable {
    public static let blockSize = 1 << 20
    public let block: [UInt8]

    public init(seed: UInt64) {
        var state = seed | 1
        var words = [UInt64](repeating: 0, count: Self.blockSize / 8)
        for i in words.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            words[i] = state
        }
        block = words.withUnsafeBytes { Array($0) }
    }

    /// Calls `body` with consecutive slices of the stream covering [offset, offset+count).
    public func withBytes(at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        block.withUnsafeBytes { raw in
            var position = offset
            let end = offset + count
            while position < end {
                let chunk = position / Self.blockSize
                let within = position % Self.blockSize
                let rotation = (chunk &* 7919) % Self.blockSize
                let start = (within + rotation) % Self.blockSize
                let length = min(end - position, Self.blockSize - within, Self.blockSize - start)
                body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]))
                position += length
            }
        }
    }

    /// Sends `total` bytes of the stream.
    public func send(_ total: Int, over socket: BlockingPeer) -> Bool {
        var ok = true
        var offset = 0
        while ok && offset < total {
            let n = min(256 << 10, total - offset)
            withBytes(at: offset, count: n) { if ok { ok = socket.send($0) } }
            offset += n
        }
        return ok
    }

    /// Receives until EOF and checks every byte against the stream; returns the count
    /// received, or nil on a mismatch or error.
    public func receiveAndVerify(from socket: BlockingPeer) -> Int? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while true {
            let n = Glibc.recv(socket.fd, buffer.baseAddress, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return offset }
            var matched = true
            var checked = 0
            withBytes(at: offset, count: n) { expected in
                if memcmp(expected.baseAddress!, buffer.baseAddress! + checked, expected.count) != 0 { matched = false }
                checked += expected.count
            }
            if !matched { return nil }
            offset += n
        }
    }
}
