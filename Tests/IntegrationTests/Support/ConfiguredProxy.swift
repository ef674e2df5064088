import EventLoop
import Foundation
import Proxy
import ProxyConfig

/// An in-process proxy from proxy.conf text (roles with TLS files, several roles), with
/// its log lines captured. `stop()` (or deinit) shuts it down.
final class ConfiguredProxy: @unchecked Sendable {  // used from one test at a time
    let proxy: ProxyServer
    let logs = LogCapture()
    private var stopped = false

    init(_ text: String, loops: Int = 2) throws {
        let result = ConfigParser.parse(text, file: "test.conf")
        guard let configuration = result.configuration else {
            throw TestFailure("bad test config: \(result.diagnostics.map(\.description))")
        }
        proxy = try ProxyServer(configuration: configuration, logger: logs.logger, group: EventLoopGroup(count: loops))
        try proxy.start()
    }

    deinit { stop() }

    func port(_ role: String) -> UInt16 { proxy.boundAddresses(role: role)[0].port }
    func active(_ role: String) -> String? { proxy.activeServers()[role] ?? nil }
    func waitForActive(_ role: String, _ server: String?, timeout: TimeInterval = 10) -> Bool {
        eventually(timeout: timeout) { active(role) == server }
    }
    func logged(_ text: String) -> Bool { logs.all.contains { $0.contains(text) } }

    func stop() {
        guard !stopped else { return }
        stopped = true
        proxy.shutdownAndWait()
    }
}

/// Runs a command to its end with a bounded wait; returns status, stdout and stderr.
func runTool(_ command: String, _ arguments: [String], timeout: TimeInterval = 30) throws -> (status: Int32, out: [UInt8], err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [command] + arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outData = DataBox()
    let reader = Thread { outData.data = out.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    while !outData.done && Date() < deadline.addingTimeInterval(5) { usleep(10_000) }
    return (process.terminationStatus, Array(outData.data ?? Data()), String(decoding: errData, as: UTF8.self))
}

private final class DataBox: @unchecked Sendable {  // written once by the reader thread
    private let lock = NSLock()
    private var value: Data?
    var data: Data? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
    var done: Bool { data != nil }
}
