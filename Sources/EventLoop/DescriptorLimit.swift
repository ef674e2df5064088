import Glibc

/// RLIMIT_NOFILE of this process: how many descriptors it may hold open.
public enum DescriptorLimit {
    /// Where the soft limit goes when the hard one is unlimited (Linux's default `nr_open`).
    static let unlimitedTarget = 1_048_576
    /// RLIM_INFINITY (all bits set; Glibc's macro does not import as a value of `rlim_t`).
    static let infinity = rlim_t.max

    /// The soft and hard limits now (an unlimited one as `Int.max`).
    public static func current() -> (soft: Int, hard: Int) {
        guard let limit = try? Syscall.limit(RLIMIT_NOFILE) else { return (1024, 1024) }
        return (value(limit.rlim_cur), value(limit.rlim_max))
    }

    /// Raises the soft limit to the hard one (the most a process may hold without
    /// privileges). Returns the soft limit before and after.
    @discardableResult
    public static func raiseToHard() -> (before: Int, after: Int) {
        guard var limit = try? Syscall.limit(RLIMIT_NOFILE) else { return (1024, 1024) }
        let before = value(limit.rlim_cur)
        let target = limit.rlim_max == Self.infinity ? rlim_t(unlimitedTarget) : limit.rlim_max
        guard limit.rlim_cur < target else { return (before, before) }
        limit.rlim_cur = target
        guard (try? Syscall.setLimit(RLIMIT_NOFILE, limit)) != nil else { return (before, before) }
        return (before, value(target))
    }

    private static func value(_ raw: rlim_t) -> Int {
        raw == Self.infinity ? Int.max : Int(clamping: raw)
    }
}
