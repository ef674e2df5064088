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
        var fds: [CInt] = [-1, -1]
        try #require(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &fds) == 0)
        let server = try TLSStream.server(socket: Socket(taking: fds[0]), context: try serverContext())
        let client = try TLSStream.client(socket: Socket(taking: fds[1]),
                                          context: try TLSClientContext(caFile: pki.caCertificate, verify: true),
                                          serverName: "localhost")
        defer { client.close() }
        client.countKeyUpdates()
        var done = (server: false, client: false)
        for _ in 0..<1000 where !(done.server && done.client) {
            if !done.server { done.server = server.handshake() == .done }
            if !done.client { done.client = client.handshake() == .done }
        }
        try #require(done.server && done.client)
        let deadline = Date().addingTimeInterval(20)
        let reader = BoundedReader(client, until: deadline)
        #expect(try reader.read(0) == 0)  // the session tickets: out of the buffer before measuring it

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
        let result = Promise<T>()
        loop.execute { [self] in result.fulfill(body(self)) }
        return result.wait(seconds: 20)!
    }
}
