import FailoverModel
import Dispatch
import EventLoop
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Logging
import ProxyConfig
import Synchronization

/// `state-file`: the roles' runtime changes (order, maintenance, failback, the active
/// server, servers added or removed) kept across restarts, so a restart does not silently
/// fail back (SPEC §4).
///
/// Written whole and atomically on every change that matters (temp file, fsync, rename,
/// fsync of the directory), on a serial queue of its own, never a role's: a slow disk does
/// not stop a role deciding. Each write takes the latest state of every role, so writes
/// stay in order and the last change always wins; changes made while a write is under way
/// go out together in the next. A write that fails is logged and retried at the next
/// change. Health verdicts are not kept: a restart checks again, with the saved active
/// server as the preferred choice.
public final class StateFile: Sendable {
    public let path: String
    private let logger: Logger
    private let state: Mutex<State>
    /// Runs every write, in order.
    private let writer = DispatchQueue(label: "failover-proxy.state-file")

    private struct State {
        /// The latest snapshot per role, and its kept part.
        var roles: [String: SavedRole] = [:]
        var recorded: [String: PersistentPart] = [:]
        /// Changes recorded so far, and how many of them the file holds.
        var changes = 0
        var written = 0
        /// Server names per role in the configuration file, to tell runtime changes from file changes.
        var configured: [String: [String]]
    }

    public init(path: String, configuration: ProxyConfiguration, logger: Logger) {
        self.path = path
        self.logger = logger
        state = Mutex(State(configured: Self.configuredNames(configuration)))
    }

    /// What the file holds, nil when there is none yet. Throws on an unreadable or corrupt file.
    public func load() throws -> SavedState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let saved: SavedState
        do {
            saved = try JSONDecoder().decode(SavedState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw StateFileError.unreadable(path, "\(error)")
        }
        state.withLock { state in
            for role in saved.roles { state.roles[role.snapshot.name] = role }
        }
        return saved
    }

    /// Records a role's snapshot; the file is written (off the caller's queue) when a kept
    /// part changed. `written`, when given, runs once the file holds this snapshot (or its
    /// write failed and was logged), on the writer's queue.
    public func record(_ snapshot: RoleSnapshot, written: (@Sendable () -> Void)? = nil) {
        let behind = state.withLock { state in
            var kept = snapshot
            // Before its first choice a restarted role has no active server yet: keep the saved
            // one, but not the rest of the saved role: a change made meanwhile is written (and
            // only then acknowledged) like any other.
            if snapshot.isStartingUp, let active = state.roles[snapshot.name]?.snapshot.active,
               snapshot.servers.contains(where: { $0.name == active }) {
                kept.active = active
            }
            let part = PersistentPart(kept)
            if state.recorded[snapshot.name] != part {
                state.recorded[snapshot.name] = part
                state.roles[snapshot.name] = SavedRole(snapshot: kept,
                                                       configuredServers: state.configured[snapshot.name] ?? [])
                state.changes += 1
            }
            return state.written < state.changes
        }
        guard behind || written != nil else { return }
        writer.async { [self] in
            writeIfBehind()
            written?()
        }
    }

    /// Waits until every change recorded so far was written (or failed): before exiting.
    public func flush() {
        writer.sync { writeIfBehind() }
    }

    /// After a reload: runtime changes are judged against the new file's servers from now on.
    public func updateConfiguration(_ configuration: ProxyConfiguration) {
        state.withLock { $0.configured = Self.configuredNames(configuration) }
    }

    /// Writes every role's snapshot now, and after every change of the server's roles.
    public func attach(to server: ProxyServer) {
        for snapshot in server.snapshots() { record(snapshot) }
        server.observeEvents { [self] _, snapshot, _ in record(snapshot) }
    }

    private static func configuredNames(_ configuration: ProxyConfiguration) -> [String: [String]] {
        Dictionary(configuration.roles.map { ($0.name, $0.servers.map(\.name)) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: atomic write

    /// On `writer`: writes the latest state unless the file already holds every change.
    private func writeIfBehind() {
        let pending = state.withLock { state -> (SavedState, Int)? in
            guard state.written < state.changes else { return nil }
            return (SavedState(roles: state.roles.values.sorted { $0.snapshot.name < $1.snapshot.name }), state.changes)
        }
        guard let (document, changes) = pending else { return }
        do {
            try write(document)
            state.withLock { $0.written = max($0.written, changes) }
        } catch {
            // Kept in memory; the next change writes it again.
            logger.error("cannot write the state file", metadata: ["path": .string(path), "error": .string("\(error)")])
        }
    }

    private func write(_ document: SavedState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let bytes = [UInt8](try encoder.encode(document)) + [UInt8(ascii: "\n")]
        let temp = path + ".tmp"
        let fd: CInt
        do throws(SyscallError) { fd = try Syscall.open(temp, flags: O_WRONLY | O_CREAT | O_TRUNC) } catch { throw StateFileError.system("open \(temp)", error) }
        do throws(SyscallError) {
            defer { try? Syscall.close(fd) }
            try bytes.withUnsafeBytes { raw in Result { () throws(SyscallError) in try Syscall.writeAll(fd, raw) } }.get()
            try Syscall.fsync(fd)
        } catch {
            try? Syscall.unlink(temp)
            throw StateFileError.system("write \(temp)", error)
        }
        do throws(SyscallError) { try Syscall.rename(temp, to: path) } catch {
            try? Syscall.unlink(temp)
            throw StateFileError.system("rename \(temp)", error)
        }
        // The rename is durable only once the directory is on disk too.
        let directory = FilePaths.directory(of: path)
        if let dirFD = try? Syscall.open(directory.isEmpty ? "." : directory, flags: O_RDONLY | O_DIRECTORY) {
            try? Syscall.fsync(dirFD)
            try? Syscall.close(dirFD)
        }
    }
}

enum StateFileError: Error, CustomStringConvertible {
    case system(String, SyscallError)
    case unreadable(String, String)
    var description: String {
        switch self {
        case .system(let call, let error): "\(call): \(error.errno)"
        case .unreadable(let path, let why): "cannot read state-file '\(path)' (fix or remove it): \(why)"
        }
    }
}

/// The state file's content.
public struct SavedState: Codable, Sendable, Equatable {
    public var format: Int = 1
    public var roles: [SavedRole]

    public init(roles: [SavedRole]) { self.roles = roles }

    /// The snapshots to restart from, by role name.
    public var snapshots: [String: RoleSnapshot] {
        Dictionary(roles.map { ($0.snapshot.name, $0.snapshot) }, uniquingKeysWith: { a, _ in a })
    }

    /// `configuration` with the runtime server changes applied: a server added at run time
    /// (in the snapshot, not in the file when saved) is kept; a server removed at run time
    /// (in the file when saved, not in the snapshot) stays removed. Servers added to or
    /// removed from the file since are taken as the file says.
    public func effectiveConfiguration(_ configuration: ProxyConfiguration) -> ProxyConfiguration {
        var result = configuration
        let saved = Dictionary(roles.map { ($0.snapshot.name, $0) }, uniquingKeysWith: { a, _ in a })
        for i in result.roles.indices {
            guard let role = saved[result.roles[i].name] else { continue }
            let wasConfigured = Set(role.configuredServers)
            let inSnapshot = Set(role.snapshot.servers.map(\.name))
            var servers = result.roles[i].servers.filter { !(wasConfigured.contains($0.name) && !inSnapshot.contains($0.name)) }
            let names = Set(servers.map(\.name))
            for added in role.snapshot.servers where !wasConfigured.contains(added.name) && !names.contains(added.name) {
                guard let endpoint = EndpointText.parse(added.address) else { continue }
                servers.append(ServerConfig(name: added.name, address: endpoint))
            }
            if !servers.isEmpty { result.roles[i].servers = servers }
        }
        return result
    }
}

/// One role in the state file.
public struct SavedRole: Codable, Sendable, Equatable {
    public var snapshot: RoleSnapshot
    /// The servers the configuration file named when this was saved.
    public var configuredServers: [String]

    public init(snapshot: RoleSnapshot, configuredServers: [String]) {
        self.snapshot = snapshot
        self.configuredServers = configuredServers
    }
}

/// What a restart keeps of a snapshot; a change of anything else (health) is not written.
private struct PersistentPart: Equatable {
    let servers: [ServerSpec]
    let maintenance: [Bool]
    let failback: Bool
    let active: String?

    init(_ snapshot: RoleSnapshot) {
        servers = snapshot.servers.map(\.spec)
        maintenance = snapshot.servers.map(\.maintenance)
        failback = snapshot.failback
        active = snapshot.active
    }
}
