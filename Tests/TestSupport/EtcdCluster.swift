import Foundation
import Glibc

/// A real etcd cluster on 127.0.0.1 for tests: `members` `etcd` processes on free ports with
/// data in a temporary directory, all healthy when `init` returns. Every process it starts
/// is killed (by PID) and the directory removed by `stop()`, which `deinit` also calls.
///
///     let cluster = try EtcdCluster()
///     defer { cluster.stop() }
///     let urls = cluster.clientURLs          // ["http://127.0.0.1:P1", …]
///     if let leader = cluster.leaderIndex() { cluster.kill(leader) }
public final class EtcdCluster: @unchecked Sendable {  // guarded by `lock`
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let clientPorts: [UInt16]
    public let peerPorts: [UInt16]
    public let directory: String
    public var clientURLs: [String] { clientPorts.map { "\(scheme)://127.0.0.1:\($0)" } }
    /// `https` when started with `clientTLS`.
    public let scheme: String
    private let clientTLS: (certificate: String, key: String)?
    private let extraArguments: [String]
    private let executable: String
    private let token: String
    private let lock = NSLock()
    private var processes: [Process?]

    /// Where CI's `etcd-server` package puts it; else the first `etcd` on PATH.
    public static func findExecutable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = ["/usr/bin/etcd"] + path.split(separator: ":").map { "\($0)/etcd" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts the cluster; throws (never skips) when `etcd` is missing or does not become healthy.
    /// `clientTLS`: serve the client URLs over https with this certificate (health is then
    /// checked on the member's log instead of `/health`). `extraArguments` go to every member.
    public init(members: Int = 3, clientTLS: (certificate: String, key: String)? = nil, extraArguments: [String] = [],
                healthySeconds: Double = 30) throws {
        guard let executable = Self.findExecutable() else {
            throw Failure(description: "the etcd binary is not installed (apt-get install etcd-server); the etcd tests need it")
        }
        var ports: [UInt16] = []
        for _ in 0..<100 where ports.count < 2 * members {  // the kernel may hand out a just-freed port again
            if let port = freeLoopbackPort(), !ports.contains(port) { ports.append(port) }
        }
        guard ports.count == 2 * members else { throw Failure(description: "no free ports") }
        self.executable = executable
        self.clientTLS = clientTLS
        self.extraArguments = extraArguments
        scheme = clientTLS == nil ? "http" : "https"
        clientPorts = Array(ports[0..<members])
        peerPorts = Array(ports[members...])
        token = "test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var template = Array("/tmp/etcd-cluster-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed") }
        directory = String(cString: made)
        processes = Array(repeating: nil, count: members)
        do {
            for member in 0..<members { try launch(member) }
            for member in 0..<members where !waitHealthy(member, seconds: healthySeconds) {
                throw Failure(description: "etcd member e\(member + 1) not healthy within \(healthySeconds) s; see \(logPath(member))")
            }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    public func logPath(_ member: Int) -> String { "\(directory)/e\(member + 1).log" }

    private func launch(_ member: Int) throws {
        let name = "e\(member + 1)"
        let initialCluster = peerPorts.indices.map { "e\($0 + 1)=http://127.0.0.1:\(peerPorts[$0])" }.joined(separator: ",")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--name", name, "--data-dir", "\(directory)/\(name)",
            "--listen-client-urls", clientURLs[member], "--advertise-client-urls", clientURLs[member],
            "--listen-peer-urls", "http://127.0.0.1:\(peerPorts[member])",
            "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPorts[member])",
            "--initial-cluster", initialCluster, "--initial-cluster-state", "new",
            "--initial-cluster-token", token,
            // etcd's defaults, spelled out: faster elections (50/500 ms) made leaders change
            // under a loaded machine's fsync stalls, failing calls and ending watches at random.
            "--heartbeat-interval", "100", "--election-timeout", "1000",
        ] + extraArguments
        if let clientTLS { process.arguments! += ["--cert-file", clientTLS.certificate, "--key-file", clientTLS.key] }
        FileManager.default.createFile(atPath: logPath(member), contents: nil)
        let log = FileHandle(forWritingAtPath: logPath(member))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        lock.lock()
        processes[member] = process
        lock.unlock()
    }

    /// True once `GET /health` on the member answers healthy, within `seconds`.
    @discardableResult
    public func waitHealthy(_ member: Int, seconds: Double = 30) -> Bool {
        if clientTLS != nil {
            return eventually(seconds: seconds) { (try? String(contentsOfFile: logPath(member), encoding: .utf8))?.contains("ready to serve client requests") == true }
        }
        return eventually(seconds: seconds) {
            guard let answer = loopbackHTTP(port: clientPorts[member], method: "GET", path: "/health") else { return false }
            return answer.status == 200 && answer.body.contains("\"true\"")
        }
    }

    /// The member that leads now (its status says `leader == header.member_id`), nil when none answers so.
    public func leaderIndex() -> Int? {
        clientPorts.indices.first { member in
            guard isRunning(member), let status = loopbackJSON(port: clientPorts[member], path: "/v3/maintenance/status"),
                  let header = status["header"] as? [String: Any], let id = header["member_id"] as? String,
                  let leader = status["leader"] as? String else { return false }
            return id == leader
        }
    }

    /// Turns authentication on with `root`/`password` (through member 0; plain http only).
    public func enableAuth(rootPassword: String) throws {
        let port = clientPorts[0]
        for (path, body) in [("/v3/auth/user/add", #"{"name":"root","password":"\#(rootPassword)"}"#),
                             ("/v3/auth/user/grant", #"{"user":"root","role":"root"}"#),
                             ("/v3/auth/enable", "{}")] where loopbackJSON(port: port, path: path, body: body) == nil {
            throw Failure(description: "etcd refused \(path)")
        }
    }

    public func isRunning(_ member: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return processes[member]?.isRunning ?? false
    }

    /// SIGKILL, like a crash; waits until the process is gone.
    public func kill(_ member: Int) {
        lock.lock()
        let process = processes[member]
        processes[member] = nil
        lock.unlock()
        guard let process else { return }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Starts a killed member again on its data directory and ports; true once healthy.
    @discardableResult
    public func restart(_ member: Int, seconds: Double = 30) throws -> Bool {
        kill(member)
        try launch(member)
        return waitHealthy(member, seconds: seconds)
    }

    /// Kills every member it started and removes the data; safe to call more than once.
    public func stop() {
        for member in processes.indices { kill(member) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
