import CLinux

/// The loop's epoll set (see `Poller`).
extension Syscall {
    static func epollCreate() throws(SyscallError) -> CInt {
        try blocking("epoll_create1") { clinux_epoll_create() }
    }

    static func epollControl(_ epfd: CInt, op: CInt, fd: CInt, events: UInt32, token: UInt64) throws(SyscallError) {
        try blocking("epoll_ctl") { clinux_epoll_ctl(epfd, op, fd, events, token) }
    }

    /// What is ready now (never waits): the number of events written to `events`.
    static func epollReady(_ epfd: CInt, into events: UnsafeMutablePointer<clinux_poll_event>, max: CInt) throws(SyscallError) -> Int {
        Int(try blocking("epoll_wait") { clinux_epoll_wait(epfd, events, max, 0) })
    }
}
