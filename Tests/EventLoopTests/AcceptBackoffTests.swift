import TestSupport
import Glibc
import Synchronization
import SystemPackage
import Testing
@testable import EventLoop

/// EMFILE is injected through the listener's accept call: lowering RLIMIT_NOFILE would
/// affect every thread of the test process.
final class FlakyAccept: Sendable {
    private let state: Mutex<(failuresLeft: Int, calls: Int)>

    init(failures: Int) { state = Mutex((failures, 0)) }

    var callCount: Int { state.withLock { $0.calls } }

    func accept(_ fd: CInt) throws(SyscallError) -> IOResult<(CInt, SocketAddress)> {
        let fail = state.withLock { s -> Bool in
            s.calls += 1
            if s.failuresLeft > 0 { s.failuresLeft -= 1; return true }
            return false
        }
        if fail { throw SyscallError(call: "accept4", errno: .tooManyOpenFiles) }
        return try Syscall.accept(fd)
    }
}

extension IOTests {
    private func listener(_ flaky: FlakyAccept, backoff: Duration, errors: Collected<SyscallError>,
                          accepted: Collected<SocketAddress>, on loop: EventLoop = EventLoop(index: 0)) throws -> Listener {
        try Listener(
            address: SocketAddress(host: "127.0.0.1", port: 0)!, loops: [loop], backlog: 16, backoff: backoff,
            onAcceptError: { errors.append($0) },
            acceptCall: { (fd) throws(SyscallError) in try flaky.accept(fd) },
            onAccept: { socket, peer, _ in
                accepted.append(peer)
                socket.close()
            })
    }

    @Test func emfileSuspendsAcceptingInsteadOfSpinning() throws {
        let flaky = FlakyAccept(failures: .max)
        let errors = Collected<SyscallError>(), accepted = Collected<SocketAddress>()
        let loop = EventLoop(index: 0)
        let listener = try listener(flaky, backoff: .seconds(3600), errors: errors, accepted: accepted, on: loop)
        let client = try #require(BlockingPeer.connect(port: listener.port))
        #expect(eventually { errors.count == 1 })
        // Barrier: 50 turns of the listener's loop, where a spinning source would call
        // accept again on every turn (the connection is still pending).
        for _ in 0..<50 {
            let turn = Promise<Void>()
            loop.execute { turn.fulfill(()) }
            #expect(turn.wait() != nil)
        }
        #expect(flaky.callCount == 1)
        #expect(errors.all.first?.errno == .tooManyOpenFiles)
        #expect(accepted.count == 0)
        client.close()
        let closed = Promise<Void>()
        listener.close { closed.fulfill(()) }  // closing while backing off still closes
        #expect(closed.wait() != nil)
    }

    @Test func acceptingResumesAfterTheBackoff() throws {
        let flaky = FlakyAccept(failures: 1)
        let errors = Collected<SyscallError>(), accepted = Collected<SocketAddress>()
        let listener = try listener(flaky, backoff: .milliseconds(50), errors: errors, accepted: accepted)
        let client = try #require(BlockingPeer.connect(port: listener.port))
        #expect(eventually { accepted.count == 1 })
        #expect(errors.count == 1)
        #expect(client.receiveToEOF() == [])  // the accepted socket was closed by the handler
        client.close()
        let closed = Promise<Void>()
        listener.close { closed.fulfill(()) }
        #expect(closed.wait() != nil)
    }
}
