import COpenSSL
import Glibc

/// What `check` and the logs need to know about a certificate: who it is for and when it
/// is valid. Read from the first certificate of a PEM file (the leaf of a full chain).
public struct CertificateInfo: Sendable, Equatable {
    /// The subject, in OpenSSL's one-line form (e.g. "/CN=localhost").
    public let subject: String
    /// Validity bounds in seconds since the Unix epoch (UTC).
    public let notBefore: Int64
    public let notAfter: Int64
    /// notAfter as OpenSSL prints it (e.g. "Jan  2 00:00:00 2020 GMT").
    public let notAfterText: String

    public init(pemFile path: String) throws(TLSError) {
        try PEMFiles.checkReadable(path, what: "certificate")
        OpenSSLErrorStack.clear()
        guard let bio = BIO_new_file(path, "r") else {
            throw TLSError(.fileUnreadable, OpenSSLErrorStack.describe("certificate file \(path) cannot be opened"))
        }
        defer { BIO_free(bio) }
        guard let x509 = PEM_read_bio_X509(bio, nil, nil, nil) else {
            throw TLSError(.badPEM, OpenSSLErrorStack.describe("certificate file \(path) holds no PEM certificate"))
        }
        defer { X509_free(x509) }
        try self.init(x509: x509, path: path)
    }

    init(x509: OpaquePointer, path: String) throws(TLSError) {
        var nameBuffer = [CChar](repeating: 0, count: 512)
        X509_NAME_oneline(X509_get_subject_name(x509), &nameBuffer, Int32(nameBuffer.count))
        subject = OpenSSLErrorStack.string(fromNulTerminated: nameBuffer)
        guard let before = X509_get0_notBefore(x509).flatMap(Self.epochSeconds),
              let afterTime = X509_get0_notAfter(x509), let after = Self.epochSeconds(afterTime) else {
            throw TLSError(.badPEM, OpenSSLErrorStack.describe("certificate file \(path) has unreadable validity dates"))
        }
        notBefore = before
        notAfter = after
        notAfterText = Self.printed(afterTime)
    }

    /// Whether the certificate's validity ended before `now` (seconds since the epoch).
    public func isExpired(at now: Int64) -> Bool { notAfter < now }

    /// Whether the certificate is not yet valid at `now`.
    public func isNotYetValid(at now: Int64) -> Bool { notBefore > now }

    static func epochSeconds(_ time: UnsafePointer<ASN1_TIME>) -> Int64? {
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Int64(timegm(&parts))
    }

    static func printed(_ time: UnsafePointer<ASN1_TIME>) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard ASN1_TIME_print(bio, time) == 1 else { return "" }
        var data: UnsafeMutablePointer<CChar>?
        let length = copenssl_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// Seconds since the epoch now (wall clock), for callers that do not inject a time.
    public static func currentTime() -> Int64 { Int64(time(nil)) }
}
