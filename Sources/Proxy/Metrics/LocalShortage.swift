import EventLoop
import Logging
import Metrics
import Synchronization

/// The proxy's own side ran out of descriptors, buffers or memory (EMFILE, ENFILE, ENOBUFS,
/// ENOMEM, or no pipe for splice). Never a server's failure: the caller answers its client
/// (503 or a close) and reports here. Each one is counted in
/// `failover_proxy_local_resource_errors_total{role,where,error}`; the log says it at most
/// once per second for the whole process, with how many were not logged since.
final class LocalShortage: Sendable {
    static let shared = LocalShortage()
    static let logInterval: UInt64 = 1_000_000_000

    private struct State {
        var lastLogged: UInt64 = 0
        var unlogged = 0
    }
    private let state = Mutex(State())
    /// Shortages reported so far (tests: the counter itself lives in the metrics backend).
    let reported = Atomic<Int>(0)

    /// `place`: what was being done: `connect`, `health-check`, `accept`, `splice`.
    /// `logger` carries the role in its metadata (the controller's does).
    func report(_ error: SyscallError, place: String, role: String, logger: Logger) {
        reported.add(1, ordering: .relaxed)
        Counter(label: "failover_proxy_local_resource_errors_total",
                dimensions: [("role", role), ("where", place), ("error", Self.errorName(error))]).increment()
        let now = WallClock.monotonicNanoseconds()
        let unlogged: Int? = state.withLock { s in
            if s.lastLogged != 0 && now - s.lastLogged < Self.logInterval {
                s.unlogged += 1
                return nil
            }
            defer { s.lastLogged = now; s.unlogged = 0 }
            return s.unlogged
        }
        guard let unlogged else { return }
        logger.warning("local resource shortage; not a server failure", metadata: [
            "where": .string(place), "error": .string(error.description),
            "unlogged": .stringConvertible(unlogged),
        ])
    }

    static func errorName(_ error: SyscallError) -> String {
        switch error.errno {
        case .tooManyOpenFiles: return "EMFILE"
        case .tooManyOpenFilesInSystem: return "ENFILE"
        case .noBufferSpace: return "ENOBUFS"
        case .noMemory: return "ENOMEM"
        default: return "errno-\(error.errno.rawValue)"
        }
    }
}

extension UpstreamConnectError {
    /// The connect failed on the proxy's own side (see `ConnectError.localResource`).
    var localShortage: SyscallError? {
        if case .connect(.localResource(let error)) = self { return error } else { return nil }
    }
}
