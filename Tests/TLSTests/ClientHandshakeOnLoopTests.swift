import TestSupport
import EventLoop
import Testing
@testable import TLS

/// The client side as an HTTPS health check or a `server … tls` connection will drive it:
/// Connector → TLSStream.client → TLSHandshake on an event loop.
@Suite(.serialized) struct ClientHandshakeOnLoopTests {
    let pki = CertificateFixtures.shared

    /// Connects to a TLS listener serving `pair` and handshakes on a loop; the result and
    /// (on success) the negotiated ALPN.
    private func handshake(serving pair: CertificateFixtures.Pair, context: TLSClientContext,
                           serverName: String) throws -> Result<String?, TLSError>? {
        let backend = try ThreadedBackend(.echo)
        defer { backend.stop() }
        let server = try TLSServerContext(certificateChainFile: pair.certificate, keyFile: pair.key)
        let proxy = try TLSTerminatingProxy(context: server, upstreamPort: backend.port)
        defer { proxy.shutdown() }
        let loop = EventLoop(index: 0, label: "client-handshake-test")
        let outcome = Promise<Result<String?, TLSError>>()
        Connector.connect(to: SocketAddress(host: "127.0.0.1", port: proxy.port)!, on: loop, timeout: .seconds(5)) { connected in
            guard case .success(let socket) = connected else {
                return outcome.fulfill(.failure(TLSError(.io, "connect failed")))
            }
            do throws(TLSError) {
                let stream = try TLSStream.client(socket: socket, context: context, serverName: serverName)
                TLSHandshake.start(stream, on: loop, timeout: .seconds(5)) { result in
                    outcome.fulfill(result.map { $0.negotiatedALPN })
                    stream.close()
                }
            } catch {
                socket.close()
                outcome.fulfill(.failure(error))
            }
        }
        return outcome.wait()
    }

    @Test func verifiedHandshakeOnTheLoop() throws {
        let context = try TLSClientContext(caFile: pki.caCertificate, verify: true)
        let result = try #require(try handshake(serving: pki.server, context: context, serverName: "localhost"))
        #expect(try result.get() == "http/1.1")
    }

    @Test func noALPNOfferedInTCPMode() throws {
        let context = try TLSClientContext(caFile: pki.caCertificate, verify: true, alpnProtocols: [])
        let result = try #require(try handshake(serving: pki.server, context: context, serverName: "localhost"))
        #expect(try result.get() == nil)
    }

    @Test func wrongNameFailsOnTheLoopWithAVerificationError() throws {
        let context = try TLSClientContext(caFile: pki.caCertificate, verify: true)
        let result = try #require(try handshake(serving: pki.wrongName, context: context, serverName: "localhost"))
        guard case .failure(let error) = result else { Issue.record("handshake succeeded"); return }
        #expect(error.kind == .verificationFailed)
        #expect(error.message.contains("hostname mismatch"))
    }

    @Test func unknownCAFailsOnTheLoop() throws {
        let context = try TLSClientContext(caFile: pki.otherCACertificate, verify: true)
        let result = try #require(try handshake(serving: pki.server, context: context, serverName: "localhost"))
        guard case .failure(let error) = result else { Issue.record("handshake succeeded"); return }
        #expect(error.kind == .verificationFailed)
    }
}
