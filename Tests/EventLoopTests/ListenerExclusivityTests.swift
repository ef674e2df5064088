import Glibc
import SystemPackage
import Testing
import TestSupport
@testable import EventLoop

/// SO_REUSEPORT must not let a second listener take over an address silently.
@Suite(.serialized) struct ListenerExclusivityTests {
    @Test func aSecondListenerOnTheSameAddressIsRefused() throws {
        let group = EventLoopGroup(count: 2)
        let first = try Listener(address: SocketAddress(host: "127.0.0.1", port: 0)!, group: group) { socket, _, _ in socket.close() }
        defer { first.close() }
        #expect {
            _ = try Listener(address: SocketAddress(host: "127.0.0.1", port: first.port)!, group: group) { socket, _, _ in socket.close() }
        } throws: { error in
            (error as? SyscallError)?.errno == .addressInUse
        }
    }

    @Test func anAddressHeldByAnotherSocketIsRefused() throws {
        let other = try #require(BlockingListener())
        defer { other.close() }
        let group = EventLoopGroup(count: 1)
        #expect {
            _ = try Listener(address: SocketAddress(host: "127.0.0.1", port: other.port)!, group: group) { socket, _, _ in socket.close() }
        } throws: { error in
            (error as? SyscallError)?.errno == .addressInUse
        }
    }
}
