import Dispatch
import EventLoop

extension RolePlane {
    /// A `workers` reload retired this loop and its listeners no longer accept here. What
    /// it holds drains as after a planned move: HTTP clients finish the exchange under way
    /// (idle keep-alive ones close now), TCP sessions run until they close, and whatever is
    /// still open after the role's `drain-timeout` is closed. `released` runs on the loop
    /// once nothing is left.
    func retire(released: @escaping @Sendable () -> Void) {
        http?.beginShutdown()
        let deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(clamping: config.drainTimeout.wholeNanoseconds)
        watchRetirement(deadline: deadline, released: released)
    }

    /// Polled, not one long timer: a cancelled timer stays queued until its deadline and
    /// would keep the loop alive that long.
    private func watchRetirement(deadline: UInt64, released: @escaping @Sendable () -> Void) {
        if isEmpty { return released() }
        if DispatchTime.now().uptimeNanoseconds >= deadline { closeAllSessions() }
        _ = loop.scheduleTimer(after: .milliseconds(100)) { [self] in watchRetirement(deadline: deadline, released: released) }
    }

    /// No session, held client, HTTP client or TLS handshake left on this loop.
    var isEmpty: Bool { openSessions == 0 && heldCount == 0 && (http?.clientCount ?? 0) == 0 && pendingHandshakes == 0 }
}
