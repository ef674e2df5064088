import EventLoop
import ProxyConfig

/// Checks one server every `interval` (the first check at once) and reports each outcome.
/// `checkNow()` runs an extra check right away (a passive failure was seen); a request
/// that arrives while a check is in flight runs right after it, never two at once.
final class HealthChecker: @unchecked Sendable {  // confined to loop.queue
    let server: String
    let loop: EventLoop
    private let target: ServerTarget
    private let tls: UpstreamTLS?
    private let health: HealthConfig
    private let report: @Sendable (ProbeOutcome) -> Void
    private var timer: TimerHandle?
    private var inFlight: HealthProbe?
    private var recheckWanted = false
    private var stopped = false

    init(server: String, target: ServerTarget, tls: UpstreamTLS?, health: HealthConfig, loop: EventLoop,
         report: @escaping @Sendable (ProbeOutcome) -> Void) {
        self.server = server
        self.target = target
        self.tls = tls
        self.health = health
        self.loop = loop
        self.report = report
    }

    func start() { loop.execute { self.runCheck() } }

    func checkNow() {
        loop.execute { [self] in
            guard !stopped else { return }
            if inFlight != nil { recheckWanted = true; return }
            timer?.cancel()
            runCheck()
        }
    }

    func stop() {
        loop.execute { [self] in
            stopped = true
            timer?.cancel()
        }
    }

    private func runCheck() {
        guard !stopped else { return }
        let probe = HealthProbe(loop: loop, server: server, target: target, tls: tls, health: health) { [self] result in
            inFlight = nil
            guard !stopped else { return }
            report(result)
            if recheckWanted {
                recheckWanted = false
                runCheck()
            } else {
                timer = loop.scheduleTimer(after: health.interval) { [self] in runCheck() }
            }
        }
        inFlight = probe
        probe.start()
    }
}
