import Cluster
import Dispatch
import EventLoop
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import ProxyConfig
import TLS

extension EtcdClient {
    /// The client for a `cluster` block: its etcd URLs, TLS files and credentials.
    public convenience init(config: ClusterConfig, loop: EventLoop, callbackQueue: DispatchQueue,
                            callTimeout: Duration = .seconds(2)) throws(ProxyError) {
        var tls: TLSClientContext?
        if config.etcd.contains(where: \.isTLS) {
            do {
                tls = try TLSClientContext(caFile: config.etcdCA, verify: true, alpnProtocols: [],
                                           certificateChainFile: config.etcdCertificate, keyFile: config.etcdKey)
            } catch {
                throw ProxyError(description: "cluster: etcd TLS: \(error.message)")
            }
        }
        var password: String?
        if let file = config.etcdPasswordFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ProxyError(description: "cluster: cannot read etcd-password-file \(file)")
            }
            password = text.trimming(\.isNewline)
        }
        try self.init(urls: config.etcd, tls: tls, user: config.etcdUser, password: password,
                      loop: loop, callbackQueue: callbackQueue, callTimeout: callTimeout)
    }

    /// The client for etcd members at `urls` (tried in turn); `tls` is used for the `https` ones.
    public convenience init(urls: [HTTPURL], tls: TLSClientContext? = nil, user: String? = nil, password: String? = nil,
                            loop: EventLoop, callbackQueue: DispatchQueue,
                            callTimeout: Duration = .seconds(2)) throws(ProxyError) {
        guard !urls.isEmpty else { throw ProxyError(description: "cluster: no etcd URL") }
        var endpoints: [EtcdEndpoint] = []
        for url in urls {
            let address = try AddressResolution.resolve(url.address, what: "etcd")
            var upstream: UpstreamTLS?
            if url.isTLS {
                guard let tls else { throw ProxyError(description: "cluster: \(url.text) is https but no TLS context was given") }
                upstream = UpstreamTLS(context: tls, serverName: url.host)
            }
            endpoints.append(EtcdEndpoint(url: url.text, authority: "\(url.host):\(url.port)", address: address, tls: upstream))
        }
        let credentials = user.map { (user: $0, password: password ?? "") }
        self.init(endpoints: endpoints, credentials: credentials, loop: loop, callbackQueue: callbackQueue,
                  callTimeout: callTimeout)
    }
}
