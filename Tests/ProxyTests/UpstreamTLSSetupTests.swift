import DemoBackends
import EventLoop
import TestSupport
import Testing
import TLS
@testable import Proxy

/// A TLS connection to a server that cannot even be set up (SSL_new out of memory, or an SNI
/// name OpenSSL refuses) has sent nothing to the server: the proxy's own failure, reported as
/// a local shortage (no retry elsewhere, no passive failure of the server).
@Suite(.serialized) struct UpstreamTLSSetupTests {
    @Test func aTLSSetupFailureIsALocalShortageNotTheServers() throws {
        let server = DemoServer(name: "plain", kind: .tcp)
        try server.start()
        defer { server.stop() }
        let loop = EventLoop(index: 0, label: "upstream-tls-setup-test")
        // OpenSSL refuses an SNI name over 255 bytes while setting up, before any byte is sent.
        let tls = UpstreamTLS(context: try TLSClientContext(caFile: nil, verify: false),
                              serverName: String(repeating: "a", count: 300))
        let outcome = Promise<UpstreamConnectError?>()
        _ = UpstreamConnect.start(to: SocketAddress(host: "127.0.0.1", port: server.port)!, tls: tls, on: loop,
                                  timeout: .seconds(5)) { result in
            switch result {
            case .success(let stream):
                stream.close()
                outcome.fulfill(nil)
            case .failure(let error): outcome.fulfill(error)
            }
        }
        let answered = try #require(outcome.wait(), "no answer from the connect")
        let error = try #require(answered, "the TLS setup succeeded")
        #expect(error.localShortage?.errno == .noMemory, "\(error)")
    }
}
