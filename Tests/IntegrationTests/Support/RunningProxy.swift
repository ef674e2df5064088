import Foundation

/// The real `failover-proxy run` executable on a config written by the test, with its
/// listening ports read from its log. Stopped (SIGKILL if need be) when the test ends.
final class RunningProxy {
    let dir: TemporaryDirectory
    let process: ProxyProcess

    /// `files` (name: text) are written next to proxy.conf before the proxy starts.
    init(config: String, files: [String: String] = [:], environment: [String: String] = [:],
         descriptorLimit: Int? = nil) throws {
        dir = try TemporaryDirectory()
        try dir.write("proxy.conf", config)
        for (name, text) in files { try dir.write(name, text) }
        process = ProxyProcess(["run", "--config", "proxy.conf"], currentDirectory: dir.url, environment: environment,
                               descriptorLimit: descriptorLimit)
        try process.start()
    }

    deinit { _ = process.wait(timeout: 0) }

    func rewriteConfig(_ text: String) throws { try dir.write("proxy.conf", text) }

    /// The first port the role listens on, from the `listening` log line.
    func port(role: String, timeout: TimeInterval = 15) throws -> UInt16 {
        let pattern = "msg=listening addresses=127.0.0.1:"
        guard process.waitForLog("role=\(role)", timeout: timeout) else { throw TestFailure("no listening line: \(process.stderr)") }
        for line in process.stderr.split(separator: "\n") where line.contains(pattern) && line.contains("role=\(role)") {
            let rest = line[line.range(of: pattern)!.upperBound...]
            if let port = UInt16(rest.prefix { $0.isNumber }) { return port }
        }
        throw TestFailure("no port for role \(role) in: \(process.stderr)")
    }

    func waitForLog(_ text: String, timeout: TimeInterval = 10) -> Bool { process.waitForLog(text, timeout: timeout) }

    /// The admin API's port, from the `admin listening` log line.
    func adminPort(timeout: TimeInterval = 15) throws -> UInt16 {
        let pattern = "msg=\"admin listening\" address=127.0.0.1:"
        guard process.waitForLog(pattern, timeout: timeout),
              let line = process.stderr.split(separator: "\n").first(where: { $0.contains(pattern) }),
              let port = UInt16(line[line.range(of: pattern)!.upperBound...].prefix { $0.isNumber })
        else { throw TestFailure("no admin listening line: \(process.stderr)") }
        return port
    }

    /// Counts lines containing `text` so far.
    func logCount(_ text: String) -> Int { process.stderr.components(separatedBy: text).count - 1 }
}
