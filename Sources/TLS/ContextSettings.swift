import COpenSSL
import Glibc

/// Settings shared by the server and client contexts.
enum ContextSettings {
    /// TLS 1.2 suites for TLS 1.2 clients: ECDHE with AEAD only (Mozilla "intermediate").
    /// TLS 1.3 suites stay OpenSSL's defaults (all AEAD).
    static let tls12Ciphers =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

    /// A writer to a peer that went away must get EPIPE, not SIGPIPE: OpenSSL's socket BIO
    /// writes with write(2), which has no MSG_NOSIGNAL. EventLoop does the same at start-up.
    static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    static func apply(to ctx: OpaquePointer) throws(TLSError) {
        _ = ignoreSIGPIPE
        guard copenssl_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1,
              copenssl_SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 else {
            throw TLSError(.contextSetup, OpenSSLErrorStack.describe("cannot limit TLS to versions 1.2 and 1.3"))
        }
        guard SSL_CTX_set_cipher_list(ctx, tls12Ciphers) == 1 else {
            throw TLSError(.contextSetup, OpenSSLErrorStack.describe("cannot set the TLS 1.2 cipher suites"))
        }
        // No renegotiation (so a write never needs a read, see TLSStream), no compression
        // (CRIME), and a peer closing TCP without close_notify reads as end of stream:
        // the proxy forwards bytes and HTTP framing catches truncation.
        SSL_CTX_set_options(ctx, copenssl_SSL_OP_NO_RENEGOTIATION() | copenssl_SSL_OP_NO_COMPRESSION()
                            | copenssl_SSL_OP_IGNORE_UNEXPECTED_EOF())
        // Partial writes: SSL_write returns after each record, like write(2) on a socket.
        // Moving buffer: a retried write may come from another address (same bytes).
        // Release buffers: idle connections do not keep 2×~34 KiB of record buffers.
        _ = copenssl_SSL_CTX_set_mode(ctx, copenssl_SSL_MODE_ENABLE_PARTIAL_WRITE()
                                      | copenssl_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER()
                                      | copenssl_SSL_MODE_RELEASE_BUFFERS())
    }

    /// ALPN wire format: each protocol as a length byte then its bytes.
    static func alpnWireFormat(_ protocols: [String]) -> [UInt8] {
        var wire: [UInt8] = []
        for p in protocols {
            let bytes = Array(p.utf8)
            precondition(!bytes.isEmpty && bytes.count < 256, "invalid ALPN protocol name")
            wire.append(UInt8(bytes.count))
            wire.append(contentsOf: bytes)
        }
        return wire
    }

    /// Loads a certificate chain and its key into `ctx` (a listener's, or a client's for
    /// servers that ask for one), telling a bad file from a key that does not match.
    static func useCertificate(_ ctx: OpaquePointer, chainFile: String, keyFile: String) throws(TLSError) {
        guard SSL_CTX_use_certificate_chain_file(ctx, chainFile) == 1 else {
            throw TLSError(.badPEM, OpenSSLErrorStack.describe(
                "certificate file \(chainFile) holds no usable PEM certificate chain"))
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, keyFile, SSL_FILETYPE_PEM) == 1 else {
            let stack = OpenSSLErrorStack.drain()
            // OpenSSL loads the key, then compares it with the certificate: tell both apart.
            if stack.contains("key values mismatch") {
                throw TLSError(.keyMismatch, "key file \(keyFile) does not match certificate \(chainFile): \(stack)")
            }
            throw TLSError(.badPEM, "key file \(keyFile) holds no usable PEM private key: \(stack)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw TLSError(.keyMismatch, OpenSSLErrorStack.describe(
                "key file \(keyFile) does not match certificate \(chainFile)"))
        }
    }
}
