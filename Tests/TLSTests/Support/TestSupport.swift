import Dispatch
import Foundation
import Glibc
@testable import EventLoop
import TestSupport

extension BlockingListener {
    /// Wakes a thread blocked in `accept` and closes the socket.
    func stop() {
        Glibc.shutdown(fd, CInt(SHUT_RDWR))
        close()
    }
}

extension BlockingPeer {
    /// Reads until the peer ends the connection (EOF or reset); false on a timeout.
    func receiveUntilClosed() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<10_000 {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 {
                if errno == EINTR { continue }
                return errno == ECONNRESET
            }
        }
        return false
    }
}
