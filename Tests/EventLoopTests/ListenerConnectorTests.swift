import TestSupport
import Dispatch
import Glibc
import SystemPackage
import Testing
@testable import EventLoop

/// All I/O tests run one at a time: they compare the process's fd count.
@Suite(.serialized)
struct IOTests {}

/// An echo server made of Listener + StreamConnection.
final class EchoServer: @unchecked Sendable {
    let group: EventLoopGroup
    let listener: Listener
    let accepted = Collected<SocketAddress>()

    init(host: String = "127.0.0.1", loops: Int = 2) throws {
        group = EventLoopGroup(count: loops)
        let accepted = self.accepted
        listener = try Listener(address: SocketAddress(host: host, port: 0)!, group: group) { socket, peer, loop in
            accepted.append(peer)
            EchoSession(socket: socket, loop: loop).start()
        }
    }

    func close() {
        let done = Promise<Void>()
        listener.close { done.fulfill(()) }
        _ = done.wait()
    }
}

/// Echoes with a pending buffer and backpressure: stops reading while output is blocked.
final class EchoSession: @unchecked Sendable {  // confined to its loop
    let connection: StreamConnection
    var pending: [UInt8] = []
    var readEOF = false

    init(socket: Socket, loop: EventLoop) { connection = StreamConnection(socket: socket, loop: loop) }

    func start() {
        connection.start(onReadable: { [self] in readable() }, onWritable: { [self] in flush() })
    }

    private func readable() {
        var buffer = [UInt8](repeating: 0, count: 16384)
        for _ in 0..<8 {
            let result = buffer.withUnsafeMutableBytes { connection.read(into: $0) }
            switch result {
            case .bytes(let n):
                pending += buffer[0..<n]
                flush()
                if !pending.isEmpty { connection.pauseReading(); return }
            case .eof:
                readEOF = true
                flush()
                return
            case .wouldBlock:
                return
            case .error:
                connection.close()
                return
            }
        }
    }

    private func flush() {
        while !pending.isEmpty {
            switch connection.write(pending) {
            case .written(let n):
                pending.removeFirst(n)
                if !pending.isEmpty { return }
            case .wouldBlock:
                return
            case .error:
                connection.close()
                return
            }
        }
        if readEOF {
            connection.close()
        } else {
            connection.resumeReading()
        }
    }
}

extension IOTests {
    @Test func listenerAndConnectorEcho() throws {
        let server = try EchoServer()
        defer { server.close() }
        #expect(server.listener.port != 0)
        let group = EventLoopGroup(count: 1)
        let loop = group.next()
        let reply = Promise<[UInt8]>()
        let message = Array("hello through the loop".utf8)
        let connected = Promise<Result<Socket, ConnectError>>()
        Connector.connect(to: SocketAddress(host: "127.0.0.1", port: server.listener.port)!, on: loop, timeout: .seconds(5)) {
            result in
            connected.fulfill(result)
            guard case .success(let socket) = result else { return }
            let client = StreamConnection(socket: socket, loop: loop)
            var received: [UInt8] = []
            client.start(onReadable: {
                var buffer = [UInt8](repeating: 0, count: 1024)
                while true {
                    switch buffer.withUnsafeMutableBytes({ client.read(into: $0) }) {
                    case .bytes(let n):
                        received += buffer[0..<n]
                    case .eof, .error:
                        reply.fulfill(received)
                        client.close()
                        return
                    case .wouldBlock:
                        return
                    }
                }
            })
            #expect(client.write(message) == .written(message.count))
            #expect(client.shutdownWrite() == nil)
        }
        let result = try #require(connected.wait())
        if case .failure(let error) = result { Issue.record("connect failed: \(error)") }
        #expect(reply.wait() == message)
        #expect(server.accepted.count == 1)
        #expect(server.accepted.all.first?.host == "127.0.0.1")
    }

    @Test func ipv6ListenerEcho() throws {
        let server: EchoServer
        do { server = try EchoServer(host: "::1") } catch let error as SyscallError where error.errno == .addressNotAvailable {
            return  // no IPv6 loopback on this machine: nothing to test
        }
        defer { server.close() }
        #expect(server.listener.address.isIPv6)
        let client = try #require(BlockingPeer.connect(port: server.listener.port, host: "::1"))
        client.send(Array("six".utf8))
        #expect(client.receive(exactly: 3) == Array("six".utf8))
        client.close()
    }

    @Test func echoOfALargeStreamUsesBackpressure() throws {
        let server = try EchoServer()
        defer { server.close() }
        let client = try #require(BlockingPeer.connect(port: server.listener.port))
        let stream = PatternStream(seed: 42)
        let total = 8 << 20
        let sender = onThread {
            _ = stream.send(total, over: client)
            client.shutdownWrite()
        }
        #expect(stream.receiveAndVerify(from: client) == total)
        #expect(sender.wait() != nil)
    }

    @Test func connectRefused() throws {
        // A port that was just free: bind, read the port, close.
        let probe = try #require(BlockingListener())
        let port = probe.port
        probe.close()
        let group = EventLoopGroup(count: 1)
        let result = Promise<Result<Socket, ConnectError>>()
        Connector.connect(to: SocketAddress(host: "127.0.0.1", port: port)!, on: group.next(), timeout: .seconds(5)) {
            result.fulfill($0)
        }
        let outcome = try #require(result.wait())
        guard case .failure(let error) = outcome else {
            Issue.record("connected to a closed port")
            return
        }
        #expect(error == .refused)
    }

    @Test func connectTimesOutAgainstAFullBacklog() throws {
        // Loopback only: a listener that never accepts, with its backlog filled, drops
        // further SYNs, so a connect neither succeeds nor is refused.
        let full = try #require(BlockingListener(backlog: 0))
        defer { full.close() }
        let group = EventLoopGroup(count: 1)
        let (fillers, outcome) = full.fillBacklog(loop: group.next())
        defer { for f in fillers { f.close() } }
        guard case .failure(let error) = outcome else {
            Issue.record("backlog never filled: \(String(describing: outcome))")
            return
        }
        #expect(error == .timedOut)
    }

    @Test func connectCancelled() throws {
        let full = try #require(BlockingListener(backlog: 0))
        defer { full.close() }
        let group = EventLoopGroup(count: 1)
        let (fillers, _) = full.fillBacklog(loop: group.next())
        defer { for f in fillers { f.close() } }
        let result = Promise<Result<Socket, ConnectError>>()
        let attempt = Connector.connect(to: SocketAddress(host: "127.0.0.1", port: full.port)!, on: group.next(),
                                        timeout: .seconds(30)) { result.fulfill($0) }
        attempt.cancel()
        let outcome = try #require(result.wait())
        guard case .failure(let error) = outcome else {
            Issue.record("connected through a full backlog")
            return
        }
        #expect(error == .cancelled)
    }

    @Test func addressParsing() {
        #expect(SocketAddress(parsing: "127.0.0.1:80")?.description == "127.0.0.1:80")
        #expect(SocketAddress(parsing: "[::1]:8080")?.description == "[::1]:8080")
        #expect(SocketAddress(parsing: "localhost:1")?.description == "127.0.0.1:1")
        #expect(SocketAddress(parsing: "::1:80") == nil)
        #expect(SocketAddress(parsing: "example.com:80") == nil)
        #expect(SocketAddress(parsing: "1.2.3.4") == nil)
    }

    @Test func socketRefusesUseAfterClose() throws {
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        let owner = Socket(taking: fd)
        owner.close()
        #expect(!owner.isOpen)
        owner.close()  // a second close does nothing
        var byte: UInt8 = 0
        #expect(throws: SyscallError(call: "read", errno: .badFileDescriptor)) {
            _ = try withUnsafeMutableBytes(of: &byte) { try owner.read(into: $0) }
        }
    }

    @Test func timerFiresOnLoopAndCancelPreventsIt() {
        let loop = EventLoop()
        let fired = Promise<Bool>()
        loop.scheduleTimer(after: .milliseconds(10)) { fired.fulfill(loop.inEventLoop) }
        #expect(fired.wait() == true)
        let cancelled = Promise<Void>()
        let handle = loop.scheduleTimer(after: .milliseconds(50)) { cancelled.fulfill(()) }
        handle.cancel()
        #expect(cancelled.wait(seconds: 0.3) == nil)
    }

    @Test func groupHandsOutLoopsRoundRobin() {
        let group = EventLoopGroup(count: 3)
        let picked = (0..<6).map { _ in group.next().index }
        #expect(picked == [0, 1, 2, 0, 1, 2])
        #expect(EventLoopGroup(workers: .auto).loops.count >= 1)
        #expect(Workers.count(4).resolved == 4)
    }
}
