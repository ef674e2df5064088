import TestSupport
import Dispatch
import Glibc
import Testing
@testable import EventLoop

/// One session through a ProxyHarness to a blocking backend: (client, backend) sockets.
private func session(_ proxy: ProxyHarness, _ backend: BlockingListener) throws -> (BlockingPeer, BlockingPeer) {
    let client = try #require(BlockingPeer.connect(port: proxy.port))
    let server = try #require(backend.accept())
    return (client, server)
}

extension IOTests {
    @Test(arguments: [true, false])
    func bytesBothWays(splice: Bool) throws {
        let backend = try #require(BlockingListener())
        defer { backend.close() }
        let proxy = try ProxyHarness(upstreamPort: backend.port, options: .init(splice: splice))
        defer { proxy.shutdown() }
        let (client, server) = try session(proxy, backend)
        client.send(Array("ping".utf8))
        #expect(server.receive(exactly: 4) == Array("ping".utf8))
        server.send(Array("pong!".utf8))
        #expect(client.receive(exactly: 5) == Array("pong!".utf8))
        client.close()
        #expect(server.receiveToEOF() == [])
        server.close()
        #expect(eventually { proxy.stats.count == 1 })
        let stats = try #require(proxy.stats.all.first)
        #expect(stats.bytesUp == 4)
        #expect(stats.bytesDown == 5)
        #expect(stats.reason == .completed)
        #expect(stats.spliced == splice)
    }

    @Test(arguments: [true, false])
    func clientHalfCloseReachesUpstreamWhichCanStillAnswer(splice: Bool) throws {
        let backend = try #require(BlockingListener())
        defer { backend.close() }
        let proxy = try ProxyHarness(upstreamPort: backend.port, options: .init(splice: splice))
        defer { proxy.shutdown() }
        let (client, server) = try session(proxy, backend)
        client.send(Array("request".utf8))
        client.shutdownWrite()
        #expect(server.receiveToEOF() == Array("request".utf8))
        server.send(Array("answer after EOF".utf8))
        server.close()
        #expect(client.receiveToEOF() == Array("answer after EOF".utf8))
        client.close()
        #expect(eventually { proxy.stats.count == 1 })
        #expect(proxy.stats.all.first?.reason == .completed)
    }

    @Test(arguments: [true, false])
    func upstreamHalfCloseReachesClientWhichCanStillSend(splice: Bool) throws {
        let backend = try #require(BlockingListener())
        defer { backend.close() }
        let proxy = try ProxyHarness(upstreamPort: backend.port, options: .init(splice: splice))
        defer { proxy.shutdown() }
        let (client, server) = try session(proxy, backend)
        server.send(Array("banner".utf8))
        server.shutdownWrite()
        #expect(client.receiveToEOF() == Array("banner".utf8))
        client.send(Array("late upload".utf8))
        client.close()
        #expect(server.receiveToEOF() == Array("late upload".utf8))
        server.close()
        #expect(eventually { proxy.stats.count == 1 })
        #expect(proxy.stats.all.first?.reason == .completed)
    }

    @Test func initialBytesGoFirstInBothDirections() throws {
        let backend = try #require(BlockingListener())
        defer { backend.close() }
        let options = TCPForwarder.Options(initialToUpstream: Array("HEAD ".utf8), initialToClient: Array("HELLO ".utf8))
        let proxy = try ProxyHarness(upstreamPort: backend.port, options: options)
        defer { proxy.shutdown() }
        let (client, server) = try session(proxy, backend)
        client.send(Array("body".utf8))
        client.shutdownWrite()
        #expect(server.receiveToEOF() == Array("HEAD body".utf8))
        server.send(Array("world".utf8))
        server.close()
        #expect(client.receiveToEOF() == Array("HELLO world".utf8))
        #expect(eventually { proxy.stats.count == 1 })
        #expect(proxy.stats.all.first?.bytesUp == 9)
        #expect(proxy.stats.all.first?.bytesDown == 11)
    }

    @Test(arguments: [true, false])
    func bulkBothWaysAtOnceArrivesIntact(splice: Bool) throws {
        let total = splice ? 256 << 20 : 64 << 20
        let backend = try #require(BlockingListener())
        defer { backend.close() }
        let proxy = try ProxyHarness(upstreamPort: backend.port, options: .init(splice: splice))
        defer { proxy.shutdown() }
        let (client, server) = try session(proxy, backend)
        let upStream = PatternStream(seed: 1), downStream = PatternStream(seed: 2)
        let upSender = onThread { _ = upStream.send(total, over: client); client.shutdownWrite() }
        let downSender = onThread { _ = downStream.send(total, over: server); server.shutdownWrite() }
        let upReceived = Promise<Int?>(), downReceived = Promise<Int?>()
        let upReceiver = onThread { upReceived.fulfill(upStream.receiveAndVerify(from: server)) }
        let downReceiver = onThread { downReceived.fulfill(downStream.receiveAndVerify(from: client)) }
        #expect(upReceived.wait(seconds: 120) == .some(total))
        #expect(downReceived.wait(seconds: 120) == .some(total))
        for done in [upSender, downSender, upReceiver, downReceiver] { #expect(done.wait(seconds: 30) != nil) }
        client.close()
        server.close()
        #expect(eventually { proxy.stats.count == 1 })
        let stats = try #require(proxy.stats.all.first)
        #expect(stats.bytesUp == UInt64(total))
        #expect(stats.bytesDown == UInt64(total))
        #expect(stats.reason == .completed)
    }

    @Test func idleTimeoutClosesBothSides() throws {
        let backend = try #require(BlockingListener())
        defer { backend.close() }
        let proxy = try ProxyHarness(upstreamPort: backend.port, options: .init(idleTimeout: .milliseconds(200)))
        defer { proxy.shutdown() }
        let (client, server) = try session(proxy, backend)
        client.send(Array("x".utf8))
        #expect(server.receive(exactly: 1) == Array("x".utf8))
        #expect(client.receiveToEOF() == [])
        #expect(server.receiveToEOF() == [])
        #expect(eventually { proxy.stats.count == 1 })
        #expect(proxy.stats.all.first?.reason == .idleTimeout)
        #expect(proxy.stats.all.first?.bytesUp == 1)
    }

    @Test func forceCloseFromAnotherThread() throws {
        let backend = try #require(BlockingListener())
        defer { backend.close() }
        let proxy = try ProxyHarness(upstreamPort: backend.port)
        defer { proxy.shutdown() }
        let (client, server) = try session(proxy, backend)
        client.send(Array("abc".utf8))
        #expect(server.receive(exactly: 3) == Array("abc".utf8))
        #expect(eventually { proxy.forwarders.count == 1 })
        proxy.forwarders.all.first?.close()
        #expect(client.receiveToEOF() == [])
        #expect(server.receiveToEOF() == [])
        #expect(eventually { proxy.stats.count == 1 })
        #expect(proxy.stats.all.first?.reason == .forced)
    }

    @Test func resetByUpstreamIsReportedAsAnError() throws {
        let backend = try #require(BlockingListener())
        defer { backend.close() }
        let proxy = try ProxyHarness(upstreamPort: backend.port)
        defer { proxy.shutdown() }
        let (client, server) = try session(proxy, backend)
        client.send(Array("abc".utf8))
        #expect(server.receive(exactly: 3) == Array("abc".utf8))
        var hardClose = linger(l_onoff: 1, l_linger: 0)  // close with RST
        setsockopt(server.fd, SOL_SOCKET, SO_LINGER, &hardClose, socklen_t(MemoryLayout<linger>.size))
        server.close()
        _ = client.receiveToEOF()  // EOF or reset: either way the session is gone
        #expect(eventually { proxy.stats.count == 1 })
        guard case .error(let side, let error) = proxy.stats.all.first?.reason else {
            Issue.record("expected an error, got \(String(describing: proxy.stats.all.first))")
            return
        }
        #expect(side == .upstream)
        #expect(error.errno == .connectionReset)
    }

    @Test func thousandConcurrentSessionsAllServedAndNoFdLeaks() throws {
        let echo = try EchoServer()
        defer { echo.close() }
        let proxy = try ProxyHarness(upstreamPort: echo.listener.port)
        let baseline = settledFileDescriptorCount()
        let count = 1000
        var clients: [BlockingPeer] = []
        for i in 0..<count {
            let client = try #require(BlockingPeer.connect(port: proxy.port))
            client.send(Array("session \(i);".utf8))
            clients.append(client)
        }
        // All 1,000 are open at once; now each must get its own bytes back.
        var served = 0
        for (i, client) in clients.enumerated() {
            let expected = Array("session \(i);".utf8)
            if client.receive(exactly: expected.count) == expected { served += 1 }
        }
        #expect(served == count)
        for client in clients { client.close() }
        #expect(eventually(seconds: 20) { proxy.stats.count == count })
        #expect(proxy.stats.all.allSatisfy { $0.reason == .completed })
        proxy.shutdown()
        // The listener's fds, the echo sessions' and every pipe are gone again.
        let listenerFDs = proxy.group.loops.count
        #expect(eventually(seconds: 10) { openFileDescriptorCount() <= baseline - listenerFDs })
        #expect(openFileDescriptorCount() >= baseline - listenerFDs)
    }
}
