import COpenSSL

/// The TLS settings for connections to servers marked `tls` (and their health checks):
/// which CAs to trust and whether to verify at all.
///
/// Immutable once built and shareable across threads (see `TLSServerContext`).
public final class TLSClientContext: @unchecked Sendable {  // immutable SSL_CTX pointer, read by every loop
    let ctx: OpaquePointer
    /// Whether the peer's chain and name are verified (`tls-verify`, default on).
    public let verify: Bool

    /// - Parameters:
    ///   - caFile: PEM bundle of trusted CAs (`tls-ca`); nil: the system's default store.
    ///   - verify: check the chain and the server name; false accepts any certificate
    ///     (log a warning: SPEC §3 wants it explicit).
    ///   - alpnProtocols: offered in the ClientHello; `["http/1.1"]` for mode http, `[]`
    ///     for mode tcp.
    ///   - certificateChainFile, keyFile: a client certificate for servers that ask for one
    ///     (etcd with client-cert auth); both or neither.
    public init(caFile: String?, verify: Bool, alpnProtocols: [String] = ["http/1.1"],
                certificateChainFile: String? = nil, keyFile: String? = nil) throws(TLSError) {
        if let caFile { try PEMFiles.checkReadable(caFile, what: "CA") }
        if let certificateChainFile { try PEMFiles.checkReadable(certificateChainFile, what: "certificate") }
        if let keyFile { try PEMFiles.checkReadable(keyFile, what: "key") }
        guard (certificateChainFile == nil) == (keyFile == nil) else {
            throw TLSError(.contextSetup, "a client certificate needs both a certificate file and a key file")
        }
        OpenSSLErrorStack.clear()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw TLSError(.contextSetup, OpenSSLErrorStack.describe("cannot create a TLS client context"))
        }
        do throws(TLSError) {
            try ContextSettings.apply(to: ctx)
            if let caFile {
                guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
                    throw TLSError(.badPEM, OpenSSLErrorStack.describe("CA file \(caFile) holds no usable PEM certificate"))
                }
            } else if SSL_CTX_set_default_verify_paths(ctx) != 1 {
                throw TLSError(.contextSetup, OpenSSLErrorStack.describe("cannot load the system's CA store"))
            }
            SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
            // New sessions go to the connection's `TLSSessionCache` (if it has one), not to
            // OpenSSL's internal store: a client resumes only with the server it came from.
            _ = copenssl_SSL_CTX_set_session_cache_mode(
                ctx, copenssl_SSL_SESS_CACHE_CLIENT() | copenssl_SSL_SESS_CACHE_NO_INTERNAL_STORE())
            SSL_CTX_sess_set_new_cb(ctx, TLSSessionCache.newSessionCallback)
            if let certificateChainFile, let keyFile {
                try ContextSettings.useCertificate(ctx, chainFile: certificateChainFile, keyFile: keyFile)
            }
            if !alpnProtocols.isEmpty {
                let wire = ContextSettings.alpnWireFormat(alpnProtocols)
                // Unlike most of OpenSSL, 0 means success here.
                guard SSL_CTX_set_alpn_protos(ctx, wire, UInt32(wire.count)) == 0 else {
                    throw TLSError(.contextSetup, OpenSSLErrorStack.describe("cannot set ALPN protocols"))
                }
            }
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        self.ctx = ctx
        self.verify = verify
    }

    deinit { SSL_CTX_free(ctx) }
}
