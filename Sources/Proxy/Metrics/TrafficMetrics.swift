import Metrics

/// Data-plane counters of one role on one loop, through swift-metrics (the admin listener
/// bootstraps the Prometheus factory, so these land in `/metrics`):
/// `failover_proxy_sessions_total{role,server,mode}`, `failover_proxy_bytes_in_total` and
/// `failover_proxy_bytes_out_total{role,server}` (client to server, server to client), and
/// `failover_proxy_http_responses_total{role,server,class}` (`2xx`…, `none` when no status
/// was sent), `failover_proxy_hold_queue_full_total{role}` (clients turned away because the
/// hold queue was full). Counters are looked up once per server and kept: the hot path only increments.
final class TrafficMetrics: @unchecked Sendable {  // confined to the plane's loop
    private struct ServerCounters {
        let sessions: Counter
        let bytesIn: Counter
        let bytesOut: Counter
        var responses: [String: Counter] = [:]
    }

    private let role: String
    private let mode: String
    private let factory: MetricsFactory
    private var servers: [String: ServerCounters] = [:]
    private lazy var holdQueueFullCounter = Counter(label: "failover_proxy_hold_queue_full_total",
                                                    dimensions: [("role", role)], factory: factory)

    /// `factory`: the bootstrapped one, read at first use of each counter (tests pass their own).
    init(role: String, mode: String, factory: MetricsFactory? = nil) {
        self.role = role
        self.mode = mode
        self.factory = factory ?? LazyFactory()
    }

    func sessionEnded(server: String?, bytesIn: UInt64, bytesOut: UInt64) {
        let server = server ?? "-"
        let counters = counters(for: server)
        counters.sessions.increment()
        if bytesIn > 0 { counters.bytesIn.increment(by: Int64(clamping: bytesIn)) }
        if bytesOut > 0 { counters.bytesOut.increment(by: Int64(clamping: bytesOut)) }
    }

    func httpResponse(server: String?, status: Int, bytesIn: UInt64, bytesOut: UInt64) {
        let server = server ?? "-"
        sessionEnded(server: server, bytesIn: bytesIn, bytesOut: bytesOut)
        let statusClass = (100...599).contains(status) ? "\(status / 100)xx" : "none"
        if let counter = servers[server]?.responses[statusClass] {
            counter.increment()
            return
        }
        let counter = Counter(label: "failover_proxy_http_responses_total",
                              dimensions: [("role", role), ("server", server), ("class", statusClass)], factory: factory)
        servers[server]?.responses[statusClass] = counter
        counter.increment()
    }

    func holdQueueFull() {
        holdQueueFullCounter.increment()
    }

    private func counters(for server: String) -> ServerCounters {
        if let found = servers[server] { return found }
        let labels = [("role", role), ("server", server)]
        let made = ServerCounters(
            sessions: Counter(label: "failover_proxy_sessions_total", dimensions: labels + [("mode", mode)], factory: factory),
            bytesIn: Counter(label: "failover_proxy_bytes_in_total", dimensions: labels, factory: factory),
            bytesOut: Counter(label: "failover_proxy_bytes_out_total", dimensions: labels, factory: factory))
        servers[server] = made
        return made
    }
}

/// Defers to `MetricsSystem.factory` when a counter is made, so planes built before the
/// admin listener bootstraps the metrics system still report to it.
private struct LazyFactory: MetricsFactory {
    func makeCounter(label: String, dimensions: [(String, String)]) -> CounterHandler {
        MetricsSystem.factory.makeCounter(label: label, dimensions: dimensions)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler {
        MetricsSystem.factory.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler {
        MetricsSystem.factory.makeTimer(label: label, dimensions: dimensions)
    }
    func destroyCounter(_ handler: CounterHandler) { MetricsSystem.factory.destroyCounter(handler) }
    func destroyRecorder(_ handler: RecorderHandler) { MetricsSystem.factory.destroyRecorder(handler) }
    func destroyTimer(_ handler: TimerHandler) { MetricsSystem.factory.destroyTimer(handler) }
}
