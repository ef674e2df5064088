import TestSupport
import Glibc
import Testing
@testable import EventLoop

/// `StreamConnection.start(owner:)` holds its owner strongly (a weak reference would give
/// the owner a side table, slowing every retain of it) until `close` or `detach` end the
/// cycle: an owner that keeps its connection, as HTTP sessions do, is freed after either.
struct StreamConnectionOwnerTests {
    private final class Owner: StreamConnectionOwner {  // used on the loop only
        var connection: StreamConnection?
        func connectionReadable() {}
        func connectionWritable() {}
    }

    private final class WeakOwner: @unchecked Sendable {  // written on the loop, read after
        weak var value: Owner?
    }

    /// Starts an owned connection, ends it with `end`, and says whether the owner is gone.
    private func ownerFreed(after end: @escaping @Sendable (StreamConnection) -> Void) -> Bool? {
        let loop = EventLoop()
        var fds: [CInt] = [-1, -1]
        precondition(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &fds) == 0)
        defer { _ = Glibc.close(fds[1]) }
        let fd = fds[0]
        let weakOwner = WeakOwner()
        let started = Promise<Bool>()
        loop.execute {
            let owner = Owner()
            let connection = StreamConnection(socket: Socket(taking: fd), loop: loop)
            owner.connection = connection  // the cycle: owner -> connection -> owner
            weakOwner.value = owner
            connection.start(owner: owner)
            started.fulfill(true)
        }
        guard started.wait() == true else { return nil }
        let ended = Promise<Bool>()
        loop.execute {
            if let connection = weakOwner.value?.connection { end(connection) }
        }
        // Released by the next turn of the loop at the latest (detach's body runs at once).
        loop.execute { ended.fulfill(weakOwner.value == nil) }
        return ended.wait()
    }

    @Test func closeReleasesTheOwner() {
        #expect(ownerFreed { $0.close() } == true)
    }

    @Test func detachReleasesTheOwner() {
        #expect(ownerFreed { $0.detach { $0.close() } } == true)
    }

    @Test func anOpenConnectionKeepsItsOwner() {
        #expect(ownerFreed { _ in } == false)
    }
}
