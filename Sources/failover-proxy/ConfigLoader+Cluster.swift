#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import ProxyConfig
import TLS

/// The `cluster` block's files, checked and resolved like the admin token and role TLS files.
extension ConfigLoader {
    /// The etcd TLS files must load as the etcd client will load them, and the password
    /// file must be readable.
    static func clusterFileProblems(_ cluster: ClusterConfig, configPath path: String, text: String,
                                    at clusterLocation: SourceLocation) -> [Diagnostic] {
        var found: [Diagnostic] = []
        if let password = cluster.etcdPasswordFile,
           !FileManager.default.isReadableFile(atPath: resolve(password, relativeTo: path)) {
            let at = locate("etcd-password-file", password, in: text, fallback: clusterLocation)
            found.append(Diagnostic(file: path, at: at, severity: .error,
                                    message: "cannot read etcd-password-file '\(password)'"))
        }
        let files = [cluster.etcdCertificate, cluster.etcdKey, cluster.etcdCA]
        guard files.contains(where: { $0 != nil }) else { return found }
        let problems = TLSConfigCheck.validate(
            certificate: cluster.etcdCertificate.map { resolve($0, relativeTo: path) },
            key: cluster.etcdKey.map { resolve($0, relativeTo: path) },
            ca: cluster.etcdCA.map { resolve($0, relativeTo: path) })
        for problem in problems {
            let (directive, value): (String, String?) = switch problem.directive {
            case .certificate: ("etcd-certificate", cluster.etcdCertificate)
            case .key: ("etcd-key", cluster.etcdKey)
            case .ca: ("etcd-ca", cluster.etcdCA)
            }
            let at = value.map { locate(directive, $0, in: text, fallback: clusterLocation) } ?? clusterLocation
            found.append(Diagnostic(file: path, at: at, severity: problem.severity == .error ? .error : .warning,
                                    message: "\(directive): \(problem.message)"))
        }
        return found
    }

    /// The etcd files relative to the directory of proxy.conf, as `check` validated them.
    static func resolvingClusterPaths(_ cluster: ClusterConfig, configPath: String) -> ClusterConfig {
        var c = cluster
        let fix = { (file: String) in resolve(file, relativeTo: configPath) }
        c.etcdCA = c.etcdCA.map(fix)
        c.etcdCertificate = c.etcdCertificate.map(fix)
        c.etcdKey = c.etcdKey.map(fix)
        c.etcdPasswordFile = c.etcdPasswordFile.map(fix)
        return c
    }
}
