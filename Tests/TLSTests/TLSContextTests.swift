import TestSupport
import Foundation
import Testing
@testable import TLS

@Suite struct TLSContextTests {
    let pki = CertificateFixtures.shared

    private func expectError(_ kind: TLSError.Kind, containing text: String,
                             _ body: () throws(TLSError) -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("expected \(kind)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
            #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    @Test func serverContextLoadsAFullChainAndReportsItsLeaf() throws {
        let context = try TLSServerContext(certificateChainFile: pki.serverChain, keyFile: pki.server.key)
        #expect(context.certificate.subject == "/CN=localhost")
        #expect(!context.certificate.isExpired(at: CertificateInfo.currentTime()))
    }

    @Test func missingFilesAreNamed() {
        expectError(.fileMissing, containing: "certificate file /nonexistent/cert.pem does not exist") { () throws(TLSError) in
            _ = try TLSServerContext(certificateChainFile: "/nonexistent/cert.pem", keyFile: pki.server.key)
        }
        expectError(.fileMissing, containing: "key file /nonexistent/key.pem does not exist") { () throws(TLSError) in
            _ = try TLSServerContext(certificateChainFile: pki.server.certificate, keyFile: "/nonexistent/key.pem")
        }
        expectError(.fileMissing, containing: "CA file /nonexistent/ca.pem") { () throws(TLSError) in
            _ = try TLSClientContext(caFile: "/nonexistent/ca.pem", verify: true)
        }
    }

    @Test func aDirectoryIsUnreadable() {
        expectError(.fileUnreadable, containing: "is a directory") { () throws(TLSError) in
            _ = try TLSServerContext(certificateChainFile: pki.directory, keyFile: pki.server.key)
        }
    }

    @Test func badPEMIsReportedWithOpenSSLsText() throws {
        let garbage = pki.directory + "/garbage.pem"
        try "this is not a certificate\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        expectError(.badPEM, containing: "holds no PEM certificate") { () throws(TLSError) in
            _ = try TLSServerContext(certificateChainFile: garbage, keyFile: pki.server.key)
        }
        expectError(.badPEM, containing: "key file \(garbage) holds no usable PEM private key") { () throws(TLSError) in
            _ = try TLSServerContext(certificateChainFile: pki.server.certificate, keyFile: garbage)
        }
        expectError(.badPEM, containing: "CA file \(garbage)") { () throws(TLSError) in
            _ = try TLSClientContext(caFile: garbage, verify: true)
        }
    }

    @Test func aKeyThatDoesNotMatchItsCertificate() {
        expectError(.keyMismatch, containing: "does not match certificate") { () throws(TLSError) in
            _ = try TLSServerContext(certificateChainFile: pki.server.certificate, keyFile: pki.otherKey)
        }
        expectError(.keyMismatch, containing: "key values mismatch") { () throws(TLSError) in
            _ = try TLSServerContext(certificateChainFile: pki.server.certificate, keyFile: pki.wrongName.key)
        }
    }

    @Test func expiredCertificateIsDetected() throws {
        let info = try CertificateInfo(pemFile: pki.expired.certificate)
        #expect(info.notAfterText == "Jan  2 00:00:00 2020 GMT")
        #expect(info.notAfter == 1_577_923_200)  // 2020-01-02T00:00:00Z
        #expect(info.isExpired(at: CertificateInfo.currentTime()))
        #expect(!info.isExpired(at: 1_577_900_000))
        // Loading still works: an expired certificate is a warning, not a refusal to start.
        _ = try TLSServerContext(certificateChainFile: pki.expired.certificate, keyFile: pki.expired.key)
    }

    @Test func configCheckReportsNothingForGoodFiles() {
        #expect(TLSConfigCheck.validate(certificate: pki.serverChain, key: pki.server.key, ca: pki.caCertificate).isEmpty)
        #expect(TLSConfigCheck.validate(certificate: nil, key: nil, ca: nil).isEmpty)
    }

    @Test func configCheckWarnsAboutAnExpiredCertificate() {
        let problems = TLSConfigCheck.validate(certificate: pki.expired.certificate, key: pki.expired.key, ca: nil)
        #expect(problems.count == 1)
        #expect(problems.first?.severity == .warning)
        #expect(problems.first?.directive == .certificate)
        #expect(problems.first?.message.contains("expired on Jan  2 00:00:00 2020 GMT") == true, "\(problems)")
    }

    @Test func configCheckReportsErrorsAtTheirDirective() {
        let mismatch = TLSConfigCheck.validate(certificate: pki.server.certificate, key: pki.otherKey, ca: "/nonexistent/ca.pem")
        #expect(mismatch.map(\.directive) == [.key, .ca], "\(mismatch)")
        #expect(mismatch.map(\.severity) == [.error, .error])
        #expect(mismatch.map(\.kind) == [.keyMismatch, .fileMissing])

        let missingCert = TLSConfigCheck.validate(certificate: "/nonexistent/cert.pem", key: pki.server.key, ca: nil)
        #expect(missingCert.map(\.directive) == [.certificate])
        #expect(missingCert.first?.kind == .fileMissing)

        let keyOnly = TLSConfigCheck.validate(certificate: nil, key: pki.server.key, ca: nil)
        #expect(keyOnly.map(\.directive) == [.certificate])
        #expect(keyOnly.first?.message == "tls-certificate is required with tls-key")
    }
}
