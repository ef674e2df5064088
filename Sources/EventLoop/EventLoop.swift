import Dispatch
import Foundation
import Glibc
import Synchronization

/// One serial DispatchQueue and the per-loop resources its connections share
/// (pipe pool, copy buffers). Everything a connection does happens on its loop's queue.
public final class EventLoop: @unchecked Sendable {  // pools are touched only on `queue`
    public let queue: DispatchQueue
    public let index: Int
    let pipePool: PipePool
    let bufferPool: BufferPool
    private let key = DispatchSpecificKey<ObjectIdentifier>()

    public init(index: Int = 0, label: String? = nil, pipeSize: Int = 1 << 20, copyBufferSize: Int = 256 << 10) {
        self.index = index
        self.queue = DispatchQueue(label: label ?? "failover-proxy.loop.\(index)")
        self.pipePool = PipePool(preferredSize: pipeSize)
        self.bufferPool = BufferPool(bufferSize: copyBufferSize)
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
        TimerHandle(queue: queue, delay: delay, handler: handler)
    }
}

/// SIGPIPE would kill the process when a peer goes away under a splice; sends already
/// use MSG_NOSIGNAL. Ignored once, process-wide, when the first loop is created.
private let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

/// A one-shot timer on a loop. `cancel()` may be called from any thread, any number of times.
public final class TimerHandle: @unchecked Sendable {  // the timer source is thread-safe; handler runs on the loop
    private let source: DispatchSourceTimer

    init(queue: DispatchQueue, delay: Duration, handler: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + delay.dispatchInterval)
        source.setEventHandler { [source] in
            source.cancel()
            handler()
        }
        source.resume()
    }

    public func cancel() { source.cancel() }
    public var isCancelled: Bool { source.isCancelled }
}

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

    public var resolved: Int {
        switch self {
        case .auto: return max(1, ProcessInfo.processInfo.activeProcessorCount)
        case .count(let n): return max(1, n)
        }
    }
}

/// A fixed set of event loops handed out round-robin.
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]
    private let cursor = Atomic<Int>(0)

    public init(count: Int, pipeSize: Int = 1 << 20, copyBufferSize: Int = 256 << 10) {
        precondition(count > 0, "an event loop group needs at least one loop")
        loops = (0..<count).map { EventLoop(index: $0, pipeSize: pipeSize, copyBufferSize: copyBufferSize) }
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
