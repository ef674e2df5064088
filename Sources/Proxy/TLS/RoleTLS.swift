#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import ProxyConfig
import Synchronization
import TLS

/// A role's TLS contexts as built from its configuration and files: immutable, replaced
/// whole when a reload changes the settings or the files (new accepts and connects use the
/// new one; established sessions keep theirs).
final class RoleTLS: Sendable {
    /// For listeners marked `tls`; nil when the role has none.
    let server: TLSServerContext?
    /// For servers marked `tls`; nil when the role has none.
    let client: TLSClientContext?
    /// What it was built from: a reload rebuilds only when this differs.
    let source: Source
    /// Sessions for resumption per `tls` server, by address and name (a server that moved
    /// starts afresh); made on first use, from any loop.
    private let sessionCaches = Mutex<[String: TLSSessionCache]>([:])

    struct Source: Equatable, Sendable {
        var certificate: FileStamp?
        var key: FileStamp?
        var ca: FileStamp?
        var verify: Bool
        var mode: RoleConfig.Mode
        var needsServer: Bool
        var needsClient: Bool
    }

    /// A file's identity for change detection: path, size and modification time.
    struct FileStamp: Equatable, Sendable {
        let path: String
        let size: UInt64
        let modified: Double

        init(_ path: String) {
            self.path = path
            var info = stat()
            if stat(path, &info) == 0 {
                size = UInt64(info.st_size)
                modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            } else {
                size = 0
                modified = 0
            }
        }
    }

    static func source(of config: RoleConfig) -> Source {
        Source(certificate: config.tlsCertificate.map(FileStamp.init), key: config.tlsKey.map(FileStamp.init),
               ca: config.tlsCA.map(FileStamp.init), verify: config.tlsVerify, mode: config.mode,
               needsServer: config.listeners.contains(where: \.tls), needsClient: config.servers.contains(where: \.tls))
    }

    init(config: RoleConfig) throws(ProxyError) {
        let source = Self.source(of: config)
        self.source = source
        do {
            if source.needsServer, let certificate = config.tlsCertificate, let key = config.tlsKey {
                server = try TLSServerContext(certificateChainFile: certificate, keyFile: key,
                                              acceptHTTP11ALPN: config.mode == .http)
            } else {
                server = nil
            }
            client = source.needsClient
                ? try TLSClientContext(caFile: config.tlsCA, verify: config.tlsVerify,
                                       alpnProtocols: config.mode == .http ? ["http/1.1"] : [])
                : nil
        } catch {
            throw ProxyError(description: "role '\(config.name)': \(error.message)")
        }
        if source.needsServer && server == nil {
            throw ProxyError(description: "role '\(config.name)': a listener is marked tls but tls-certificate/tls-key are not set")
        }
    }

    /// The contexts for `config`: `self` when neither the settings nor the files changed.
    func reloaded(for config: RoleConfig) throws(ProxyError) -> RoleTLS {
        Self.source(of: config) == source ? self : try RoleTLS(config: config)
    }

    /// The TLS settings for connecting to `server` (its health port with `health`), when it
    /// is marked `tls`. Sessions are kept per port connected to: a session from the health
    /// port is never offered to the data port.
    func upstream(_ server: ServerConfig?, health: Bool = false) -> UpstreamTLS? {
        guard let server, server.tls, let client else { return nil }
        let key = "\(health ? server.healthAddress : server.address) \(server.effectiveTLSName)"
        let sessions = sessionCaches.withLock { caches in
            if let cache = caches[key] { return cache }
            let cache = TLSSessionCache()
            caches[key] = cache
            return cache
        }
        return UpstreamTLS(context: client, serverName: server.effectiveTLSName, sessions: sessions)
    }
}

/// How to speak TLS to one server.
struct UpstreamTLS: Sendable {
    let context: TLSClientContext
    let serverName: String
    /// The server's sessions, for resumption; nil: every connection does a full handshake.
    var sessions: TLSSessionCache? = nil
}
