import TestSupport
import Glibc
import Testing
@testable import EventLoop

/// `StreamConnection.start(readFirst:)`: bytes already waiting are read before any
/// readiness event, and the descriptor is watched only if reading is still wanted.
struct StreamConnectionReadFirstTests {
    private final class Box: @unchecked Sendable {  // used on the loop only
        var connection: StreamConnection?
        var readCalls = 0
        var bytes = 0
    }

    /// Starts a connection on one end of a socket pair, after `pending` bytes were written
    /// to the other end; its read handler reads once and pauses if it got bytes (a whole
    /// request). Returns (read handler calls during `start`, bytes read, descriptors watched).
    private func start(pending: Int) -> (Int, Int, Int)? {
        let loop = EventLoop()
        var fds: [CInt] = [-1, -1]
        precondition(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &fds) == 0)
        defer { _ = Glibc.close(fds[1]) }
        if pending > 0 {
            let bytes = [UInt8](repeating: 65, count: pending)
            _ = bytes.withUnsafeBytes { Glibc.write(fds[1], $0.baseAddress, $0.count) }
        }
        let box = Box()
        let fd = fds[0]
        let result = Promise<(Int, Int, Int)>()
        loop.execute {
            let connection = StreamConnection(socket: Socket(taking: fd), loop: loop)
            box.connection = connection
            connection.start(onReadable: {
                box.readCalls += 1
                var buffer = [UInt8](repeating: 0, count: 4096)
                let read = buffer.withUnsafeMutableBytes { connection.read(into: $0) }
                if case .bytes(let n) = read {
                    box.bytes += n
                    connection.pauseReading()
                }
            }, readFirst: true)
            result.fulfill((box.readCalls, box.bytes, loop.poller.registeredCount))
            connection.close()
        }
        return result.wait()
    }

    @Test func bytesAlreadyThereAreReadWithoutWatchingTheDescriptor() {
        let outcome = start(pending: 100)
        #expect(outcome?.0 == 1)
        #expect(outcome?.1 == 100)
        #expect(outcome?.2 == 0)
    }

    @Test func nothingThereYetWatchesTheDescriptor() {
        let outcome = start(pending: 0)
        #expect(outcome?.0 == 1)
        #expect(outcome?.1 == 0)
        #expect(outcome?.2 == 1)
    }
}
