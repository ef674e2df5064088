import TestSupport
import Foundation
import EventLoop
import Glibc
import Testing
@testable import TLS

/// TLS 1.3 KeyUpdate(update_requested) from the peer: OpenSSL 3.0's SSL_read only notes
/// that a reply is owed; these show the stream sends it without new application data and
/// without another record from the peer, also when the socket is full at that moment.
extension TLSStreamTests {
    /// Through the forwarder (tcp mode): the client asks for a KeyUpdate on a connection
    /// where nothing flows. Before, the reply waited for the proxy's next data to the client.
    @Test func keyUpdateReplyComesWhileTheProxyHasNothingToSend() throws {
        let backend = try #require(BlockingListener())
        defer { backend.stop() }
        let proxy = try TLSTerminatingProxy(context: try serverContext(), upstreamPort: backend.port)
        defer { proxy.shutdown() }
        let backendThread = Thread {
            guard let connection = backend.accept() else { return }
            _ = connection.receiveUntilClosed()  // silent: the proxy has nothing to send
        }
        backendThread.start()
        let client = try PollingTLSClient(port: proxy.port, context: try TLSClientContext(caFile: pki.caCertificate, verify: true),
                                          serverName: "localhost")
        client.stream.countKeyUpdates()
        #expect(try client.handshake() == .done)
        #expect(client.stream.protocolVersion == "TLSv1.3")
        guard case .processed = try client.stream.requestKeyUpdate() else { Issue.record("KeyUpdate not sent"); return }
        let deadline = Date().addingTimeInterval(5)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while client.stream.keyUpdatesReceived == 0, Date() < deadline {
            let result = try buffer.withUnsafeMutableBytes { try client.stream.read(into: $0) }
            guard case .wouldBlock = result else { Issue.record("unexpected read \(result)"); return }
            try PollingTLSClient.wait(client.stream.readinessDescriptor, events: Int16(POLLIN), until: deadline)
        }
        #expect(client.stream.keyUpdatesReceived == 1)
    }

    /// The server's send buffer is exactly full (no record of its own half-sent) when the
    /// client's KeyUpdate(update_requested) arrives: the reply cannot be written then. The
    /// client only reads from then on; the reply must arrive once its reads make room.
    /// AF_UNIX: one write is one buffer unit, taken whole or refused (EAGAIN), so "exactly
    /// full" is reproducible; TCP's accounting is not.
    @Test func keyUpdateReplyWaitingForRoomGoesOutWhenTheSocketDrains() throws {
        let (server, client) = try connectedPair()
        defer { client.close() }
        let reader = BoundedReader(client, until: Date().addingTimeInterval(20))

        let loop = EventLoop()
        let writer = OneByteWriter(server, loop: loop)
        writer.onLoop { $0.start() }
        // Measure: how many one-byte records the socket takes; the next one stays half-sent.
        let fit = writer.onLoop { $0.writeUntilBlocked() }
        try #require(fit > 1)
        #expect(try reader.read(fit + 1) == fit + 1)  // room: the held record goes too
        #expect(eventually { writer.onLoop { !$0.holding } })
        // Exactly full again, nothing held by OpenSSL.
        #expect(writer.onLoop { $0.write(count: fit) } == fit)

        guard case .processed = try client.requestKeyUpdate() else { Issue.record("KeyUpdate not sent"); return }
        // The server read it and could not answer (the case under test), or the test is void.
        try #require(eventually { writer.onLoop { $0.sawReplyStuck } })
        #expect(client.keyUpdatesReceived == 0)
        // From here on the client only reads.
        #expect(try reader.read(fit) == fit)
        #expect(try reader.read(0, keyUpdates: 1) == 0)
        #expect(client.keyUpdatesReceived == 1)
        // Both sides use their new keys.
        #expect(writer.onLoop { $0.write(count: 1) } == 1)
        #expect(try reader.read(1) == 1)
        writer.onLoop { $0.close() }
    }
}

extension TLSStreamTests {
    /// The stream alone, no driver: the read that takes the peer's KeyUpdate sends the
    /// reply (OpenSSL alone would wait for our next write).
    @Test func readThatTakesAKeyUpdateRequestSendsTheReply() throws {
        let (server, client) = try connectedPair()
        defer { server.close(); client.close() }
        guard case .processed = try client.requestKeyUpdate() else { Issue.record("KeyUpdate not sent"); return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let result = try buffer.withUnsafeMutableBytes { try server.read(into: $0) }
        guard case .wouldBlock = result else { Issue.record("unexpected read \(result)"); return }
        #expect(!server.hasPendingOutput)
        #expect(try BoundedReader(client, until: Date().addingTimeInterval(5)).read(0, keyUpdates: 1) == 0)
        #expect(client.keyUpdatesReceived == 1)
    }

    /// The forwarder's side of the full-socket case: the client's socket is exactly full of
    /// records the forwarder wrote when the client's KeyUpdate(update_requested) arrives.
    /// The client then only reads; the reply must come once its reads make room.
    @Test func forwarderSendsAKeyUpdateReplyThatWaitedForRoom() throws {
        let (server, client) = try connectedPair()
        defer { client.close() }
        let reader = BoundedReader(client, until: Date().addingTimeInterval(20))
        // Measure how many one-byte records the socket takes, then empty it again.
        var fit = 0
        while fit < 1_000_000, case .processed(1) = try [UInt8]([0x61]).withUnsafeBytes({ try server.write($0) }) { fit += 1 }
        try #require(fit > 1)
        #expect(try reader.read(fit) == fit)
        guard case .processed(1) = try [UInt8]([0x61]).withUnsafeBytes({ try server.write($0) }) else {
            Issue.record("the held record did not go"); return
        }
        #expect(try reader.read(1) == 1)

        var upstreamFDs: [CInt] = [-1, -1]
        try #require(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &upstreamFDs) == 0)
        let backend = upstreamFDs[1]
        defer { Glibc.close(backend) }
        let loop = EventLoop()
        let closed = Promise<ForwardStats>()
        let forwarder = TCPForwarder(client: server, upstream: Socket(taking: upstreamFDs[0]), loop: loop,
                                     options: .init(splice: false)) { closed.fulfill($0) }
        loop.execute { forwarder.start() }
        defer {
            forwarder.close()
            #expect(closed.wait(seconds: 10) != nil)
        }
        // Fill it again through the forwarder, one record at a time, each taken whole.
        var queued: CInt = 0
        for _ in 0..<fit {
            #expect(Glibc.write(backend, "b", 1) == 1)
            let before = queued
            #expect(eventually(seconds: 5) { _ = ioctl(client.readinessDescriptor, UInt(FIONREAD), &queued); return queued > before })
        }

        guard case .processed = try client.requestKeyUpdate() else { Issue.record("KeyUpdate not sent"); return }
        // The forwarder read it and could not answer (the case under test), or the test is void.
        try #require(eventually { onLoop(loop) { server.hasPendingOutput } })
        #expect(client.keyUpdatesReceived == 0)
        #expect(try reader.read(fit) == fit)
        #expect(try reader.read(0, keyUpdates: 1) == 0)
        #expect(client.keyUpdatesReceived == 1)
        // Reading from the client goes on (new keys both ways, reads no longer parked).
        #expect(try [UInt8]("ping".utf8).withUnsafeBytes({ try client.write($0) }) == .processed(4))
        var got = [UInt8](repeating: 0, count: 16)
        var n = 0
        #expect(eventually(seconds: 5) { n = Glibc.read(backend, &got, got.count); return n > 0 })
        #expect(Array(got[..<max(n, 0)]) == Array("ping".utf8))
    }

    /// A TLS 1.3 pair over an AF_UNIX socketpair, handshake done and the session tickets
    /// read (they would otherwise sit in the buffer the tests measure). The client counts
    /// KeyUpdates.
    func connectedPair() throws -> (server: TLSStream, client: TLSStream) {
        var fds: [CInt] = [-1, -1]
        try #require(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &fds) == 0)
        let server = try TLSStream.server(socket: Socket(taking: fds[0]), context: try serverContext())
        let client = try TLSStream.client(socket: Socket(taking: fds[1]),
                                          context: try TLSClientContext(caFile: pki.caCertificate, verify: true),
                                          serverName: "localhost")
        client.countKeyUpdates()
        var done = (server: false, client: false)
        for _ in 0..<1000 where !(done.server && done.client) {
            if !done.server { done.server = server.handshake() == .done }
            if !done.client { done.client = client.handshake() == .done }
        }
        try #require(done.server && done.client)
        try #require(client.protocolVersion == "TLSv1.3")
        #expect(try BoundedReader(client, until: Date().addingTimeInterval(5)).read(0) == 0)
        return (server, client)
    }
}

/// Runs `body` on `loop` and waits for it.
private func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) -> T {
    let result = Promise<T>()
    loop.execute { result.fulfill(body()) }
    return result.wait(seconds: 20)!
}

/// Reads a `TLSStream` on the test thread with poll(2), every wait bounded.
private struct BoundedReader {
    let stream: TLSStream
    let deadline: Date

    init(_ stream: TLSStream, until deadline: Date) {
        self.stream = stream
        self.deadline = deadline
    }

    /// Reads until `count` bytes and `keyUpdates` KeyUpdates came (or the deadline passed),
    /// then until the socket is empty; returns the bytes read.
    func read(_ count: Int, keyUpdates: Int = 0) throws -> Int {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var total = 0
        while Date() < deadline {
            let result = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            switch result {
            case .processed(0): return total
            case .processed(let n): total += n
            case .wouldBlock:
                if total >= count && stream.keyUpdatesReceived >= keyUpdates { return total }
                try PollingTLSClient.wait(stream.readinessDescriptor, events: Int16(POLLIN), until: deadline)
            }
        }
        return total
    }
}

/// The server's application on its loop: writes one-byte records through a
/// `StreamConnection`, holds the one a full socket refused and sends it on `onWritable`,
/// reads and drops the client's bytes. Confined to `loop`.
private final class OneByteWriter: @unchecked Sendable {
    let loop: EventLoop
    private let connection: StreamConnection
    /// A refused byte waits for `onWritable` (OpenSSL holds its half-sent record).
    private(set) var holding = false
    /// After a read, the stream held a KeyUpdate reply it had no room for.
    private(set) var sawReplyStuck = false

    init(_ stream: TLSStream, loop: EventLoop) {
        self.loop = loop
        connection = StreamConnection(stream: stream, loop: loop)
    }

    func start() {
        connection.start(onReadable: { [unowned self] in drainInput() }, onWritable: { [unowned self] in retry() })
    }

    /// Writes until a byte is refused (then held); returns the bytes taken.
    func writeUntilBlocked() -> Int {
        var taken = 0
        for _ in 0..<1_000_000 {
            guard writeOne() else { break }
            taken += 1
        }
        return taken
    }

    func write(count: Int) -> Int {
        var taken = 0
        while taken < count, writeOne() { taken += 1 }
        return taken
    }

    private func writeOne() -> Bool {
        guard !holding, case .written(1) = connection.write([0x61]) else {
            holding = true
            return false
        }
        return true
    }

    private func retry() {
        guard holding, case .written(1) = connection.write([0x61]) else { return }
        holding = false
    }

    private func drainInput() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<64 {
            guard case .bytes = buffer.withUnsafeMutableBytes({ connection.read(into: $0) }) else { break }
        }
        if connection.stream.hasPendingOutput { sawReplyStuck = true }
    }

    func close() { connection.close() }

    /// Runs `body` on the loop and waits for it.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (OneByteWriter) -> T) -> T {
        TLSTests.onLoop(loop) { body(self) }
    }
}
