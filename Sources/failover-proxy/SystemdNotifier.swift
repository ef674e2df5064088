import Dispatch
import EventLoop
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Proxy
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The systemd notify protocol (sd_notify(3)), spoken only when `NOTIFY_SOCKET` is set:
/// `READY=1` once every listener is bound, `RELOADING=1`/`READY=1` around a reload,
/// `STOPPING=1`, `WATCHDOG=1` every half `WATCHDOG_USEC` while every event loop answers, and `STATUS=` with the active
/// server of each role. Without the variable every call does nothing.
final class SystemdNotifier: @unchecked Sendable {  // timers and `lastStatus` touched only on `queue`
    private let socketPath: String
    private let watchdogInterval: Duration?
    private let queue = DispatchQueue(label: "failover-proxy.systemd")
    private var timers: [DispatchSourceTimer] = []
    private var lastStatus = ""
    /// Event loops that have not yet run the current watchdog round's no-op.
    private let unanswered = Mutex(0)

    /// nil when the service manager did not ask for notifications.
    init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        socketPath = path
        // A watchdog meant for another process (WATCHDOG_PID) is not ours to feed.
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if forUs, let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Listeners are bound: `READY=1` with the first status, then the periodic messages.
    func ready(_ server: ProxyServer) {
        queue.sync {
            lastStatus = Self.status(server.activeServers())
            send("READY=1\nSTATUS=\(lastStatus)")
            if let watchdogInterval { every(watchdogInterval) { [self] in watchdog(server) } }
            // The active servers change on the roles' queues; a second is soon enough for `systemctl status`.
            every(.seconds(1)) { [self] in
                let status = Self.status(server.activeServers())
                guard status != lastStatus else { return }
                lastStatus = status
                send("STATUS=\(status)")
            }
        }
    }

    /// Feeds the watchdog only when every event loop ran the previous round's no-op: a loop
    /// stuck in a callback starves it, and systemd restarts the service.
    private func watchdog(_ server: ProxyServer) {
        guard unanswered.withLock({ $0 }) == 0 else { return }
        send("WATCHDOG=1")
        let loops = server.group.loops
        unanswered.withLock { $0 = loops.count }
        for loop in loops {
            loop.execute { [self] in unanswered.withLock { $0 -= 1 } }
        }
    }

    func reloading() {
        // MONOTONIC_USEC lets `Type=notify-reload` match the reload with its signal.
        send("RELOADING=1\nMONOTONIC_USEC=\(Syscall.clockNanoseconds(CLOCK_MONOTONIC) / 1000)")
    }

    func reloaded() { send("READY=1") }

    func stopping() { send("STOPPING=1") }

    /// `lpr-plugin=primary lpr-tcp=-`: roles by name, `-` while no server hosts one.
    static func status(_ active: [String: String?]) -> String {
        active.keys.sorted().map { "\($0)=\((active[$0] ?? nil) ?? "-")" }.joined(separator: " ")
    }

    private func every(_ interval: Duration, _ body: @escaping @Sendable () -> Void) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let nanos = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanos), repeating: .nanoseconds(nanos), leeway: .milliseconds(10))
        timer.setEventHandler(handler: body)
        timer.resume()
        timers.append(timer)
    }

    /// One datagram; a path starting with `@` is in the abstract namespace. Failures are
    /// ignored: the service manager going away must not stop the proxy.
    func send(_ message: String) {
        try? Syscall.sendDatagram(Array(message.utf8), toUnixPath: socketPath)
    }
}
