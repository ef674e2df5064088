import struct TestSupport.CertificateFixtures
import DemoBackends
import Foundation
import Testing

/// The executable with TLS files: `check` reports problems at their config line; `run`
/// serves TLS and picks up new certificates on SIGHUP, keeping the old ones when the new
/// files do not load.
@Suite(.serialized) struct TLSCommandTests {
    let pki = CertificateFixtures.shared

    func copy(_ source: String, to dir: TemporaryDirectory, as name: String) throws {
        _ = try dir.write(name, try String(contentsOfFile: source, encoding: .utf8))
    }

    func checkConfig(certificate: String, key: String) -> String {
        """
        role r {
            listen 127.0.0.1:1 tls;
            tls-certificate \(certificate);
            tls-key \(key);
            server a 127.0.0.1:2;
            server b 127.0.0.1:3;
        }

        """
    }

    @Test func validFilesAreOk() throws {
        let dir = try TemporaryDirectory()
        try copy(pki.serverChain, to: dir, as: "cert.pem")
        try copy(pki.server.key, to: dir, as: "key.pem")
        _ = try dir.write("tls.conf", checkConfig(certificate: "cert.pem", key: "key.pem"))
        let (code, out, err) = try ProxyProcess.run(["check", "--config", "tls.conf"], currentDirectory: dir.url)
        #expect(code == 0)
        #expect(err == "")
        #expect(out == "tls.conf: ok: 1 role(s), 0 warning(s)\n")
    }

    @Test func missingKeyIsAnErrorAtTheKeyLine() throws {
        let dir = try TemporaryDirectory()
        try copy(pki.serverChain, to: dir, as: "cert.pem")
        _ = try dir.write("tls.conf", checkConfig(certificate: "cert.pem", key: "missing.key"))
        let (code, _, err) = try ProxyProcess.run(["check", "--config", "tls.conf"], currentDirectory: dir.url)
        #expect(code == 1)
        #expect(err.hasPrefix("tls.conf:4:13: error: "))
        #expect(err.contains("missing.key"))
    }

    @Test func keyNotMatchingTheCertificateIsAnError() throws {
        let dir = try TemporaryDirectory()
        try copy(pki.serverChain, to: dir, as: "cert.pem")
        try copy(pki.otherKey, to: dir, as: "other.key")
        _ = try dir.write("tls.conf", checkConfig(certificate: "cert.pem", key: "other.key"))
        let (code, _, err) = try ProxyProcess.run(["check", "--config", "tls.conf"], currentDirectory: dir.url)
        #expect(code == 1)
        #expect(err.contains("error:"))
        #expect(err.contains("tls.conf:4:"))
    }

    @Test func expiredCertificateIsAWarning() throws {
        let dir = try TemporaryDirectory()
        try copy(pki.expired.certificate, to: dir, as: "cert.pem")
        try copy(pki.expired.key, to: dir, as: "key.pem")
        _ = try dir.write("tls.conf", checkConfig(certificate: "cert.pem", key: "key.pem"))
        let (code, out, err) = try ProxyProcess.run(["check", "--config", "tls.conf"], currentDirectory: dir.url)
        #expect(code == 0)
        #expect(err.hasPrefix("tls.conf:3:21: warning: "))
        #expect(err.contains("expired"))
        #expect(out == "tls.conf: ok: 1 role(s), 1 warning(s)\n")
    }

    func curl(_ port: UInt16, ca: String) throws -> Bool {
        let result = try runTool("curl", ["-sS", "--max-time", "5", "--cacert", ca,
                                          "--resolve", "localhost:\(port):127.0.0.1", "https://localhost:\(port)/"])
        return result.status == 0 && String(decoding: result.out, as: UTF8.self).contains("served by primary")
    }

    @Test func sighupReloadsCertificatesAndKeepsTheOldOnesWhenTheNewDoNotLoad() throws {
        let web = DemoServer(name: "primary", kind: .http)
        try web.start()
        defer { web.stop() }
        let files = try TemporaryDirectory()  // written before the proxy starts reading them
        try copy(pki.serverChain, to: files, as: "cert.pem")
        try copy(pki.server.key, to: files, as: "key.pem")
        let config = """
            role web {
                listen 127.0.0.1:0 tls;
                mode http;
                tls-certificate "\(files.url.path)/cert.pem";
                tls-key "\(files.url.path)/key.pem";
                health { path /health; interval 200ms; timeout 500ms; rise 1; fall 1; }
                server primary 127.0.0.1:\(web.port);
            }

            """
        let proxy = try RunningProxy(config: config)
        let port = try proxy.port(role: "web")
        #expect(proxy.waitForLog("to=primary"))
        #expect(try curl(port, ca: pki.caCertificate))

        // New certificate from another CA: after SIGHUP, clients trusting that CA get through.
        try copy(pki.untrusted.certificate, to: files, as: "cert.pem")
        try copy(pki.untrusted.key, to: files, as: "key.pem")
        proxy.process.signal(SIGHUP)
        #expect(proxy.waitForLog("msg=reloaded"))
        #expect(try curl(port, ca: pki.otherCACertificate))
        #expect(try !curl(port, ca: pki.caCertificate))

        // A key that does not match: the reload keeps serving the previous certificate.
        try copy(pki.otherKey, to: files, as: "key.pem")
        proxy.process.signal(SIGHUP)
        #expect(proxy.waitForLog("reload rejected") || proxy.waitForLog("TLS not reloaded"))
        #expect(try curl(port, ca: pki.otherCACertificate))
        proxy.process.signal(SIGTERM)
        #expect(proxy.process.wait(timeout: 10) == 0)
    }
}
