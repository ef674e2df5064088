import CLinux
import Dispatch
import Glibc
import Synchronization

/// One serial DispatchQueue and the per-loop resources its connections share
/// (pipe pool, copy buffers). Everything a connection does happens on its loop's queue.
public final class EventLoop: @unchecked Sendable {  // pools are touched only on `queue`
    public let queue: DispatchQueue
    public let index: Int
    let pipePool: PipePool
    let bufferPool: BufferPool
    /// The loop's epoll set: one fd per loop, for the loop's lifetime.
    let poller: Poller
    /// The loop's timers (created on first use, on the loop).
    private var _timers: TimerQueue?
    private let key = DispatchSpecificKey<ObjectIdentifier>()
    /// Where the loop's timers read the time (the system's monotonic clock but in tests).
    public let clock: any MonotonicClock

    public init(index: Int = 0, label: String? = nil, pipeSize: Int = 1 << 20, copyBufferSize: Int = 256 << 10,
                clock: any MonotonicClock = SystemClock()) {
        self.index = index
        self.clock = clock
        self.queue = DispatchQueue(label: label ?? "failover-proxy.loop.\(index)")
        self.pipePool = PipePool(preferredSize: pipeSize)
        self.bufferPool = BufferPool(bufferSize: copyBufferSize)
        self.poller = Poller(queue: queue)
        queue.setSpecific(key: key, value: ObjectIdentifier(self))
        ignoreSIGPIPE
    }

    /// True when the caller runs on this loop's queue.
    public var inEventLoop: Bool { DispatchQueue.getSpecific(key: key) == ObjectIdentifier(self) }

    public func preconditionInEventLoop(file: StaticString = #fileID, line: UInt = #line) {
        dispatchPrecondition(condition: .onQueue(queue))
    }

    /// Closes the idle pooled pipes (and frees idle copy buffers' slots); for shutdown.
    /// Call on the loop. Pipes in use return to the pool later and are kept.
    public func releasePooledResources() {
        preconditionInEventLoop()
        pipePool.drain()
    }

    var timers: TimerQueue {
        if let t = _timers { return t }
        let t = TimerQueue(queue: queue, clock: clock)
        _timers = t
        return t
    }

    /// Runs `work` on the loop, asynchronously.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        queue.async(execute: work)
    }

    /// Runs `work` now when already on the loop, else hops onto it.
    public func executeSoon(_ work: @escaping @Sendable () -> Void) {
        if inEventLoop { work() } else { queue.async(execute: work) }
    }

    /// Calls `handler` on the loop once after `delay`, unless cancelled first.
    @discardableResult
    public func scheduleTimer(after delay: Duration, _ handler: @escaping @Sendable () -> Void) -> TimerHandle {
        let timer = TimerHandle(loop: self, deadline: deadline(after: delay), handler: handler)
        executeSoon { [self] in timers.insert(timer) }
        return timer
    }

    /// On the loop: a timer without the `Sendable` hop (connect and idle timeouts).
    func scheduleLoopTimer(after delay: Duration, reusable: Bool = false, _ handler: @escaping () -> Void) -> TimerHandle {
        let timer = TimerHandle(loop: self, deadline: deadline(after: delay), reusable: reusable, handler: handler)
        timers.insert(timer)
        return timer
    }

    /// `delay` from the loop's now, as a timer deadline.
    func deadline(after delay: Duration) -> UInt64 {
        (clock.now + delay).nanoseconds
    }
}

/// SIGPIPE would kill the process when a peer goes away under a splice; sends already
/// use MSG_NOSIGNAL. Ignored once, process-wide, when the first loop is created.
private let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

extension Duration {
    var dispatchInterval: DispatchTimeInterval { .nanoseconds(Int(clamping: nanoseconds)) }
    var nanoseconds: Int64 {
        let (s, atto) = components
        return s.multipliedReportingOverflow(by: 1_000_000_000).overflow ? .max : s * 1_000_000_000 + atto / 1_000_000_000
    }
}

/// How many event loops to run: `workers auto;` or `workers N;`.
public enum Workers: Sendable, Equatable {
    case auto
    case count(Int)

    /// CPUs this process may run on (affinity mask), else online CPUs. No Foundation needed.
    static func availableProcessors() -> Int {
        let count = Int(clinux_available_cpus())
        return count > 0 ? count : Int(sysconf(CInt(_SC_NPROCESSORS_ONLN)))
    }

    public var resolved: Int {
        switch self {
        case .auto: return max(1, Self.availableProcessors())
        case .count(let n): return max(1, n)
        }
    }
}

/// A fixed set of event loops handed out round-robin (a `workers` reload makes a new
/// group with `resized(to:)`).
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]
    private let cursor = Atomic<Int>(0)

    public convenience init(count: Int, pipeSize: Int = 1 << 20, copyBufferSize: Int = 256 << 10) {
        precondition(count > 0, "an event loop group needs at least one loop")
        self.init(loops: (0..<count).map { EventLoop(index: $0, pipeSize: pipeSize, copyBufferSize: copyBufferSize) })
    }

    public init(loops: [EventLoop]) {
        precondition(!loops.isEmpty, "an event loop group needs at least one loop")
        self.loops = loops
    }

    public convenience init(workers: Workers) {
        self.init(count: workers.resolved)
    }

    /// The next loop, round-robin.
    public func next() -> EventLoop {
        let n = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
        return loops[Int(UInt(bitPattern: n) % UInt(loops.count))]
    }
}
