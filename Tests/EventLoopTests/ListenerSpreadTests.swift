import Glibc
import Synchronization
import Testing
import TestSupport
@testable import EventLoop

/// A `workers` reload moves a listener onto a resized group: sockets for the new loops,
/// none left on the retired ones, the address unchanged.
@Suite(.serialized) struct ListenerSpreadTests {
    /// A blocking connection to 127.0.0.1:`port`, closed at once; false when refused.
    static func connect(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Loops that accepted, in order.
    final class Accepts: Sendable {
        private let loops = Mutex<[ObjectIdentifier]>([])
        func add(_ loop: EventLoop) { loops.withLock { $0.append(ObjectIdentifier(loop)) } }
        var count: Int { loops.withLock { $0.count } }
        func since(_ start: Int) -> Set<ObjectIdentifier> { loops.withLock { Set($0.dropFirst(start)) } }
    }

    /// Connects `n` clients and waits until all were accepted; the loops that took them.
    static func spreadOf(_ n: Int, port: UInt16, _ accepts: Accepts) -> Set<ObjectIdentifier> {
        let start = accepts.count
        for _ in 0..<n { #expect(connect(port)) }
        #expect(eventually { accepts.count == start + n })
        return accepts.since(start)
    }

    @Test func growingAddsSocketsOnTheNewLoopsAndShrinkingClosesThoseOfTheRetiredOnes() throws {
        let accepts = Accepts()
        let one = EventLoopGroup(count: 1)
        let listener = try Listener(address: SocketAddress(host: "127.0.0.1", port: 0)!, group: one) { socket, _, loop in
            accepts.add(loop)
            socket.close()
        }
        defer { listener.close() }

        let (three, added, retired) = one.resized(to: 3)
        #expect(added.count == 2 && retired.isEmpty && three.loops[0] === one.loops[0])
        let grown = Promise<Void>()
        try listener.prepareSpread(over: three.loops).apply { grown.fulfill(()) }
        #expect(grown.wait() != nil)
        #expect(listener.workers.map { ObjectIdentifier($0.loop) } == three.loops.map(ObjectIdentifier.init))
        // The kernel spreads by hash: forty connections reach more than the first loop.
        let spread = Self.spreadOf(40, port: listener.port, accepts)
        #expect(spread.count > 1 && spread.isSubset(of: Set(three.loops.map(ObjectIdentifier.init))))

        let (back, _, gone) = three.resized(to: 1)
        #expect(gone.map(ObjectIdentifier.init) == added.map(ObjectIdentifier.init))
        let shrunk = Promise<Void>()
        try listener.prepareSpread(over: back.loops).apply { shrunk.fulfill(()) }
        #expect(shrunk.wait() != nil)
        #expect(listener.workers.count == 1)
        #expect(Self.spreadOf(20, port: listener.port, accepts) == [ObjectIdentifier(one.loops[0])])
    }

    @Test func aDiscardedSpreadLeavesTheListenerAsItWasAndClosesItsSockets() throws {
        let group = EventLoopGroup(count: 1)
        let listener = try Listener(address: SocketAddress(host: "127.0.0.1", port: 0)!, group: group) { socket, _, _ in socket.close() }
        let spread = try listener.prepareSpread(over: group.resized(to: 4).group.loops)
        spread.discard()
        #expect(listener.workers.count == 1)
        let closed = Promise<Void>()
        listener.close { closed.fulfill(()) }
        #expect(closed.wait() != nil)
        // Nothing holds the address any more: a socket without SO_REUSEPORT can bind it.
        #expect(throws: Never.self) { try Listener.probeExclusive(listener.address) }
    }
}
