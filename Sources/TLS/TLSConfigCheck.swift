import COpenSSL

/// What `failover-proxy check` reports about a role's TLS files, as values: the caller
/// attaches them to the config line of the directive named by `directive`.
public enum TLSConfigCheck {
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public enum Severity: Equatable, Sendable { case error, warning }
        /// The directive the problem belongs to.
        public enum Directive: String, Equatable, Sendable {
            case certificate = "tls-certificate"
            case key = "tls-key"
            case ca = "tls-ca"
        }

        public let severity: Severity
        public let directive: Directive
        public let kind: TLSError.Kind?
        public let message: String

        public var description: String { "\(severity == .error ? "error" : "warning"): \(directive.rawValue): \(message)" }
    }

    /// Loads the files the way the proxy will and reports every problem found.
    /// - Parameters:
    ///   - certificate/key: `tls-certificate`/`tls-key` (nil when not configured).
    ///   - ca: `tls-ca` (nil when not configured).
    ///   - now: seconds since the epoch, for the expiry warning.
    public static func validate(certificate: String?, key: String?, ca: String?,
                                now: Int64 = CertificateInfo.currentTime()) -> [Problem] {
        var problems: [Problem] = []
        var certificateLoaded = false
        if let certificate {
            do {
                let info = try CertificateInfo(pemFile: certificate)
                certificateLoaded = true
                if info.isExpired(at: now) {
                    problems.append(Problem(severity: .warning, directive: .certificate, kind: nil,
                                            message: "certificate \(certificate) (\(info.subject)) expired on \(info.notAfterText)"))
                } else if info.isNotYetValid(at: now) {
                    problems.append(Problem(severity: .warning, directive: .certificate, kind: nil,
                                            message: "certificate \(certificate) (\(info.subject)) is not valid yet"))
                }
            } catch {
                problems.append(Problem(severity: .error, directive: .certificate, kind: error.kind, message: error.message))
            }
        }
        if let key {
            do {
                try PEMFiles.checkReadable(key, what: "key")
                if certificateLoaded, let certificate {
                    // The context does the same checks the listener will: chain, key, match.
                    _ = try TLSServerContext(certificateChainFile: certificate, keyFile: key)
                } else {
                    try loadKey(key)
                }
            } catch {
                let directive: Problem.Directive = error.message.hasPrefix("certificate") ? .certificate : .key
                problems.append(Problem(severity: .error, directive: directive, kind: error.kind, message: error.message))
            }
        }
        if (certificate == nil) != (key == nil) {
            let missing: Problem.Directive = certificate == nil ? .certificate : .key
            problems.append(Problem(severity: .error, directive: missing, kind: nil,
                                    message: "\(missing.rawValue) is required with \(missing == .key ? "tls-certificate" : "tls-key")"))
        }
        if let ca {
            do {
                _ = try TLSClientContext(caFile: ca, verify: true)
            } catch {
                problems.append(Problem(severity: .error, directive: .ca, kind: error.kind, message: error.message))
            }
        }
        return problems
    }

    private static func loadKey(_ path: String) throws(TLSError) {
        OpenSSLErrorStack.clear()
        guard let bio = BIO_new_file(path, "r") else {
            throw TLSError(.fileUnreadable, OpenSSLErrorStack.describe("key file \(path) cannot be opened"))
        }
        defer { BIO_free(bio) }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
            throw TLSError(.badPEM, OpenSSLErrorStack.describe("key file \(path) holds no usable PEM private key"))
        }
        EVP_PKEY_free(key)
    }
}
