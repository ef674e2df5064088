import TestSupport
import Foundation
import EventLoop
import Glibc
import Testing
@testable import TLS

/// Real sockets on 127.0.0.1, real handshakes. Serialized: the machine has two cores.
@Suite(.serialized) struct TLSStreamTests {
    let pki = CertificateFixtures.shared

    func serverContext(_ pair: CertificateFixtures.Pair? = nil) throws -> TLSServerContext {
        let pair = pair ?? CertificateFixtures.Pair(certificate: pki.serverChain, key: pki.server.key)
        return try TLSServerContext(certificateChainFile: pair.certificate, keyFile: pair.key)
    }

    @Test func sixtyFourMebibytesBothWaysThroughTheForwarder() throws {
        let total = 64 << 20
        let up = PatternStream(seed: 11)
        let down = PatternStream(seed: 23)
        let backend = try #require(BlockingListener())
        defer { backend.stop() }
        let proxy = try TLSTerminatingProxy(context: try serverContext(), upstreamPort: backend.port)
        defer { proxy.shutdown() }

        // The backend receives and checks the client's stream while sending its own.
        let backendReceived = Promise<Int?>()
        let backendThread = Thread {
            guard let connection = backend.accept() else { return backendReceived.fulfill(nil) }
            let sender = Thread {
                _ = down.send(total, over: connection)
                connection.shutdownWrite()
            }
            sender.start()
            backendReceived.fulfill(up.receiveAndVerify(from: connection))
        }
        backendThread.start()

        let client = try PollingTLSClient(port: proxy.port, context: try TLSClientContext(caFile: pki.caCertificate, verify: true),
                                          serverName: "localhost", seconds: 120)
        #expect(try client.handshake() == .done)
        let received = try client.exchange(sending: total, of: up, expecting: down)
        #expect(received == total)
        #expect(backendReceived.wait(seconds: 60) == .some(total))
        #expect(eventually { proxy.stats.count == 1 })
        let stats = try #require(proxy.stats.all.first)
        #expect(stats.bytesUp == UInt64(total))
        #expect(stats.bytesDown == UInt64(total))
        #expect(stats.reason == .completed)
        #expect(!stats.spliced)
    }

    @Test func curlThroughTheTLSListener() throws {
        let backend = try ThreadedBackend(.http(body: "hello over tls\n"))
        defer { backend.stop() }
        let proxy = try TLSTerminatingProxy(context: try serverContext(), upstreamPort: backend.port)
        defer { proxy.shutdown() }
        let result = try CertificateFixtures.run("curl", [
            "-sS", "--max-time", "20", "--cacert", pki.caCertificate, "-w", "\n%{http_version}",
            "--resolve", "localhost:\(proxy.port):127.0.0.1", "https://localhost:\(proxy.port)/",
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output == "hello over tls\n\n1.1")
        #expect(eventually { proxy.handshakes.count == 1 })
        #expect(proxy.handshakes.all.first?.alpn == "http/1.1")
        #expect(proxy.handshakes.all.first?.version == "TLSv1.3")
    }

    @Test func opensslClientSeesVerifiedTLS12AndResumesSessions() throws {
        let backend = try ThreadedBackend(.http(body: "resumed?\n"))
        defer { backend.stop() }
        let proxy = try TLSTerminatingProxy(context: try serverContext(), upstreamPort: backend.port)
        defer { proxy.shutdown() }
        let session = pki.directory + "/session-\(proxy.port).pem"
        let request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
        let common = ["s_client", "-connect", "127.0.0.1:\(proxy.port)", "-servername", "localhost", "-CAfile", pki.caCertificate,
                      "-verify_return_error", "-verify_hostname", "localhost", "-alpn", "http/1.1", "-ign_eof", "-tls1_2"]
        let first = try CertificateFixtures.run("openssl", common + ["-sess_out", session], stdin: request)
        #expect(first.output.contains("Verify return code: 0 (ok)"), "\(first.output)")
        #expect(first.output.contains("ALPN protocol: http/1.1"))
        #expect(first.output.contains("Protocol  : TLSv1.2"))
        #expect(first.output.contains("resumed?"))
        let second = try CertificateFixtures.run("openssl", common + ["-sess_in", session], stdin: request)
        #expect(second.output.contains("Reused, TLSv1.2"), "\(second.output)")
        #expect(second.output.contains("resumed?"))
        #expect(eventually { proxy.handshakes.count == 2 })
        #expect(proxy.handshakes.all.map(\.resumed) == [false, true])
    }

    @Test func tlsBelowOnePointTwoIsRefused() throws {
        let backend = try ThreadedBackend(.echo)
        defer { backend.stop() }
        let proxy = try TLSTerminatingProxy(context: try serverContext(), upstreamPort: backend.port)
        defer { proxy.shutdown() }
        let result = try CertificateFixtures.run("openssl", [
            "s_client", "-connect", "127.0.0.1:\(proxy.port)", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
        ], stdin: "")
        #expect(result.status != 0)
        #expect(eventually { proxy.handshakeFailures.count == 1 })
        #expect(proxy.handshakeFailures.all.first?.kind == .handshakeFailed)
        #expect(proxy.handshakes.count == 0)
    }

    @Test func plaintextToATLSPortFailsCleanlyAndOthersAreStillServed() throws {
        let backend = try ThreadedBackend(.echo)
        defer { backend.stop() }
        let proxy = try TLSTerminatingProxy(context: try serverContext(), upstreamPort: backend.port)
        defer { proxy.shutdown() }
        let plain = try #require(BlockingPeer.connect(port: proxy.port))
        #expect(plain.send(Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)))
        // An alert at most, then the connection ends: with EOF, or with a reset because the
        // rest of the request was never read. Either way, not a hang.
        #expect(plain.receiveUntilClosed())
        plain.close()
        #expect(eventually { proxy.handshakeFailures.count == 1 })
        let failure = try #require(proxy.handshakeFailures.all.first)
        #expect(failure.kind == .handshakeFailed)
        #expect(failure.message.contains("http request") || failure.message.contains("wrong version number"), "\(failure.message)")

        let pattern = PatternStream(seed: 5)
        let client = try PollingTLSClient(port: proxy.port, context: try TLSClientContext(caFile: pki.caCertificate, verify: true),
                                          serverName: "localhost")
        #expect(try client.handshake() == .done)
        #expect(try client.exchange(sending: 100_000, of: pattern, expecting: pattern) == 100_000)
    }

    @Test func silentClientTimesOutTheHandshake() throws {
        let backend = try ThreadedBackend(.echo)
        defer { backend.stop() }
        let proxy = try TLSTerminatingProxy(context: try serverContext(), upstreamPort: backend.port,
                                            handshakeTimeout: .milliseconds(200))
        defer { proxy.shutdown() }
        let silent = try #require(BlockingPeer.connect(port: proxy.port))
        #expect(silent.receiveToEOF() == [])  // closed by the proxy, nothing sent
        silent.close()
        #expect(eventually { proxy.handshakeFailures.count == 1 })
        #expect(proxy.handshakeFailures.all.first?.kind == .handshakeTimedOut)
    }

    // MARK: client-side verification

    /// Handshakes a client against a proxy serving `pair`; returns the client's status.
    private func clientHandshake(serving pair: CertificateFixtures.Pair, caFile: String?, verify: Bool,
                                 serverName: String?) throws -> (TLSStream.HandshakeStatus, PollingTLSClient, TLSTerminatingProxy, ThreadedBackend) {
        let backend = try ThreadedBackend(.echo)
        let proxy = try TLSTerminatingProxy(context: try serverContext(pair), upstreamPort: backend.port)
        let client = try PollingTLSClient(port: proxy.port, context: try TLSClientContext(caFile: caFile, verify: verify),
                                          serverName: serverName)
        return (try client.handshake(), client, proxy, backend)
    }

    @Test(arguments: ["localhost", "127.0.0.1"])
    func verificationPassesForTheRightNameAndCA(name: String) throws {
        let (status, client, proxy, backend) = try clientHandshake(serving: pki.server, caFile: pki.caCertificate,
                                                                   verify: true, serverName: name)
        defer { backend.stop(); proxy.shutdown() }
        #expect(status == .done)
        #expect(client.stream.negotiatedALPN == "http/1.1")
        let pattern = PatternStream(seed: 9)
        #expect(try client.exchange(sending: 50_000, of: pattern, expecting: pattern) == 50_000)
    }

    @Test func verificationFailsOnAWrongName() throws {
        let (status, _, proxy, backend) = try clientHandshake(serving: pki.wrongName, caFile: pki.caCertificate,
                                                              verify: true, serverName: "localhost")
        defer { backend.stop(); proxy.shutdown() }
        guard case .failed(let error) = status else { Issue.record("handshake did not fail: \(status)"); return }
        #expect(error.kind == .verificationFailed)
        #expect(error.message.contains("hostname mismatch"), "\(error.message)")
        #expect(eventually { proxy.handshakeFailures.count == 1 })  // the server saw the client's alert
    }

    @Test func verificationFailsOnAnUnknownCA() throws {
        let (status, _, proxy, backend) = try clientHandshake(serving: pki.untrusted, caFile: pki.caCertificate,
                                                              verify: true, serverName: "localhost")
        defer { backend.stop(); proxy.shutdown() }
        guard case .failed(let error) = status else { Issue.record("handshake did not fail: \(status)"); return }
        #expect(error.kind == .verificationFailed)
        #expect(error.message.contains("unable to get local issuer certificate"), "\(error.message)")
    }

    @Test func theSystemStoreDoesNotTrustTheTestCA() throws {
        let (status, _, proxy, backend) = try clientHandshake(serving: pki.server, caFile: nil, verify: true, serverName: "localhost")
        defer { backend.stop(); proxy.shutdown() }
        guard case .failed(let error) = status else { Issue.record("handshake did not fail: \(status)"); return }
        #expect(error.kind == .verificationFailed)
    }

    @Test func verifyOffAcceptsAWrongNameAndAnUnknownCA() throws {
        let (status, client, proxy, backend) = try clientHandshake(serving: pki.untrusted, caFile: nil,
                                                                   verify: false, serverName: "not-the-name")
        defer { backend.stop(); proxy.shutdown() }
        #expect(status == .done)
        let pattern = PatternStream(seed: 3)
        #expect(try client.exchange(sending: 1000, of: pattern, expecting: pattern) == 1000)
    }
}

extension TLSStreamTests {
    /// The upstream finishes first (close_notify goes to the client), then the client
    /// still sends: TLS 1.3 half-close, as the forwarder's half-close semantics need.
    @Test func clientKeepsSendingAfterTheUpstreamFinished() throws {
        let total = 4 << 20
        let up = PatternStream(seed: 41)
        let down = PatternStream(seed: 42)
        let backend = try #require(BlockingListener())
        defer { backend.stop() }
        let proxy = try TLSTerminatingProxy(context: try serverContext(), upstreamPort: backend.port)
        defer { proxy.shutdown() }
        let backendReceived = Promise<Int?>()
        let backendThread = Thread {
            guard let connection = backend.accept() else { return backendReceived.fulfill(nil) }
            _ = down.send(1000, over: connection)
            connection.shutdownWrite()
            backendReceived.fulfill(up.receiveAndVerify(from: connection))
        }
        backendThread.start()
        let client = try PollingTLSClient(port: proxy.port, context: try TLSClientContext(caFile: pki.caCertificate, verify: true),
                                          serverName: "localhost")
        #expect(try client.handshake() == .done)
        #expect(try client.readToEOF().count == 1000)  // the upstream's bytes, then close_notify
        #expect(try client.exchange(sending: total, of: up, expecting: down) == 0)  // already at EOF
        #expect(backendReceived.wait(seconds: 30) == .some(total))
        #expect(eventually { proxy.stats.count == 1 })
    }
}

extension TLSStreamTests {
    /// A read smaller than a record leaves decrypted bytes inside OpenSSL: the socket is
    /// not readable for them, `hasBufferedPlaintext` is how a driver knows to read on.
    @Test func smallReadsLeaveBufferedPlaintextThatReadsWithoutTheSocket() throws {
        let backend = try ThreadedBackend(.http(body: String(repeating: "x", count: 8000)))
        defer { backend.stop() }
        let proxy = try TLSTerminatingProxy(context: try serverContext(), upstreamPort: backend.port)
        defer { proxy.shutdown() }
        let client = try PollingTLSClient(port: proxy.port, context: try TLSClientContext(caFile: pki.caCertificate, verify: true),
                                          serverName: "localhost")
        #expect(try client.handshake() == .done)
        let request = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        _ = try request.withUnsafeBytes { try client.stream.write($0) }
        // Wait for the first bytes with a 10-byte buffer.
        var small = [UInt8](repeating: 0, count: 10)
        var first = 0
        for _ in 0..<500 where first == 0 {
            if case .processed(let n) = try small.withUnsafeMutableBytes({ try client.stream.read(into: $0) }) {
                first = n
            } else {
                try PollingTLSClient.wait(client.stream.readinessDescriptor, events: Int16(POLLIN), until: Date().addingTimeInterval(5))
            }
        }
        #expect(first == 10)
        #expect(client.stream.hasBufferedPlaintext)
        // Drain what OpenSSL holds without ever polling the socket.
        var received = Array(small)
        while client.stream.hasBufferedPlaintext {
            guard case .processed(let n) = try small.withUnsafeMutableBytes({ try client.stream.read(into: $0) }) else { break }
            received += small[..<n]
        }
        #expect(received.count > 10)
        #expect(!client.stream.hasBufferedPlaintext)
        received += try client.readToEOF()
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.hasSuffix("\r\n\r\n" + String(repeating: "x", count: 8000)))
    }
}
