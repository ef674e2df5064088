import Dispatch
import EventLoop

/// The HTTP data plane's per-loop, per-role state: buffers, the idle upstream pool, the
/// open client connections and one coarse ticker that enforces every HTTP deadline
/// (head, idle, response, linger) so no request pays for a timer of its own.
final class HTTPPlaneState {  // confined to plane.loop
    unowned let plane: RolePlane
    /// Only ever replaced by a larger pool (a reload raised `max-head-size`).
    private(set) var buffers: HTTPBufferPool
    let pool: UpstreamPool
    private var clients: [ObjectIdentifier: HTTPSession] = [:]
    private var ticker: DispatchSourceTimer?
    private(set) var isShuttingDown = false
    /// Coarse monotonic time in nanoseconds, refreshed by the ticker and on accept.
    private(set) var now: UInt64

    static let tick: Duration = .milliseconds(100)
    static let maxIdlePerServer = 512

    init(plane: RolePlane) {
        self.plane = plane
        buffers = HTTPBufferPool(bufferSize: Self.bufferSize(maxHeadSize: plane.config.maxHeadSize))
        pool = UpstreamPool(maxPerServer: Self.maxIdlePerServer)
        now = DispatchTime.now().uptimeNanoseconds
        let ticker = DispatchSource.makeTimerSource(queue: plane.loop.queue)
        ticker.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100), leeway: .milliseconds(20))
        ticker.setEventHandler { [weak self] in self?.sweep() }
        ticker.resume()
        self.ticker = ticker
    }

    deinit { ticker?.cancel() }

    func refreshNow() { now = DispatchTime.now().uptimeNanoseconds }

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

    private func sweep() {
        refreshNow()
        let idleNanos = UInt64(max(1, plane.config.idleTimeout.wholeNanoseconds))
        if now > idleNanos { pool.expire(idleBefore: now - idleNanos) }
        for session in Array(clients.values) where session.deadline != 0 && session.deadline <= now {
            session.deadlineExpired()
        }
        if isShuttingDown && clients.isEmpty { ticker?.cancel(); ticker = nil }
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
