import CLinux
import Dispatch

/// One epoll instance per loop, watched by a single Dispatch read source on the loop's queue.
///
/// Why not one DispatchSource per descriptor: on Linux every source event goes through
/// libdispatch's manager thread (its own epoll) and then wakes a worker for the queue, and
/// every source registration, suspend, resume and cancel is another round trip there
/// (cancel handlers run a queue turn later). Measured with `perf`, thread switches were the
/// largest cost of a short TCP session. Here the loop registers descriptors itself
/// (`epoll_ctl`, synchronous), and one wake-up of the loop handles every ready descriptor.
///
/// Level-triggered, like Dispatch sources: a descriptor is reported while it is ready.
/// Each registration carries a token (slot index and generation), so an event still queued
/// for a descriptor that was deregistered — and whose number may already be reused — in
/// the same batch is recognised and dropped.
final class Poller: @unchecked Sendable {  // confined to the loop's queue
    static let batchSize: Int32 = 64

    private let epfd: CInt
    private let queue: DispatchQueue
    private let source: DispatchSourceRead
    private var slots: [IOWatcher?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int] = []
    /// By descriptor: left in the set disarmed by a one-shot watch that fired (a finished
    /// connect, see `park`); the next registration re-arms it with `EPOLL_CTL_MOD`.
    private var parked: [Bool] = []
    private let events: UnsafeMutablePointer<clinux_poll_event>

    init(queue: DispatchQueue) {
        self.queue = queue
        do throws(SyscallError) { epfd = try Syscall.epollCreate() } catch { preconditionFailure("no epoll set for the loop: \(error)") }
        events = .allocate(capacity: Int(Self.batchSize))
        source = DispatchSource.makeReadSource(fileDescriptor: epfd, queue: queue)
        // Weak: a wake-up already queued when a (test's) loop goes away finds nothing.
        source.setEventHandler { [weak self] in self?.poll() }
        source.resume()
    }

    deinit {
        // The loop (and this poller) lives as long as the process in the product; tests
        // that drop a loop get the epoll fd closed once Dispatch no longer watches it.
        let fd = epfd
        source.setCancelHandler { try? Syscall.close(fd) }
        source.cancel()
        events.deallocate()
    }

    /// The epoll set's descriptor (tests read its `/proc/self/fdinfo`).
    var epollDescriptor: CInt { epfd }

    /// Number of descriptors registered now (for tests and metrics).
    var registeredCount: Int { slots.count - freeSlots.count }

    /// Registers `fd` for `mask` on behalf of `watcher`; returns the token.
    func register(_ watcher: IOWatcher, fd: CInt, mask: UInt32) -> UInt64 {
        let index: Int
        if let free = freeSlots.popLast() {
            index = free
            slots[index] = watcher
        } else {
            index = slots.count
            slots.append(watcher)
            generations.append(0)
        }
        let token = UInt64(generations[index]) << 32 | UInt64(index)
        if (try? add(fd: fd, mask: mask, token: token)) == nil {
            // Only a closed or non-pollable descriptor fails here. Report it as an error
            // event, a queue turn later (not from inside the owner's call), so the owner's
            // next call on the fd sees what is wrong.
            queue.async { [weak self] in self?.watcher(for: token)?.handle(events: CLINUX_EPOLLERR) }
        }
        return token
    }

    private func add(fd: CInt, mask: UInt32, token: UInt64) throws(SyscallError) {
        if isParked(fd) {
            parked[Int(fd)] = false
            do {
                return try Syscall.epollControl(epfd, op: CLINUX_EPOLL_CTL_MOD, fd: fd, events: mask, token: token)
            } catch where error.errno == .noSuchFileOrDirectory {
                // Closed and its number reused without `closing(fd:)` (by code that closes
                // a socket itself): not in the set any more.
            }
        }
        try Syscall.epollControl(epfd, op: CLINUX_EPOLL_CTL_ADD, fd: fd, events: mask, token: token)
    }

    /// Frees `token`'s slot and leaves `fd` in the set, disarmed: only for a one-shot
    /// registration whose event fired (the kernel disarmed it). A connect's watch ends so,
    /// without the `EPOLL_CTL_DEL` whose `EPOLL_CTL_ADD` the session's watch would redo
    /// (one `epoll_ctl` less per connection), or none at all when the session never waits
    /// on the socket (its close removes it).
    func park(fd: CInt, token: UInt64) {
        forget(token: token)
        guard fd >= 0 else { return }
        if Int(fd) >= parked.count { parked += repeatElement(false, count: Int(fd) + 1 - parked.count) }
        parked[Int(fd)] = true
    }

    /// `fd` is being closed: a parked registration goes with it.
    func closing(fd: CInt) {
        if isParked(fd) { parked[Int(fd)] = false }
    }

    /// A closed socket's descriptor reads -1: it is never parked, and its registration fails.
    private func isParked(_ fd: CInt) -> Bool {
        fd >= 0 && Int(fd) < parked.count && parked[Int(fd)]
    }

    func modify(fd: CInt, token: UInt64, mask: UInt32) {
        try? Syscall.epollControl(epfd, op: CLINUX_EPOLL_CTL_MOD, fd: fd, events: mask, token: token)
    }

    /// Stops watching `fd`; no event for `token` is delivered after this returns.
    func deregister(fd: CInt, token: UInt64) {
        try? Syscall.epollControl(epfd, op: CLINUX_EPOLL_CTL_DEL, fd: fd, events: 0, token: 0)
        forget(token: token)
    }

    /// Frees `token`'s slot without an `epoll_ctl`: for a descriptor closed right after,
    /// which leaves the epoll set with its last reference. An event for it already fetched
    /// in this batch is dropped (its generation is gone).
    func forget(token: UInt64) {
        let index = Int(token & 0xffff_ffff)
        guard index < slots.count, generations[index] == UInt32(token >> 32) else { return }
        slots[index] = nil
        generations[index] &+= 1
        freeSlots.append(index)
    }

    private func watcher(for token: UInt64) -> IOWatcher? {
        let index = Int(token & 0xffff_ffff)
        guard index < slots.count, generations[index] == UInt32(token >> 32) else { return nil }
        return slots[index]
    }

    /// Polls per wake-up at most: bounds how long one wake-up keeps the queue. Measured on
    /// 2 cores, HTTP keep-alive at wrk -c50, 11 runs of 5 s each against HAProxy's 1.8-2.0 ms
    /// p99 (proxy/HAProxy requests/s, proxy p99): 1 round 0.78-0.95, 1.3-1.7 ms; 2 rounds
    /// 0.89-1.06, 1.4-2.0 ms; 4 rounds 0.91-0.95, 1.8-2.2 ms; 8 rounds 0.80-0.94, 2.6-2.8
    /// ms. Past two rounds the tail grows with no throughput gain beyond these runs' noise.
    /// Blocking 50-200 µs in epoll_pwait2 before giving the queue back gained nothing either.
    /// The full benchmark does see a price (README, "How many batches per wake-up"):
    /// requests/s 1.00 -> 0.90 of HAProxy's, CPU per request 1.02 -> 1.14, for a p99 of
    /// 1.94 ms instead of 2.98 (HAProxy 1.98).
    static let drainRounds = 2

    /// One wake-up: polls until nothing is ready (at most `drainRounds` batches). Every
    /// wake-up costs libdispatch's manager thread a round trip (re-arm with `epoll_ctl`,
    /// eventfd `write`/`read`, often a `futex` to wake a worker), so what became ready while
    /// this batch was handled (an upstream's answer, the next request) is taken now. When
    /// still more is ready, the epoll fd stays readable and the source fires again.
    private func poll() {
        for _ in 0..<Self.drainRounds {
            guard let n = try? Syscall.epollReady(epfd, into: events, max: Self.batchSize), n > 0 else { return }
            for i in 0..<n {
                let event = events[i]
                watcher(for: event.token)?.handle(events: event.events)
            }
        }
    }
}
