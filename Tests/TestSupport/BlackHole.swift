import Foundation
import Glibc

/// A 127.0.0.1 listener that accepts every connection, reads what it is sent and never
/// answers: a server that hangs. Counts connections accepted and closed by the client, so a
/// test can see a client give up on it. `stop()` (also from `deinit`) closes everything.
public final class BlackHole: @unchecked Sendable {  // guarded by `lock`
    public let port: UInt16
    private let listener: BlockingListener
    private let lock = NSLock()
    private var stopped = false
    private var connections: [CInt] = []
    private var accepted = 0
    private var closed = 0

    public init?() {
        guard let listener = BlockingListener() else { return nil }
        self.listener = listener
        port = listener.port
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit { stop() }

    public var acceptedCount: Int { lock.lock(); defer { lock.unlock() }; return accepted }
    /// Connections the client closed (EOF or reset seen here).
    public var closedByClientCount: Int { lock.lock(); defer { lock.unlock() }; return closed }

    public func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        let open = connections
        lock.unlock()
        guard !wasStopped else { return }
        shutdown(listener.fd, CInt(SHUT_RDWR))
        listener.close()
        for fd in open { shutdown(fd, CInt(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener.fd, nil, nil)
            lock.lock()
            let done = stopped
            if fd >= 0 && !done {
                accepted += 1
                connections.append(fd)
            }
            lock.unlock()
            if done { if fd >= 0 { Glibc.close(fd) }; return }
            if fd < 0 { if errno == EINTR || errno == EAGAIN { continue } else { return } }
            Thread.detachNewThread { [self] in drain(fd) }
        }
    }

    /// Reads (and drops) until the client closes or the hole is stopped; answers nothing.
    private func drain(_ fd: CInt) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            lock.lock()
            let done = stopped
            lock.unlock()
            if done { break }
            guard poll(&pfd, 1, 100) >= 0 || errno == EINTR else { break }
            guard pfd.revents != 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 {
                lock.lock()
                if !stopped { closed += 1 }
                lock.unlock()
                break
            }
        }
        lock.lock()
        connections.removeAll { $0 == fd }
        lock.unlock()
        Glibc.close(fd)
    }
}
