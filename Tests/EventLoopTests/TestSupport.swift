import Dispatch
import Foundation
import Glibc
@testable import EventLoop
import TestSupport

/// A TCP proxy built from the module's parts: Listener → Connector → TCPForwarder.
final class ProxyHarness: @unchecked Sendable {
    let group: EventLoopGroup
    let listener: Listener
    let stats: Collected<ForwardStats>
    let forwarders: Collected<TCPForwarder>
    let connectFailures: Collected<ConnectError>

    init(upstreamPort: UInt16, loops: Int = 2, options: TCPForwarder.Options = .init()) throws {
        let group = EventLoopGroup(count: loops)
        self.group = group
        let upstream = SocketAddress(host: "127.0.0.1", port: upstreamPort)!
        let stats = Collected<ForwardStats>(), forwarders = Collected<TCPForwarder>(), failures = Collected<ConnectError>()
        self.stats = stats
        self.forwarders = forwarders
        self.connectFailures = failures
        listener = try Listener(address: SocketAddress(host: "127.0.0.1", port: 0)!, group: group) { client, _, loop in
            Connector.connect(to: upstream, on: loop, timeout: .seconds(5)) { result in
                switch result {
                case .success(let server):
                    let forwarder = TCPForwarder(client: client, upstream: server, loop: loop, options: options) {
                        stats.append($0)
                    }
                    forwarders.append(forwarder)
                    forwarder.start()
                case .failure(let error):
                    failures.append(error)
                    client.close()
                }
            }
        }
    }

    var port: UInt16 { listener.port }

    /// Closes the listener and empties the loops' pools; waits until done.
    func shutdown() {
        let closed = Promise<Void>()
        listener.close { closed.fulfill(()) }
        _ = closed.wait()
        drainPools(group)
    }
}

func drainPools(_ group: EventLoopGroup) {
    for loop in group.loops {
        let done = Promise<Void>()
        loop.execute {
            loop.releasePooledResources()
            done.fulfill(())
        }
        _ = done.wait()
    }
}

