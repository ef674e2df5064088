#if canImport(Glibc)
import Glibc
#endif
import EventLoop
import HTTP1

/// What an upstream connection reports to the exchange that currently uses it.
protocol UpstreamOwner: AnyObject {
    func upstreamReadable()
    func upstreamWritable()
}

/// One keep-alive connection to a server: its socket, its read buffer and response parser.
/// Owned by one exchange at a time, or idle in its loop's `UpstreamPool`, where any byte
/// or EOF from the server means it is unusable and it is closed at once.
final class UpstreamConnection: StreamConnectionOwner {  // confined to the loop
    let server: String
    let stream: StreamConnection
    var buffer: IOBuffer
    var parser: HTTPResponseParser
    /// Strong while attached; cleared by `close()` and by the pool, which ends the cycle.
    var owner: UpstreamOwner?
    /// Set while pooled: the pool to leave when the server closes it.
    weak var pool: UpstreamPool?
    /// Coarse time it went idle (`HTTPPlaneState.now`).
    var idleSince: UInt64 = 0
    /// Requests it has carried: a reused connection may have been closed by the server.
    var requests = 0

    init(stream: any ByteStream, server: String, loop: EventLoop, bufferSize: Int) {
        self.server = server
        self.stream = StreamConnection(stream: stream, loop: loop)
        buffer = IOBuffer(capacity: bufferSize)
        parser = HTTPResponseParser()
        self.stream.start(owner: self)
    }

    var isClosed: Bool { stream.isClosed }

    /// Whether the server still has the connection open as far as can be told now (no EOF,
    /// no unasked bytes waiting): one `recv(MSG_PEEK)`, for requests that cannot be resent.
    var stillOpen: Bool {
        if stream.stream.hasBufferedInput { return false }
        if case .wouldBlock? = try? Syscall.peek(stream.stream.readinessDescriptor) { return true }
        return false
    }

    func connectionWritable() { owner?.upstreamWritable() }

    func connectionReadable() {
        if let owner { owner.upstreamReadable(); return }
        // Idle over TLS: a record that carries no data (a KeyUpdate, a late session
        // ticket) is taken by the read and leaves the connection usable.
        if !(stream.stream is Socket) {
            var scratch: UInt8 = 0
            let taken = withUnsafeMutableBytes(of: &scratch) { try? stream.stream.read(into: $0) }
            if case .wouldBlock? = taken { return }
        }
        // Idle: the server closed it or sent something unasked. Either way it is done.
        pool?.remove(self)
        close()
    }

    func close() {
        owner = nil
        stream.close()
    }
}
