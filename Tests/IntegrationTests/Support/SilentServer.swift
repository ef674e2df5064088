import DemoBackends
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Accepts connections, reads what comes, never answers: a health endpoint that hangs.
/// Counts connections; `stop()` closes the port and every connection.
final class SilentServer: Sendable {
    let port: UInt16
    private let listenFD: Int32
    private let connections = Mutex<[Int32]>([])

    init() throws {
        let (fd, bound) = try BlockingSocket.listen(port: 0)
        listenFD = fd
        port = bound
        Thread { [self] in
            for _ in 0..<10_000 {
                let conn = accept(fd, nil, nil)
                if conn < 0 { return }
                connections.withLock { $0.append(conn) }  // kept open, never read or answered
            }
        }.start()
    }

    /// Connections accepted so far.
    var accepted: Int { connections.withLock { $0.count } }

    func stop() {
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
        for fd in connections.withLock({ $0 }) { close(fd) }
    }
}
