import Foundation
import Testing

/// `scripts/package-deb.sh` builds a .deb that holds the binary, the conffile, the service
/// and the manual, and the binary it ships passes `check` on the config it ships.
/// Opt-in (FAILOVER_PROXY_PACKAGE_TEST=1): it makes a release build, minutes on a small machine.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["FAILOVER_PROXY_PACKAGE_TEST"] == "1"))
struct PackageTests {
    /// Runs a program to its end (killed after `timeout`); returns (status, stdout, stderr).
    static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:],
                    timeout: TimeInterval = 60) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = TemporaryFile(), err = TemporaryFile()
        process.standardOutput = try FileHandle(forWritingTo: out.url)
        process.standardError = try FileHandle(forWritingTo: err.url)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, out.text, err.text)
    }

    final class TemporaryFile {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fp-out-\(UUID().uuidString)")
        init() { FileManager.default.createFile(atPath: url.path, contents: nil) }
        deinit { try? FileManager.default.removeItem(at: url) }
        var text: String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
    }

    @Test func thePackageHoldsWhatItShouldAndItsConfigChecks() throws {
        let out = try TemporaryDirectory()
        let script = repositoryRoot().appendingPathComponent("scripts/package-deb.sh").path
        // `swift test` holds the lock of .build: the release build gets its own directory.
        let scratch = repositoryRoot().appendingPathComponent(".build/package-test").path
        let (status, stdout, stderr) = try Self.run(script, [out.url.path], environment: ["SCRATCH_PATH": scratch], timeout: 1800)
        #expect(status == 0, "\(stderr.suffix(3000))")
        let deb = try #require(stdout.split(separator: "\n").last.map(String.init))
        #expect(deb.hasSuffix(".deb") && FileManager.default.fileExists(atPath: deb), "\(stdout)")

        let (listed, contents, _) = try Self.run("/usr/bin/dpkg-deb", ["--contents", deb])
        #expect(listed == 0)
        for path in ["./usr/bin/failover-proxy", "./etc/failover-proxy/proxy.conf", "./etc/logrotate.d/failover-proxy", "./lib/systemd/system/failover-proxy.service",
                     "./usr/share/doc/failover-proxy/configuration.md", "./usr/share/doc/failover-proxy/operations.md"] {
            #expect(contents.split(separator: "\n").contains { $0.hasSuffix(" " + path) }, "\(path) not in:\n\(contents)")
        }

        let control = out.url.appendingPathComponent("control")
        #expect(try Self.run("/usr/bin/dpkg-deb", ["--control", deb, control.path]).0 == 0)
        let conffiles = try String(contentsOf: control.appendingPathComponent("conffiles"), encoding: .utf8)
        #expect(conffiles.split(separator: "\n") == ["/etc/failover-proxy/proxy.conf", "/etc/logrotate.d/failover-proxy"])
        let postinst = try String(contentsOf: control.appendingPathComponent("postinst"), encoding: .utf8)
        #expect(postinst.contains("useradd --system"))
        let fields = try String(contentsOf: control.appendingPathComponent("control"), encoding: .utf8)
        #expect(fields.contains("Package: failover-proxy"))
        #expect(fields.contains("libssl"), "the OpenSSL it links is a dependency: \(fields)")

        // What the package installs, unpacked: the shipped binary checks the shipped config.
        let root = out.url.appendingPathComponent("root")
        #expect(try Self.run("/usr/bin/dpkg-deb", ["--extract", deb, root.path]).0 == 0)
        let binary = root.appendingPathComponent("usr/bin/failover-proxy").path
        let config = root.appendingPathComponent("etc/failover-proxy/proxy.conf").path
        let (checked, checkOut, checkErr) = try Self.run(binary, ["check", "--config", config])
        #expect(checked == 0, "\(checkErr)")
        #expect(checkOut.contains(": ok: 1 role(s)"), "\(checkOut)")
        // Linked statically: no Swift runtime library is needed at run time.
        let (_, libraries, _) = try Self.run("/usr/bin/ldd", [binary])
        #expect(!libraries.contains("libswiftCore"), "\(libraries)")

        let unit = try String(contentsOf: root.appendingPathComponent("lib/systemd/system/failover-proxy.service"), encoding: .utf8)
        let lines = unit.split(separator: "\n").map(String.init)
        for line in ["Type=notify", "NoNewPrivileges=yes", "ProtectSystem=strict", "LimitNOFILE=65536", "User=failover-proxy"] {
            #expect(lines.contains(line), "\(line) not in the unit")
        }
        // systemd understands every line (the binary's path is not installed here: that complaint is expected).
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") {
            let unitPath = root.appendingPathComponent("lib/systemd/system/failover-proxy.service").path
            let (_, verifyOut, verifyErr) = try Self.run("/usr/bin/systemd-analyze", ["verify", unitPath])
            let complaints = (verifyOut + verifyErr).split(separator: "\n").filter { !$0.contains("is not executable") }
            #expect(complaints.isEmpty, "\(complaints)")
            // The hardening holds up in systemd's own exposure score (3.4 "OK" when written;
            // 4.0 and above would be "MEDIUM").
            let (secured, securityOut, securityErr) = try Self.run("/usr/bin/systemd-analyze",
                                                                 ["security", "--offline=true", "--threshold=40", unitPath])
            #expect(secured == 0, "\(securityOut)\(securityErr)")
        }
        // Reload checks the file first, then signals: a bad file never reaches the running proxy.
        let reload = lines.filter { $0.hasPrefix("ExecReload=") }
        #expect(reload == ["ExecReload=/usr/bin/failover-proxy check --config /etc/failover-proxy/proxy.conf",
                           "ExecReload=/bin/kill -HUP $MAINPID"])
    }
}
