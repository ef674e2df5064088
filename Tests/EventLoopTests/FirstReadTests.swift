import Glibc
import Testing
import TestSupport
@testable import EventLoop

/// A short splice read outside any event of its socket (a TCP session's first read): the
/// client's counts as emptying the socket (it waits for the answer before its FIN), the
/// upstream's does not (its answer often comes with the FIN, which the next read finds).
struct FirstReadTests {
    /// What a first read of five waiting bytes gave: the count and whether it emptied the socket.
    private func fill(sourceSide: Side) -> (Int, Bool)? {
        let loop = EventLoop()
        let result = Promise<(Int, Bool)?>()
        loop.execute {
            var fds: [CInt] = [-1, -1]
            guard socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &fds) == 0 else {
                return result.fulfill(nil)
            }
            var other: [CInt] = [-1, -1]
            guard socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &other) == 0 else {
                return result.fulfill(nil)
            }
            let source = Socket(taking: fds[0])
            let sink = Socket(taking: other[0])
            let hello = Array("hello".utf8)
            _ = hello.withUnsafeBytes { Glibc.write(fds[1], $0.baseAddress, $0.count) }
            let relay = SpliceRelay(pool: loop.pipePool, buffers: loop.bufferPool)
            let direction = Direction(
                source: source, sink: sink, sourceSide: sourceSide, sinkSide: sourceSide == .client ? .upstream : .client,
                sourceWatcher: IOWatcher(fd: fds[0], loop: loop, onReadable: {}, onWritable: {}),
                sinkWatcher: IOWatcher(fd: other[0], loop: loop, onReadable: {}, onWritable: {}),
                relay: relay, initial: [])
            let fill = try? direction.fill()
            relay.release()
            source.close()
            sink.close()
            _ = Glibc.close(fds[1])
            _ = Glibc.close(other[1])
            guard case .bytes(let n, let drained)? = fill else { return result.fulfill(nil) }
            result.fulfill((n, drained))
        }
        return result.wait() ?? nil
    }

    @Test func aClientsShortFirstReadEndsItsReads() {
        let read = fill(sourceSide: .client)
        #expect(read?.0 == 5)
        #expect(read?.1 == true)
    }

    @Test func anUpstreamsShortFirstReadReadsOnForItsFIN() {
        let read = fill(sourceSide: .upstream)
        #expect(read?.0 == 5)
        #expect(read?.1 == false)
    }
}
