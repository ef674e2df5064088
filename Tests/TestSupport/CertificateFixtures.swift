import Foundation

/// A throwaway PKI made with the `openssl` command at test time, in a temp directory
/// removed when the test process exits:
/// - `ca`: the trusted test CA; `otherCA`: a CA nobody trusts.
/// - `server`: localhost / 127.0.0.1 / ::1 (SAN), signed by `ca`; `serverChain` is its full chain.
/// - `wrongName`: signed by `ca`, for wrong.example only.
/// - `untrusted`: localhost, signed by `otherCA`.
/// - `expired`: localhost, signed by `ca`, valid 2020-01-01 to 2020-01-02 (`openssl ca`
///   takes explicit dates; OpenSSL 3.0's `req`/`x509` accept no validity in the past).
/// - `otherKey`: a key that belongs to none of them.
/// - `client`: a client certificate (clientAuth), signed by `ca`; `dualUse`: localhost for
///   server and client use, signed by `ca`.
public struct CertificateFixtures: Sendable {
    public struct Pair: Sendable {
        public let certificate: String
        public let key: String
        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    public let directory: String
    public let caCertificate: String
    public let otherCACertificate: String
    public let server: Pair
    public let serverChain: String
    public let wrongName: Pair
    public let untrusted: Pair
    /// Like `server`, with an RSA key.
    public let rsaServer: Pair
    public let expired: Pair
    public let otherKey: String
    /// A client certificate (clientAuth) signed by `ca`.
    public let client: Pair
    /// localhost / 127.0.0.1 for both ends (serverAuth and clientAuth), signed by `ca`: etcd
    /// with `--client-cert-auth` also presents its server certificate to itself (its gateway).
    public let dualUse: Pair

    /// Generated once per test process.
    public static let shared: CertificateFixtures = {
        do {
            let fixtures = try CertificateFixtures(generateIn: NSTemporaryDirectory() + "test-pki-\(getpid())")
            fixturesDirectoryToRemove = fixtures.directory
            atexit { if let dir = fixturesDirectoryToRemove { try? FileManager.default.removeItem(atPath: dir) } }
            return fixtures
        } catch {
            fatalError("cannot generate test certificates: \(error)")
        }
    }()

    public struct CommandFailed: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public init(generateIn directory: String) throws {
        self.directory = directory
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func path(_ name: String) -> String { "\(directory)/\(name)" }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

        func makeCA(_ name: String) throws {
            try Self.openssl(["req", "-x509"] + ec + ["-keyout", path("\(name).key"), "-out", path("\(name).pem"),
                             "-subj", "/CN=failover-proxy test \(name)", "-days", "3",
                             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        func makeLeaf(_ name: String, cn: String, san: String, ca: String, key: [String] = ec, usage: String = "serverAuth") throws {
            try Self.openssl(["req"] + key + ["-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(cn)"])
            try "subjectAltName=\(san)\nextendedKeyUsage=\(usage)\n".write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
            try Self.openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"),
                             "-CAcreateserial", "-days", "3", "-extfile", path("\(name).ext"), "-out", path("\(name).pem")])
        }

        try makeCA("ca")
        try makeCA("otherca")
        try makeLeaf("server", cn: "localhost", san: "DNS:localhost,IP:127.0.0.1,IP:::1", ca: "ca")
        try makeLeaf("wrongname", cn: "wrong.example", san: "DNS:wrong.example", ca: "ca")
        try makeLeaf("untrusted", cn: "localhost", san: "DNS:localhost,IP:127.0.0.1", ca: "otherca")
        // RSA: only an RSA key can offer the suites without ECDHE (RSA key exchange).
        try makeLeaf("rsaserver", cn: "localhost", san: "DNS:localhost,IP:127.0.0.1", ca: "ca",
                     key: ["-newkey", "rsa:2048", "-nodes"])
        try makeLeaf("client", cn: "failover-proxy", san: "DNS:failover-proxy", ca: "ca", usage: "clientAuth")
        try makeLeaf("dualuse", cn: "localhost", san: "DNS:localhost,IP:127.0.0.1", ca: "ca", usage: "serverAuth,clientAuth")
        try Self.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", path("other.key")])

        // Expired: `openssl ca` with explicit dates and a minimal database.
        try Self.openssl(["req"] + ec + ["-keyout", path("expired.key"), "-out", path("expired.csr"), "-subj", "/CN=localhost"])
        try FileManager.default.createDirectory(atPath: path("cadb"), withIntermediateDirectories: true)
        try "".write(toFile: path("cadb/index.txt"), atomically: true, encoding: .utf8)
        try "01\n".write(toFile: path("cadb/serial"), atomically: true, encoding: .utf8)
        try """
            [ca]
            default_ca = testca
            [testca]
            database = \(path("cadb/index.txt"))
            new_certs_dir = \(path("cadb"))
            serial = \(path("cadb/serial"))
            default_md = sha256
            policy = anything
            unique_subject = no
            [anything]
            commonName = supplied
            """.write(toFile: path("ca.cnf"), atomically: true, encoding: .utf8)
        try Self.openssl(["ca", "-batch", "-notext", "-config", path("ca.cnf"), "-cert", path("ca.pem"), "-keyfile", path("ca.key"),
                         "-in", path("expired.csr"), "-out", path("expired.pem"),
                         "-startdate", "20200101000000Z", "-enddate", "20200102000000Z"])

        let leaf = try String(contentsOfFile: path("server.pem"), encoding: .utf8)
        let caPEM = try String(contentsOfFile: path("ca.pem"), encoding: .utf8)
        try (leaf + caPEM).write(toFile: path("server-chain.pem"), atomically: true, encoding: .utf8)

        caCertificate = path("ca.pem")
        otherCACertificate = path("otherca.pem")
        server = Pair(certificate: path("server.pem"), key: path("server.key"))
        serverChain = path("server-chain.pem")
        wrongName = Pair(certificate: path("wrongname.pem"), key: path("wrongname.key"))
        untrusted = Pair(certificate: path("untrusted.pem"), key: path("untrusted.key"))
        rsaServer = Pair(certificate: path("rsaserver.pem"), key: path("rsaserver.key"))
        expired = Pair(certificate: path("expired.pem"), key: path("expired.key"))
        otherKey = path("other.key")
        client = Pair(certificate: path("client.pem"), key: path("client.key"))
        dualUse = Pair(certificate: path("dualuse.pem"), key: path("dualuse.key"))
    }

    /// Runs `openssl` with `arguments`; throws with its output when it fails.
    @discardableResult
    public static func openssl(_ arguments: [String], stdin: String? = nil) throws -> String {
        let result = try run("openssl", arguments, stdin: stdin)
        guard result.status == 0 else {
            throw CommandFailed(description: "openssl \(arguments.joined(separator: " ")) → \(result.status): \(result.output)")
        }
        return result.output
    }

    /// Runs a command found on PATH; returns its exit status and merged stdout+stderr.
    public static func run(_ command: String, _ arguments: [String], stdin: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

nonisolated(unsafe) private var fixturesDirectoryToRemove: String?
