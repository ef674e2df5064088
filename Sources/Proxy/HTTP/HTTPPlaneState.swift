import Dispatch
import EventLoop

/// The HTTP data plane's per-loop, per-role state: buffers, the idle upstream pool, the
/// open client connections and one ticker that enforces every HTTP deadline (head, idle,
/// response, linger) so no request pays for a timer of its own. The ticker is scheduled for
/// the earliest deadline (within `resolution`), and at least once a `heartbeat` for the pool.
final class HTTPPlaneState {  // confined to plane.loop
    unowned let plane: RolePlane
    /// Only ever replaced by a larger pool (a reload raised `max-head-size`).
    private(set) var buffers: HTTPBufferPool
    let pool: UpstreamPool
    private var clients: [ObjectIdentifier: HTTPSession] = [:]
    private var ticker: DispatchSourceTimer?
    /// When the ticker fires next, in `now` time; `.max`: not scheduled.
    private(set) var tickerDeadline: UInt64 = .max
    /// When it last swept, so sweeps stay `resolution` apart however dense the deadlines.
    private var lastSweep: UInt64 = 0
    private(set) var isShuttingDown = false

    /// How late a deadline may be enforced, and the least time between two sweeps.
    static let resolution: UInt64 = 10_000_000
    /// The longest the ticker sleeps: idle pooled connections expire about this often.
    static let heartbeat: UInt64 = 1_000_000_000
    static let maxIdlePerServer = 512

    init(plane: RolePlane) {
        self.plane = plane
        buffers = HTTPBufferPool(bufferSize: Self.bufferSize(maxHeadSize: plane.config.maxHeadSize))
        pool = UpstreamPool(maxPerServer: Self.maxIdlePerServer)
        let ticker = DispatchSource.makeTimerSource(queue: plane.loop.queue)
        ticker.setEventHandler { [weak self] in self?.sweep() }
        ticker.resume()
        self.ticker = ticker
        lastSweep = now
        schedule(at: now + Self.heartbeat)
    }

    deinit { ticker?.cancel() }

    /// Monotonic time in nanoseconds, from the loop's clock (a manual one in tests).
    var now: UInt64 { plane.loop.clock.now.nanoseconds }

    /// A session's deadline was set: the ticker fires by then. Later deadlines need nothing
    /// (an early sweep finds nothing due and schedules the next).
    func deadlineSet(_ deadline: UInt64) {
        if deadline != 0 && deadline < tickerDeadline { schedule(at: deadline) }
    }

    private func schedule(at deadline: UInt64) {
        guard let ticker else { return }
        let at = max(deadline, lastSweep + Self.resolution)
        tickerDeadline = at
        ticker.schedule(deadline: plane.loop.clock.dispatchTime(for: MonotonicInstant(nanoseconds: at)), leeway: .milliseconds(2))
    }

    /// Room for the largest head the role accepts plus body bytes behind it.
    static func bufferSize(maxHeadSize: Int) -> Int { max(64 * 1024, maxHeadSize + 4096) }

    /// Called on accept: grows the buffers when the configuration now allows larger heads.
    func fitBuffers() {
        let needed = Self.bufferSize(maxHeadSize: plane.config.maxHeadSize)
        if needed > buffers.bufferSize { buffers = HTTPBufferPool(bufferSize: needed) }
    }

    func add(_ session: HTTPSession) { clients[ObjectIdentifier(session)] = session }
    func remove(_ session: HTTPSession) { clients[ObjectIdentifier(session)] = nil }
    var clientCount: Int { clients.count }
    /// The earliest deadline of a client now (tests).
    var earliestDeadline: UInt64? { clients.values.lazy.map(\.deadline).filter { $0 != 0 }.min() }

    private func sweep() {
        tickerDeadline = .max
        let now = self.now
        lastSweep = now
        let idleNanos = UInt64(max(1, plane.config.idleTimeout.wholeNanoseconds))
        if now > idleNanos { pool.expire(idleBefore: now - idleNanos) }
        var next = now + Self.heartbeat
        for session in Array(clients.values) where session.deadline != 0 {
            if session.deadline <= now { session.deadlineExpired() }
            if session.deadline != 0 { next = min(next, session.deadline) }  // set again meanwhile, or not due
        }
        if isShuttingDown && clients.isEmpty { ticker?.cancel(); ticker = nil; return }
        if next < tickerDeadline { schedule(at: next) }
    }

    /// The server lost the role: its pooled connections are closed now, and requests still
    /// connecting to it are routed again.
    func serverLost(_ server: String) {
        pool.closeAll(server: server)
        for session in Array(clients.values) { session.routeLost(server) }
    }

    /// Shutdown began: idle clients and pooled connections close; busy ones finish first.
    func beginShutdown() {
        isShuttingDown = true
        pool.closeAll()
        for session in Array(clients.values) { session.closeIfIdle() }
    }

    /// End of the shutdown grace period: everything closes.
    func closeAll() {
        pool.closeAll()
        for session in Array(clients.values) { session.closeNow() }
    }
}
