import EventLoop
import Foundation
import Glibc

/// A TCP relay on 127.0.0.1 to a target port, for cutting a client off from a server and
/// letting it back: `stop()` closes the listener and every relayed connection (the client sees
/// resets and refused connects), `start()` listens again on the same port. A thread per
/// connection copies both ways with poll(2), checking every 100 ms whether it must stop.
public final class TCPRelay: @unchecked Sendable {  // guarded by `lock`
    public let port: UInt16
    public let targetPort: UInt16
    private let lock = NSLock()
    private var listenFD: CInt = -1
    private var generation = 0
    private var open: Set<CInt> = []
    private var accepted = 0

    /// Connections accepted since `init`: tells a client that reuses connections from one that does not.
    public var acceptedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return accepted
    }

    public init?(to targetPort: UInt16) {
        self.targetPort = targetPort
        guard let port = freeLoopbackPort() else { return nil }
        self.port = port
        guard start() else { return nil }
    }

    deinit { stop() }

    /// Listens (again) on `port`.
    @discardableResult
    public func start() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard listenFD < 0 else { return true }
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        var one: CInt = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        let bound = SocketAddress(host: "127.0.0.1", port: port)?.withSockaddr { bind(fd, $0, $1) } ?? -1
        guard bound == 0, listen(fd, 64) == 0 else { Glibc.close(fd); return false }
        listenFD = fd
        generation += 1
        let current = generation
        Thread.detachNewThread { [self] in acceptLoop(fd, current) }
        return true
    }

    /// Closes the listener and every relayed connection.
    public func stop() {
        lock.lock()
        let fd = listenFD
        listenFD = -1
        generation += 1
        let connections = open
        open = []
        lock.unlock()
        if fd >= 0 { shutdown(fd, CInt(SHUT_RDWR)); Glibc.close(fd) }
        for connection in connections { shutdown(connection, CInt(SHUT_RDWR)) }
    }

    private func isCurrent(_ generation: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return generation == self.generation
    }

    private func acceptLoop(_ fd: CInt, _ generation: Int) {
        while isCurrent(generation) {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { if errno == EINTR { continue } else { return } }
            guard let upstream = BlockingPeer.connect(port: targetPort) else { Glibc.close(client); continue }
            let server = dup(upstream.fd)
            upstream.close()
            lock.lock()
            let current = generation == self.generation
            if current {
                open.formUnion([client, server])
                accepted += 1
            }
            lock.unlock()
            guard current else { Glibc.close(client); Glibc.close(server); return }
            Thread.detachNewThread { [self] in copy(client, server, generation) }
        }
    }

    /// Copies both ways until either side ends or the relay stops.
    private func copy(_ a: CInt, _ b: CInt, _ generation: Int) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var fds = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
        loop: while isCurrent(generation) {
            guard poll(&fds, 2, 100) >= 0 || errno == EINTR else { break }
            for (from, to) in [(0, 1), (1, 0)] where fds[from].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { recv(fds[from].fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { break loop }
                var sent = 0
                while sent < n {
                    let m = buffer.withUnsafeBytes { send(fds[to].fd, $0.baseAddress! + sent, n - sent, CInt(MSG_NOSIGNAL)) }
                    guard m > 0 else { break loop }
                    sent += m
                }
            }
        }
        lock.lock()
        open.subtract([a, b])
        lock.unlock()
        Glibc.close(a)
        Glibc.close(b)
    }
}
