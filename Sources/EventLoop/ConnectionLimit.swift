import Synchronization

/// A cap on open client connections, shared by the listeners of every loop: a listener
/// takes a slot before each accept and stops accepting while none is free (the kernel's
/// listen backlog holds the rest); a slot given back wakes the listeners that waited.
/// A limit may have a parent (a role's under the global one): a slot needs room in both.
public final class ConnectionLimit: Sendable {
    private struct State {
        var limit: Int?
        var open = 0
        var waiting: [@Sendable () -> Void] = []
    }
    private let state: Mutex<State>
    public let parent: ConnectionLimit?

    /// `limit` nil: no cap (slots are still counted).
    public init(limit: Int?, parent: ConnectionLimit? = nil) {
        state = Mutex(State(limit: limit))
        self.parent = parent
    }

    /// A reload changed the cap; listeners waiting for room try again.
    public func setLimit(_ newLimit: Int?) {
        let wake = state.withLock { s -> [@Sendable () -> Void] in
            s.limit = newLimit
            defer { s.waiting = [] }
            return s.waiting
        }
        for w in wake { w() }
    }

    public var openCount: Int { state.withLock { $0.open } }
    public var currentLimit: Int? { state.withLock { $0.limit } }

    /// A slot, or nil after `wake` was registered to be called (once, on any thread) when
    /// one may have come free.
    public func acquire(orWhenFree wake: @escaping @Sendable () -> Void) -> ConnectionSlot? {
        guard reserve(wake) else { return nil }
        if let parent, !parent.reserve(wake) {
            unreserve()
            return nil
        }
        return ConnectionSlot(self)
    }

    private func reserve(_ wake: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { s in
            if let limit = s.limit, s.open >= limit {
                s.waiting.append(wake)
                return false
            }
            s.open += 1
            return true
        }
    }

    fileprivate func unreserve() {
        let wake = state.withLock { s -> [@Sendable () -> Void] in
            s.open -= 1
            guard !s.waiting.isEmpty, s.open < s.limit ?? Int.max else { return [] }
            defer { s.waiting = [] }
            return s.waiting
        }
        for w in wake { w() }
    }

    fileprivate func releaseChain() {
        unreserve()
        parent?.releaseChain()
    }
}

/// One open client connection counted against a `ConnectionLimit` (and its parent).
/// `release()` when the client's connection is closed; idempotent, and done at deinit too.
public final class ConnectionSlot: Sendable {
    private let limit: ConnectionLimit
    private let released = Atomic<Bool>(false)

    fileprivate init(_ limit: ConnectionLimit) { self.limit = limit }

    public func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        limit.releaseChain()
    }

    deinit { release() }
}
