import Synchronization

/// How many clients one role holds on all its loops together while no server is live,
/// against `hold-queue`: a client beyond it is turned away at once (503 or a close), so
/// holding stays bounded. Lock-free: every loop of the role counts here.
final class HeldClients: Sendable {
    private let count = Atomic<Int>(0)

    /// Takes a place when fewer than `limit` are held.
    func tryHold(limit: Int) -> Bool {
        var current = count.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = count.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() { count.subtract(1, ordering: .relaxed) }

    var current: Int { count.load(ordering: .relaxed) }
}
