import struct TestSupport.CertificateFixtures
import DemoBackends
import Foundation
import Testing

/// `listen … tls`: the proxy terminates TLS in both modes, as curl sees it.
@Suite(.serialized) struct TLSListenerTests {
    let pki = CertificateFixtures.shared

    func config(mode: String, backend: UInt16) -> String {
        """
        role front {
            listen 127.0.0.1:0 tls;
            mode \(mode);
            tls-certificate "\(pki.serverChain)";
            tls-key "\(pki.server.key)";
            hold 2s;
            connect-timeout 1s;
            head-timeout 5s;
            health { path /health; interval 200ms; timeout 300ms; rise 1; fall 1; }
            server primary 127.0.0.1:\(backend);
        }

        """
    }

    /// curl over TLS to the proxy; the body, or nil when curl failed.
    func curl(_ port: UInt16, path: String = "/") throws -> String? {
        let result = try runTool("curl", ["-sS", "--max-time", "10", "--cacert", pki.caCertificate,
                                          "--resolve", "localhost:\(port):127.0.0.1", "https://localhost:\(port)\(path)"])
        return result.status == 0 ? String(decoding: result.out, as: UTF8.self) : nil
    }

    @Test(arguments: ["http", "tcp"]) func curlThroughATLSListener(mode: String) throws {
        let backend = DemoServer(name: "primary", kind: .http)
        try backend.start()
        defer { backend.stop() }
        let proxy = try ConfiguredProxy(config(mode: mode, backend: backend.port))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("front", "primary"))
        let body = try curl(proxy.port("front"))
        #expect(body?.contains("served by primary") == true)
        if mode == "http" {
            #expect(backend.lastRequestHead.lowercased().contains("x-forwarded-proto: https"))
        }
    }

    @Test(arguments: ["http", "tcp"]) func plaintextToATLSPortIsClosedAndOthersAreServed(mode: String) throws {
        let backend = DemoServer(name: "primary", kind: .http)
        try backend.start()
        defer { backend.stop() }
        let proxy = try ConfiguredProxy(config(mode: mode, backend: backend.port))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("front", "primary"))
        let plain = try TestClient(port: proxy.port("front"), timeoutSeconds: 10)
        try plain.send("GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        let answer = plain.readToEnd()
        #expect(answer != nil)  // closed, not left hanging
        #expect(answer.map { !String(decoding: $0, as: UTF8.self).hasPrefix("HTTP/") } == true)
        #expect(backend.served == 0)
        // A client that is still connected in plaintext does not block TLS clients either.
        let silent = try TestClient(port: proxy.port("front"), timeoutSeconds: 10)
        #expect(try curl(proxy.port("front"))?.contains("served by primary") == true)
        #expect(try curl(proxy.port("front"))?.contains("served by primary") == true)
        _ = silent
    }
}
