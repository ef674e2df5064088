import Foundation

/// Runs the built `failover-proxy` executable (it sits next to the test bundle) and
/// stops it when done: every process a test starts, the test also stops.
final class ProxyProcess: @unchecked Sendable {  // fields written before `run()`, read after
    static var executable: URL {
        let selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: selfPath).deletingLastPathComponent().appendingPathComponent("failover-proxy")
    }

    let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let output = OutputBuffer()

    /// `environment` is added to the test's own. `descriptorLimit`: the proxy runs with
    /// RLIMIT_NOFILE (soft and hard) at that value, set by `sh` before it `exec`s the proxy
    /// (the PID stays the proxy's).
    init(_ arguments: [String], currentDirectory: URL? = nil, environment: [String: String] = [:],
         descriptorLimit: Int? = nil) {
        if let descriptorLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", Self.executable.path] + arguments
        } else {
            process.executableURL = Self.executable
            process.arguments = arguments
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        let output = self.output
        stdoutPipe.fileHandleForReading.readabilityHandler = { h in output.append(stdout: h.availableData) }
        stderrPipe.fileHandleForReading.readabilityHandler = { h in output.append(stderr: h.availableData) }
    }

    func start() throws { try process.run() }

    /// Waits for exit up to `timeout`; kills the process if it is still running then.
    @discardableResult
    func wait(timeout: TimeInterval = 20) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.interrupt(); usleep(200_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        stdoutPipe.fileHandleForReading.readabilityHandler = nil
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        output.append(stdout: stdoutPipe.fileHandleForReading.readDataToEndOfFile())
        output.append(stderr: stderrPipe.fileHandleForReading.readDataToEndOfFile())
        return process.terminationStatus
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Types a line on the process's standard input.
    func type(_ line: String) { stdinPipe.fileHandleForWriting.write(Data((line + "\n").utf8)) }

    var stdout: String { output.stdout }
    var stderr: String { output.stderr }

    /// Waits until stderr contains `text` (bounded); true when it appeared.
    func waitForLog(_ text: String, timeout: TimeInterval = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stderr.contains(text) { return true }
            if !process.isRunning { return stderr.contains(text) }
            usleep(20_000)
        }
        return false
    }

    /// Runs to completion and returns (exit code, stdout, stderr).
    static func run(_ arguments: [String], currentDirectory: URL? = nil, timeout: TimeInterval = 20) throws -> (Int32, String, String) {
        let p = ProxyProcess(arguments, currentDirectory: currentDirectory)
        try p.start()
        let code = p.wait(timeout: timeout)
        return (code, p.stdout, p.stderr)
    }
}

final class OutputBuffer: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    func append(stdout data: Data) { lock.lock(); out.append(data); lock.unlock() }
    func append(stderr data: Data) { lock.lock(); err.append(data); lock.unlock() }
    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }
}

/// A scratch directory removed when the test ends.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fp-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}

/// The repository root, for the shipped proxy.conf.
func repositoryRoot(filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
