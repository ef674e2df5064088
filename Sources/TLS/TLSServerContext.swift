import COpenSSL

/// The TLS settings of a listener marked `tls`: its certificate chain and key, TLS 1.2/1.3,
/// ALPN `http/1.1`, and a server-side session cache for resumption.
///
/// Immutable once built; OpenSSL allows one configured `SSL_CTX` to create connections on
/// many threads at once, hence `@unchecked Sendable`. On SIGHUP build a new context from
/// the files and use it for new connections; connections keep the context they started
/// with (each `SSL` holds a reference to its `SSL_CTX`).
public final class TLSServerContext: @unchecked Sendable {  // immutable SSL_CTX pointer, read by every loop
    let ctx: OpaquePointer
    /// The leaf certificate, for logs and expiry warnings.
    public let certificate: CertificateInfo

    /// - Parameters:
    ///   - certificateChainFile: PEM, the leaf first, then intermediates (a "full chain").
    ///   - keyFile: PEM private key of the leaf.
    ///   - acceptHTTP11ALPN: answer a client's ALPN offer of `http/1.1` (mode http); off for
    ///     mode tcp, where the forwarded protocol is not known.
    ///   - sessionCacheSize: TLS 1.2 sessions kept for resumption (TLS 1.3 resumes with
    ///     tickets, which need no server-side state).
    public init(certificateChainFile: String, keyFile: String, acceptHTTP11ALPN: Bool = true,
                sessionCacheSize: Int = 20_480) throws(TLSError) {
        try PEMFiles.checkReadable(certificateChainFile, what: "certificate")
        try PEMFiles.checkReadable(keyFile, what: "key")
        let certificate = try CertificateInfo(pemFile: certificateChainFile)
        OpenSSLErrorStack.clear()
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            throw TLSError(.contextSetup, OpenSSLErrorStack.describe("cannot create a TLS server context"))
        }
        do throws(TLSError) {
            try ContextSettings.apply(to: ctx)
            try ContextSettings.useCertificate(ctx, chainFile: certificateChainFile, keyFile: keyFile)
            _ = copenssl_SSL_CTX_set_session_cache_mode(ctx, copenssl_SSL_SESS_CACHE_SERVER())
            _ = copenssl_SSL_CTX_sess_set_cache_size(ctx, sessionCacheSize)
            // Sessions are only resumed within the context that issued them.
            let sessionContext = Array("failover-proxy".utf8)
            _ = SSL_CTX_set_session_id_context(ctx, sessionContext, UInt32(sessionContext.count))
            if acceptHTTP11ALPN { copenssl_SSL_CTX_accept_alpn_http11(ctx) }
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        self.ctx = ctx
        self.certificate = certificate
    }

    deinit { SSL_CTX_free(ctx) }

    /// Handshakes this context resumed from its session cache or a ticket (for tests and metrics).
    public var sessionCacheHits: Int { Int(copenssl_SSL_CTX_sess_hits(ctx)) }
    /// Handshakes completed on this context, resumed ones included (for tests and metrics).
    public var handshakesCompleted: Int { Int(copenssl_SSL_CTX_sess_accept_good(ctx)) }
}
