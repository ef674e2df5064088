import struct TestSupport.CertificateFixtures
import DemoBackends
import Foundation
import ProxyConfig
import Testing

/// Short writes toward the client: a reader with a 4 KiB receive buffer that takes its time
/// makes every write of the proxy's copying path (a chunked body cannot be spliced) come
/// back partial or would-block, plain and over TLS. Every byte must arrive, in order, once.
@Suite(.serialized) struct ShortWriteTests {
    static let size = 8 << 20
    let pki = CertificateFixtures.shared

    /// A slow reader in Python (http.client decodes the chunks), the body into `output`.
    static let reader = #"""
    import http.client, socket, ssl, sys, time
    port, tls, ca, output = int(sys.argv[1]), sys.argv[2] == "tls", sys.argv[3], sys.argv[4]
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.settimeout(30)
    raw.connect(("127.0.0.1", port))
    sock = ssl.create_default_context(cafile=ca).wrap_socket(raw, server_hostname="localhost") if tls else raw
    conn = http.client.HTTPConnection("localhost", port)
    conn.sock = sock
    conn.request("GET", "/big-chunked/%d/9" % (8 << 20))
    response = conn.getresponse()
    with open(output, "wb") as out:
        for i in range(100000):
            piece = response.read(4096)
            if not piece:
                break
            out.write(piece)
            if i % 64 == 0:
                time.sleep(0.002)
    print(response.status)
    """#

    @Test(arguments: [false, true]) func everyByteArrivesThroughPartialWrites(tls: Bool) throws {
        let fixture = try HTTPProxyFixture { role in
            if tls {
                role.listeners = role.listeners.map { ListenerConfig(address: $0.address, tls: true) }
                role.tlsCertificate = pki.serverChain
                role.tlsKey = pki.server.key
            }
        }
        defer { fixture.stop() }
        let dir = try TemporaryDirectory()
        let script = try dir.write("reader.py", Self.reader)
        let output = dir.url.appendingPathComponent("body").path
        let result = try runTool("python3", [script.path, "\(fixture.port)", tls ? "tls" : "plain", pki.caCertificate, output],
                                 timeout: 120)
        #expect(result.status == 0, "\(result.err)")
        #expect(String(decoding: result.out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "200")
        let body = try Data(contentsOf: URL(fileURLWithPath: output))
        var received = StreamChecksum()
        body.withUnsafeBytes { received.update($0) }
        var expected = StreamChecksum()
        var blocks = SeededBlocks(seed: 9)
        for _ in 0..<(Self.size / SeededBlocks.blockSize) { blocks.next { expected.update($0) } }
        #expect(received.count == Self.size)
        #expect(received.digest == expected.digest)
    }
}
