import TestSupport
import COpenSSL
import Testing
@testable import TLS

/// The product's own floor: TLS 1.2 or 1.3, and for TLS 1.2 only ECDHE suites with AEAD.
/// Both ends run at OpenSSL security level 0, so only the product's `ContextSettings`
/// stand between a weak offer and a handshake: this machine's default level refuses TLS
/// 1.1 by itself, another machine's may not.
@Suite(.serialized) struct ProtocolFloorTests {
    struct Offer: Sendable, CustomStringConvertible {
        let description: String
        let rsa: Bool
        let flags: [String]
        let accepted: Bool
        /// What OpenSSL says when the product refuses: the version floor and the suite
        /// list each refuse TLS 1.1 on their own, so the reason tells which one did.
        var refusal = ""
    }

    static let offers: [Offer] = [
        // Controls: the same client at the same level gets in with a suite the product allows.
        Offer(description: "TLS 1.2 ECDHE-ECDSA AES-GCM", rsa: false,
              flags: ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0"], accepted: true),
        Offer(description: "TLS 1.2 ECDHE-RSA AES-GCM", rsa: true,
              flags: ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"], accepted: true),
        Offer(description: "TLS 1.1", rsa: false, flags: ["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"], accepted: false,
              refusal: "unsupported protocol"),
        Offer(description: "TLS 1.0", rsa: true, flags: ["-tls1", "-cipher", "ALL:@SECLEVEL=0"], accepted: false,
              refusal: "unsupported protocol"),
        Offer(description: "TLS 1.2 ECDHE without AEAD (CBC)", rsa: false,
              flags: ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"], accepted: false,
              refusal: "no shared cipher"),
        Offer(description: "TLS 1.2 RSA key exchange without AEAD", rsa: true,
              flags: ["-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0"], accepted: false,
              refusal: "no shared cipher"),
        Offer(description: "TLS 1.2 RSA key exchange with AEAD", rsa: true,
              flags: ["-tls1_2", "-cipher", "AES128-GCM-SHA256:@SECLEVEL=0"], accepted: false,
              refusal: "no shared cipher"),
    ]

    @Test(arguments: offers)
    func onlyTheProductsSettingsDecide(_ offer: Offer) throws {
        let pki = CertificateFixtures.shared
        let pair = offer.rsa ? pki.rsaServer : pki.server
        let context = try TLSServerContext(certificateChainFile: pair.certificate, keyFile: pair.key)
        SSL_CTX_set_security_level(context.ctx, 0)
        let backend = try ThreadedBackend(.echo)
        defer { backend.stop() }
        let proxy = try TLSTerminatingProxy(context: context, upstreamPort: backend.port)
        defer { proxy.shutdown() }
        let result = try CertificateFixtures.run("openssl", ["s_client", "-connect", "127.0.0.1:\(proxy.port)"] + offer.flags, stdin: "")
        // The server's own count decides, not the client's exit status alone.
        #expect(eventually { proxy.handshakes.count + proxy.handshakeFailures.count == 1 }, "\(offer): \(result.output)")
        if offer.accepted {
            #expect(result.status == 0, "\(offer): \(result.output)")
            #expect(proxy.handshakes.count == 1, "\(offer): refused: \(proxy.handshakeFailures.all.map(\.message))")
        } else {
            #expect(result.status != 0, "\(offer): \(result.output)")
            #expect(proxy.handshakes.count == 0, "\(offer) was accepted: \(proxy.handshakes.all)")
            let failure = proxy.handshakeFailures.all.first
            #expect(failure?.kind == .handshakeFailed)
            #expect(failure?.message.contains(offer.refusal) == true, "\(offer): \(failure?.message ?? "no failure")")
        }
    }
}
