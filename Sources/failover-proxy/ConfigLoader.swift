#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Proxy
import ProxyConfig
import TLS

/// Reads `proxy.conf` from disk (the parser itself is pure) and adds the checks that need
/// the file system: the token file must be readable, and TLS certificates, keys and CAs
/// must load the way the proxy will load them (an expired certificate is a warning).
enum ConfigLoader {
    /// `hostName` is the default `node` of a `cluster` block.
    static func load(path: String, preflight: Bool, hostName: String? = HostName.current()) -> ConfigResult {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            return ConfigResult(configuration: nil, diagnostics: [
                Diagnostic(file: path, line: 1, column: 1, severity: .error, message: reason),
            ])
        }
        var result = preflight ? ConfigParser.check(text, file: path, hostName: hostName)
            : ConfigParser.parse(text, file: path, hostName: hostName)
        guard let configuration = result.configuration else { return result }
        var found: [Diagnostic] = []
        if let token = configuration.admin?.tokenFile,
           !FileManager.default.isReadableFile(atPath: resolve(token, relativeTo: path)) {
            let at = locate("token-file", token, in: text, fallback: SourceLocation(line: 1, column: 1))
            found.append(Diagnostic(file: path, at: at, severity: .error, message: "cannot read token-file '\(token)'"))
        }
        for role in configuration.roles {
            let files = [role.tlsCertificate, role.tlsKey, role.tlsCA]
            guard files.contains(where: { $0 != nil }) else { continue }
            let problems = TLSConfigCheck.validate(
                certificate: role.tlsCertificate.map { resolve($0, relativeTo: path) },
                key: role.tlsKey.map { resolve($0, relativeTo: path) },
                ca: role.tlsCA.map { resolve($0, relativeTo: path) })
            for problem in problems {
                let value = [TLSConfigCheck.Problem.Directive.certificate: role.tlsCertificate, .key: role.tlsKey, .ca: role.tlsCA][problem.directive] ?? nil
                let at = value.map { locate(problem.directive.rawValue, $0, in: text, fallback: role.location) } ?? role.location
                found.append(Diagnostic(file: path, at: at, severity: problem.severity == .error ? .error : .warning,
                                        message: "role '\(role.name)': \(problem.message)"))
            }
        }
        if preflight { found += descriptorWarnings(configuration, configPath: path) }
        if let cluster = configuration.cluster {
            let at = locate("cluster", "cluster", in: text, fallback: SourceLocation(line: 1, column: 1))
            found += clusterFileProblems(cluster, configPath: path, text: text, at: at)
        }
        // The proxy loads TLS files as `check` did: relative to proxy.conf, not the working directory.
        result.configuration?.roles = configuration.roles.map { role in
            var role = role
            role.tlsCertificate = role.tlsCertificate.map { resolve($0, relativeTo: path) }
            role.tlsKey = role.tlsKey.map { resolve($0, relativeTo: path) }
            role.tlsCA = role.tlsCA.map { resolve($0, relativeTo: path) }
            return role
        }
        if !found.isEmpty {
            result.diagnostics = (result.diagnostics + found).sorted { $0.location < $1.location }
            if found.contains(where: { $0.severity == .error }) { result.configuration = nil }
        }
        return result
    }

    /// The configuration with every file path made relative to the directory of proxy.conf
    /// (as `check` validates them), whatever the working directory of the process.
    static func resolvingPaths(_ configuration: ProxyConfiguration, configPath: String) -> ProxyConfiguration {
        var c = configuration
        let fix = { (file: String) in resolve(file, relativeTo: configPath) }
        let token = configuration.admin?.tokenFile.map(fix)
        c.admin?.tokenFile = token
        c.stateFile = c.stateFile.map(fix)
        if case .file(let path) = c.accessLog { c.accessLog = .file(fix(path)) }
        for i in c.roles.indices {
            c.roles[i].tlsCertificate = c.roles[i].tlsCertificate.map(fix)
            c.roles[i].tlsKey = c.roles[i].tlsKey.map(fix)
            c.roles[i].tlsCA = c.roles[i].tlsCA.map(fix)
        }
        c.cluster = c.cluster.map { resolvingClusterPaths($0, configPath: configPath) }
        return c
    }

    /// Relative paths in proxy.conf are relative to the directory of proxy.conf.
    static func resolve(_ file: String, relativeTo configPath: String) -> String {
        if file.hasPrefix("/") { return file }
        return FilePaths.join(FilePaths.directory(of: configPath), file)
    }

    /// The line and column of the value of `directive value` in the text (the typed config
    /// keeps locations only for what the pure preflight needs). A value used by several
    /// roles points at its first use.
    static func locate(_ directive: String, _ value: String, in text: String, fallback: SourceLocation) -> SourceLocation {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = line.prefix { $0 != "#" }
            guard code.contains(directive), let range = code.firstRange(of: value) else { continue }
            return SourceLocation(line: index + 1, column: code.distance(from: code.startIndex, to: range.lowerBound) + 1)
        }
        return fallback
    }
}

func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
}
