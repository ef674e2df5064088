import Glibc

/// The process's limits and the monotonic clock.
extension Syscall {
    /// getrlimit(2).
    public static func limit(_ resource: __rlimit_resource) throws(SyscallError) -> rlimit {
        var limit = rlimit()
        try blocking("getrlimit") { getrlimit(CInt(resource.rawValue), &limit) }
        return limit
    }

    /// setrlimit(2).
    public static func setLimit(_ resource: __rlimit_resource, _ limit: rlimit) throws(SyscallError) {
        var limit = limit
        try blocking("setrlimit") { setrlimit(CInt(resource.rawValue), &limit) }
    }

    /// clock_gettime(2): nanoseconds of `clock` since its origin.
    public static func clockNanoseconds(_ clock: clockid_t) -> UInt64 {
        var ts = timespec()
        // Fails only for an unknown clock id; the ids used here exist on every Linux.
        _ = clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
