import EventLoop
import Logging
import ProxyConfig

/// The process's descriptor limit, as `run`, `demo` and `check` see it.
public enum DescriptorLimits {
    /// At start: the soft RLIMIT_NOFILE goes up to the hard one, and the log says so.
    public static func raise(logger: Logger) {
        let (before, after) = DescriptorLimit.raiseToHard()
        logger.info("descriptor limit", metadata: [
            "soft": .stringConvertible(after), "was": .stringConvertible(before),
            "hard": .stringConvertible(DescriptorLimit.current().hard),
        ])
    }

    /// The hard limit: what `run` will raise the soft one to.
    public static var hard: Int { DescriptorLimit.current().hard }
}

extension DescriptorLimits {
    /// The event loops a configuration runs (`workers auto`: one per core here).
    public static func loops(_ configuration: ProxyConfiguration) -> Int {
        configuration.workers.eventLoopWorkers.resolved
    }
}
