import Synchronization

/// A cap on open client connections, shared by the listeners of every loop: a listener
/// takes a slot before each accept and stops accepting while none is free (the kernel's
/// listen backlog holds the rest); a slot given back wakes the listeners that waited.
/// A limit may have a parent (a role's under the global one): a slot needs room in both.
public final class ConnectionLimit: @unchecked Sendable {  // mutable state guarded by `lock`
    private let lock = NSLockish()
    private var limit: Int?
    private var open = 0
    private var waiting: [@Sendable () -> Void] = []
    public let parent: ConnectionLimit?

    /// `limit` nil: no cap (slots are still counted).
    public init(limit: Int?, parent: ConnectionLimit? = nil) {
        self.limit = limit
        self.parent = parent
    }

    /// A reload changed the cap; listeners waiting for room try again.
    public func setLimit(_ newLimit: Int?) {
        let wake = lock.withLock { () -> [@Sendable () -> Void] in
            limit = newLimit
            defer { waiting = [] }
            return waiting
        }
        for w in wake { w() }
    }

    public var openCount: Int { lock.withLock { open } }
    public var currentLimit: Int? { lock.withLock { limit } }

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
        lock.withLock {
            if let limit, open >= limit {
                waiting.append(wake)
                return false
            }
            open += 1
            return true
        }
    }

    fileprivate func unreserve() {
        let wake = lock.withLock { () -> [@Sendable () -> Void] in
            open -= 1
            guard !waiting.isEmpty, open < limit ?? Int.max else { return [] }
            defer { waiting = [] }
            return waiting
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
