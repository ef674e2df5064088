import struct TestSupport.CertificateFixtures
import Foundation
import Testing

/// `failover-proxy check` with a `cluster` block: the node defaults to the host name, and
/// the etcd files are checked at their lines, relative to proxy.conf.
@Suite struct ClusterCheckCommandTests {
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = gethostname(&buffer, buffer.count - 1)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func nodeDefaultsToTheHostName() throws {
        let dir = try TemporaryDirectory()
        try dir.write("cluster.conf", """
        cluster {
            name site-a;
            etcd http://10.0.0.21:2379;
        }

        """)
        let (code, out, err) = try ProxyProcess.run(["check", "--config", "cluster.conf"], currentDirectory: dir.url)
        #expect(code == 0)
        #expect(err == "")
        #expect(out == "cluster.conf: ok: 0 role(s), cluster 'site-a' as node '\(Self.hostName())', 0 warning(s)\n")
    }

    @Test func missingEtcdFilesAreErrorsAtTheirLines() throws {
        let dir = try TemporaryDirectory()
        try dir.write("cluster.conf", """
        cluster {
            name site-a;
            etcd https://10.0.0.21:2379;
            etcd-ca ca.pem;
            etcd-certificate client.pem;
            etcd-key client.key;
            etcd-user proxy;
            etcd-password-file etcd.password;
        }

        """)
        let (code, out, err) = try ProxyProcess.run(["check", "--config", "cluster.conf"], currentDirectory: dir.url)
        #expect(code == 1)
        #expect(out == "")
        #expect(err == """
        cluster.conf:4:13: error: etcd-ca: CA file ca.pem does not exist
        cluster.conf:5:22: error: etcd-certificate: certificate file client.pem does not exist
        cluster.conf:6:14: error: etcd-key: key file client.key does not exist
        cluster.conf:8:24: error: cannot read etcd-password-file 'etcd.password'

        """)
    }

    @Test func etcdFilesAreRelativeToTheConfigFile() throws {
        let pki = CertificateFixtures.shared
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("conf"), withIntermediateDirectories: true)
        for (source, name) in [(pki.caCertificate, "ca.pem"), (pki.server.certificate, "client.pem"), (pki.server.key, "client.key")] {
            try dir.write("conf/\(name)", try String(contentsOfFile: source, encoding: .utf8))
        }
        try dir.write("conf/etcd.password", "secret\n")
        try dir.write("conf/cluster.conf", """
        cluster {
            name site-a;
            node proxy-1;
            etcd https://10.0.0.21:2379;
            etcd-ca ca.pem;
            etcd-certificate client.pem;
            etcd-key client.key;
            etcd-user proxy;
            etcd-password-file etcd.password;
        }

        """)
        let (code, out, err) = try ProxyProcess.run(["check", "--config", "conf/cluster.conf"], currentDirectory: dir.url)
        #expect(err == "")
        #expect(code == 0)
        #expect(out == "conf/cluster.conf: ok: 0 role(s), cluster 'site-a' as node 'proxy-1', 0 warning(s)\n")
    }
}
