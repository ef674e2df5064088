import TestSupport
import EventLoop
import TLS

/// A TLS-terminating TCP proxy made of the modules' parts, as the data plane will plug
/// them: Listener → TLSStream.server → TLSHandshake → Connector → TCPForwarder (copying
/// path: one end is TLS) → a plain backend.
final class TLSTerminatingProxy: @unchecked Sendable {
    struct Handshake: Sendable {
        let version: String?
        let alpn: String?
        let resumed: Bool
    }

    let group = EventLoopGroup(count: 1)
    let listener: Listener
    let handshakes = Collected<Handshake>()
    let handshakeFailures = Collected<TLSError>()
    let stats = Collected<ForwardStats>()

    init(context: TLSServerContext, upstreamPort: UInt16, handshakeTimeout: Duration = .seconds(10)) throws {
        let upstream = SocketAddress(host: "127.0.0.1", port: upstreamPort)!
        let handshakes = handshakes, failures = handshakeFailures, stats = stats
        listener = try Listener(address: SocketAddress(host: "127.0.0.1", port: 0)!, group: group) { socket, _, loop in
            let stream: TLSStream
            do throws(TLSError) {
                stream = try TLSStream.server(socket: socket, context: context)
            } catch {
                failures.append(error)
                socket.close()
                return
            }
            TLSHandshake.start(stream, on: loop, timeout: handshakeTimeout) { result in
                switch result {
                case .failure(let error):
                    failures.append(error)
                    stream.close()
                case .success(let tls):
                    handshakes.append(Handshake(version: tls.protocolVersion, alpn: tls.negotiatedALPN, resumed: tls.sessionReused))
                    Connector.connect(to: upstream, on: loop, timeout: .seconds(5)) { connected in
                        switch connected {
                        case .failure:
                            tls.close()
                        case .success(let server):
                            TCPForwarder(client: tls, upstream: server, loop: loop, options: .init(splice: false)) {
                                stats.append($0)
                            }.start()
                        }
                    }
                }
            }
        }
    }

    var port: UInt16 { listener.port }

    func shutdown() {
        let closed = Promise<Void>()
        listener.close { closed.fulfill(()) }
        _ = closed.wait()
        for loop in group.loops {
            let done = Promise<Void>()
            loop.execute {
                loop.releasePooledResources()
                done.fulfill(())
            }
            _ = done.wait()
        }
    }
}
