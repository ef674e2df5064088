import CoreMetrics
import FailoverModel
import Prometheus
import Proxy
import Synchronization

/// `/metrics`: the proxy's Prometheus registry.
///
/// Per role and server: active (0/1), state, open sessions, failovers by reason, health
/// check durations and results; the process's open fds and resident memory, read from
/// /proc at scrape time. Other modules add their own series through swift-metrics: the
/// executable calls `bootstrapMetricsSystem()` once, after which any
/// `Counter(label:dimensions:)` / `Timer` / `Recorder` (e.g. the data plane's bytes, HTTP
/// responses by class, sessions total) is exported here too.
public final class AdminMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory writing into `registry`.
    public let factory: PrometheusMetricsFactory
    /// Gauges set at scrape time, by series key, so servers removed since are unregistered.
    private let serverGauges = Mutex<[String: Prometheus.Gauge]>([:])
    /// The cluster's counters as last exported: each scrape adds what grew since.
    private let clusterExported = Mutex(ClusterCounters.Values())

    static let checkBuckets: [Duration] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500].map { .milliseconds($0) }

    enum Name {
        static var active: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "server_active", unitName: "",
                                                 helpText: "1 when the server hosts the role, else 0") }
        static var state: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "server_state", unitName: "",
                                                helpText: "1 for the server's current state (unknown, up, down, maintenance)") }
        static var sessions: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "server_sessions", unitName: "",
                                                   helpText: "Client sessions open on the server now") }
        static var failovers: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "failovers", unitName: "total",
                                                    helpText: "Changes of the role's active server, by reason") }
        static var checkDuration: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "health_check_duration",
                                                        unitName: "seconds", helpText: "Health check duration") }
        static var checks: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "health_checks", unitName: "total",
                                                 helpText: "Health checks by result (pass, fail)") }
        static var roleActive: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "role_has_active", unitName: "",
                                                     helpText: "1 when a server hosts the role, else 0") }
        static var clusterLeader: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "cluster_leader", unitName: "",
                                                        helpText: "1 while this member leads the cluster, else 0") }
        static var clusterFresh: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "cluster_fresh", unitName: "",
                                                       helpText: "1 while this member's last etcd round trip is recent enough to act on, else 0") }
        static var clusterRoundTrips: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "cluster_store_round_trips",
                                                            unitName: "total", helpText: "Successful calls to etcd") }
        static var clusterRoundTripSeconds: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "cluster_store_round_trip",
                                                                  unitName: "seconds_total", helpText: "Time spent in successful calls to etcd") }
        static var clusterFailedCalls: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "cluster_store_failed_calls",
                                                             unitName: "total", helpText: "Calls to etcd that failed or timed out") }
        static var clusterLeaderChanges: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "cluster_leader_changes",
                                                               unitName: "total", helpText: "Changes of the cluster's leader key seen") }
        static var clusterMalformed: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "cluster_malformed_values",
                                                           unitName: "total", helpText: "Values in etcd that were not understood and ignored") }
        static var clusterFenced: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "cluster_fenced_writes",
                                                        unitName: "total", helpText: "Leader writes refused because another member holds the leader key") }
        static var eventLoops: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "event_loops", unitName: "",
                                                     helpText: "Event loops taking new connections (workers)") }
        static var drainingLoops: MetricNameDescriptor { .init(namespace: "failover_proxy", metricName: "event_loops_draining", unitName: "",
                                                        helpText: "Event loops retired by a workers reload whose connections are still open") }
        static var openFDs: MetricNameDescriptor { .init(namespace: "process", metricName: "open_fds", unitName: "",
                                                  helpText: "Open file descriptors") }
        static var resident: MetricNameDescriptor { .init(namespace: "process", metricName: "resident_memory", unitName: "bytes",
                                                   helpText: "Resident memory size") }
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Makes swift-metrics write into this registry, process-wide. Call once, at start-up.
    public func bootstrapMetricsSystem() { MetricsSystem.bootstrap(factory) }

    /// Counts failovers and health checks from now on.
    func attach(to proxy: ProxyServer) {
        for role in proxy.roleNames {
            for reason in FailoverReason.allCases {  // every reason shows, at 0 until it happens
                _ = registry.makeCounter(descriptor: Name.failovers, labels: [("role", role), ("reason", reason.rawValue)])
            }
        }
        proxy.observeEvents { [registry] events, _, _ in
            for case .failover(let event) in events {
                registry.makeCounter(descriptor: Name.failovers, labels: [("role", event.role), ("reason", event.reason.rawValue)])
                    .increment()
            }
        }
        proxy.observeChecks { [registry] role, check in
            let labels = [("role", role), ("server", check.server)]
            registry.makeDurationHistogram(descriptor: Name.checkDuration, labels: labels, buckets: Self.checkBuckets)
                .record(.nanoseconds(Int64(check.durationMilliseconds * 1_000_000)))
            registry.makeCounter(descriptor: Name.checks, labels: labels + [("result", check.passed ? "pass" : "fail")])
                .increment()
        }
    }

    /// Updates the gauges from the roles' current state and renders the text format.
    func scrape(_ proxy: ProxyServer, _ done: @escaping @Sendable ([UInt8]) -> Void) {
        proxy.roleStatuses { [self] statuses in
            update(statuses)
            if let counters = proxy.clusterCounters { update(counters) }
            registry.makeGauge(descriptor: Name.eventLoops).set(Double(proxy.group.loops.count))
            registry.makeGauge(descriptor: Name.drainingLoops).set(Double(proxy.drainingLoopCount))
            let process = ProcessStats.read()
            if let fds = process.openFileDescriptors { registry.makeGauge(descriptor: Name.openFDs).set(Double(fds)) }
            if let rss = process.residentBytes { registry.makeGauge(descriptor: Name.resident).set(Double(rss)) }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            done(buffer)
        }
    }

    /// Cluster mode: leadership and freshness as gauges, store calls and oddities as counters.
    func update(_ counters: ClusterCounters.Values) {
        registry.makeGauge(descriptor: Name.clusterLeader).set(to: counters.leading ? 1.0 : 0.0)
        registry.makeGauge(descriptor: Name.clusterFresh).set(to: counters.fresh ? 1.0 : 0.0)
        let before = clusterExported.withLock { old in
            defer { old = counters }
            return old
        }
        func add(_ descriptor: MetricNameDescriptor, _ now: Double, _ then: Double) {
            registry.makeCounter(descriptor: descriptor).increment(by: max(0, now - then))
        }
        add(Name.clusterRoundTrips, Double(counters.roundTrips), Double(before.roundTrips))
        add(Name.clusterRoundTripSeconds, counters.roundTripSeconds, before.roundTripSeconds)
        add(Name.clusterFailedCalls, Double(counters.failedCalls), Double(before.failedCalls))
        add(Name.clusterLeaderChanges, Double(counters.leaderChanges), Double(before.leaderChanges))
        add(Name.clusterMalformed, Double(counters.malformed), Double(before.malformed))
        add(Name.clusterFenced, Double(counters.fencedWrites), Double(before.fencedWrites))
    }

    func update(_ statuses: [RoleStatus]) {
        var next: [String: Prometheus.Gauge] = [:]
        func set(_ descriptor: MetricNameDescriptor, _ labels: [(String, String)], _ value: Double) {
            let key = descriptor.name + labels.map { "|\($0.0)=\($0.1)" }.joined()
            let gauge = registry.makeGauge(descriptor: descriptor, labels: labels)
            gauge.set(value)
            next[key] = gauge
        }
        for role in statuses {
            set(Name.roleActive, [("role", role.name)], role.active == nil ? 0 : 1)
            for server in role.servers {
                let labels = [("role", role.name), ("server", server.name)]
                set(Name.active, labels, server.isActive ? 1 : 0)
                set(Name.sessions, labels, Double(server.sessions))
                for state in ServerState.allCases {
                    set(Name.state, labels + [("state", state.rawValue)], server.state == state ? 1 : 0)
                }
            }
        }
        serverGauges.withLock { current in
            for (key, gauge) in current where next[key] == nil { registry.unregisterGauge(gauge) }
            current = next
        }
    }
}
