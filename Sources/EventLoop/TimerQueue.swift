import Dispatch
import Synchronization

/// The timers of one loop: a binary min-heap of deadlines driving one Dispatch timer source.
///
/// Why: a `DispatchSourceTimer` per connect and per session meant a source creation,
/// a registration with libdispatch's manager thread and a cancellation per connection.
/// Here scheduling and cancelling is O(log n) work on the loop, and the one source is
/// rescheduled only when the earliest deadline moves earlier (connect and idle timeouts
/// are mostly added at the end), or after it fired.
final class TimerQueue {  // confined to the loop's queue
    private var heap: [TimerHandle] = []
    private let source: DispatchSourceTimer
    /// What the source is scheduled for now; `.max` when idle.
    private var armedDeadline: UInt64 = .max
    /// The loop's clock: deadlines are its instants (in nanoseconds).
    let clock: any MonotonicClock

    init(queue: DispatchQueue, clock: any MonotonicClock) {
        self.clock = clock
        source = DispatchSource.makeTimerSource(queue: queue)
        source.setEventHandler { [weak self] in self?.fireDue() }
        source.schedule(deadline: .distantFuture)
        source.resume()
    }

    deinit { source.cancel() }

    var count: Int { heap.count }

    /// Adds (or re-adds, after it fired) `timer` at its `deadline`.
    func insert(_ timer: TimerHandle) {
        precondition(timer.heapIndex < 0, "timer already scheduled")
        guard !timer.isCancelled else { return }  // cancelled before its insertion hop ran
        timer.heapIndex = heap.count
        heap.append(timer)
        siftUp(heap.count - 1)
        if timer.deadline < armedDeadline { arm(timer.deadline) }
    }

    /// Removes `timer` if it is still waiting. The source stays armed: firing early finds
    /// nothing due and rearms for the next deadline, cheaper than rescheduling per removal.
    func remove(_ timer: TimerHandle) {
        let index = timer.heapIndex
        guard index >= 0, index < heap.count, heap[index] === timer else { return }
        let last = heap.count - 1
        if index != last {
            heap.swapAt(index, last)
            heap[index].heapIndex = index
        }
        heap.removeLast()
        timer.heapIndex = -1
        if index < heap.count {
            siftDown(index)
            siftUp(index)
        }
    }

    private func arm(_ deadline: UInt64) {
        armedDeadline = deadline
        source.schedule(deadline: clock.dispatchTime(for: MonotonicInstant(nanoseconds: deadline)))
    }

    /// Runs every timer due by the clock's now (the source fired; or a test moved its clock).
    func fireDue() {
        armedDeadline = .max
        let now = clock.now.nanoseconds
        // Bounded per wake-up like I/O batches; anything left is due and fires next turn.
        var fired = 0
        while let first = heap.first, first.deadline <= now, fired < 1024 {
            remove(first)
            fired += 1
            first.fire()
        }
        if let first = heap.first, first.deadline < armedDeadline { arm(first.deadline) }
    }

    // MARK: heap

    private func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            swap(child, parent)
            child = parent
        }
    }

    private func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            let right = left + 1
            var least = left
            if right < heap.count, heap[right].deadline < heap[left].deadline { least = right }
            guard heap[least].deadline < heap[parent].deadline else { return }
            swap(parent, least)
            parent = least
        }
    }

    private func swap(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        heap[a].heapIndex = a
        heap[b].heapIndex = b
    }
}

/// A one-shot timer on a loop. `cancel()` may be called from any thread, any number of
/// times; once it returns on the loop, or once the loop ran it, the handler will not run.
public final class TimerHandle: @unchecked Sendable {  // state is atomic; the rest is loop-confined
    private static let pending: UInt8 = 0, fired: UInt8 = 1, cancelled: UInt8 = 2

    private let loop: EventLoop
    private let state = Atomic<UInt8>(TimerHandle.pending)
    private var handler: (() -> Void)?
    /// Keeps the handler after firing, for `rearm`; one-shot handles drop it (and what it
    /// captures) as soon as it ran, so an owner holding its own handle makes no cycle.
    private let reusable: Bool
    var deadline: UInt64
    var heapIndex = -1

    init(loop: EventLoop, deadline: UInt64, reusable: Bool = false, handler: @escaping () -> Void) {
        self.loop = loop
        self.deadline = deadline
        self.reusable = reusable
        self.handler = handler
    }

    public func cancel() {
        guard state.compareExchange(expected: Self.pending, desired: Self.cancelled, ordering: .acquiringAndReleasing).exchanged
        else { return }
        loop.executeSoon { [self] in
            loop.timers.remove(self)
            handler = nil
        }
    }

    /// True once cancelled or fired: the handler will not run (again).
    public var isCancelled: Bool { state.load(ordering: .acquiring) != Self.pending }

    /// Runs the handler unless a cancel won the race. On the loop.
    fileprivate func fire() {
        guard state.compareExchange(expected: Self.pending, desired: Self.fired, ordering: .acquiringAndReleasing).exchanged
        else { return }
        if reusable {
            handler?()
        } else {
            let run = handler
            handler = nil
            run?()
        }
    }

    /// Loop-internal reuse of one handle (idle timers): schedules it again at `deadline`
    /// after it fired. Only for handles that nothing cancels from another thread.
    func rearm(at deadline: UInt64) {
        guard state.load(ordering: .relaxed) == Self.fired else { return }
        state.store(Self.pending, ordering: .releasing)
        self.deadline = deadline
        loop.timers.insert(self)
    }
}
