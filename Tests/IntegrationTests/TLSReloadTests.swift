import struct TestSupport.CertificateFixtures
import DemoBackends
import Foundation
import Testing

/// Reload flips `tls` on a listener whose address stays the same: the port keeps
/// accepting, and new clients are spoken to as the file now says.
@Suite(.serialized) struct TLSReloadTests {
    let pki = CertificateFixtures.shared

    func config(tls: Bool, backend: UInt16) -> String {
        """
        role front {
            listen 127.0.0.1:0\(tls ? " tls" : "");
            mode http;
            tls-certificate "\(pki.serverChain)";
            tls-key "\(pki.server.key)";
            health { path /health; interval 200ms; timeout 300ms; rise 1; fall 1; }
            server primary 127.0.0.1:\(backend);
        }

        """
    }

    func curl(_ url: String, port: UInt16) throws -> String? {
        let result = try runTool("curl", ["-sS", "--max-time", "10", "--cacert", pki.caCertificate,
                                          "--resolve", "localhost:\(port):127.0.0.1", url])
        return result.status == 0 ? String(decoding: result.out, as: UTF8.self) : nil
    }

    @Test func flippingTLSOnAnUnchangedAddressTakesEffect() throws {
        let backend = DemoServer(name: "primary", kind: .http)
        try backend.start()
        defer { backend.stop() }
        let proxy = try ConfiguredProxy(config(tls: false, backend: backend.port))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("front", "primary"))
        let port = proxy.port("front")
        #expect(try curl("http://localhost:\(port)/", port: port)?.contains("served by primary") == true)

        _ = try proxy.proxy.reload(ReloadTests.configuration(config(tls: true, backend: backend.port)))
        #expect(proxy.port("front") == port)  // the same listener
        // Flipped once every loop has the certificate (a moment after the reload returns).
        #expect(eventually(timeout: 10) { (try? curl("https://localhost:\(port)/", port: port))??.contains("served by primary") == true })
        #expect(try curl("http://localhost:\(port)/", port: port) == nil)

        _ = try proxy.proxy.reload(ReloadTests.configuration(config(tls: false, backend: backend.port)))
        #expect(try curl("http://localhost:\(port)/", port: port)?.contains("served by primary") == true)
    }
}
