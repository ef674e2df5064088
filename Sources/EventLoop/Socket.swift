import Glibc
import SystemPackage

/// The single owner of a socket file descriptor.
///
/// - Closes it exactly once: `close()` is idempotent, and every other use after close
///   fails with `EBADF` (call named) instead of touching a descriptor number the kernel
///   may already have handed to someone else.
/// - A leak (the last reference dropped with the descriptor open) is a bug of the owner:
///   an assertion failure in debug builds, so the tests find it; a release build closes
///   the descriptor and goes on, since a proxy must not crash in production over a
///   forgotten close (the owner is the only holder of the number: closing it is safe).
///   Owners stop watching the fd (`IOWatcher.cancel`, which deregisters it from the loop's
///   epoll set at once) before they close it, so the fd is never closed while registered.
///
/// Not thread-safe: used by one event loop at a time (handed over once after accept or
/// connect), hence `@unchecked Sendable`.
public final class Socket: ByteStream, @unchecked Sendable {  // confined to one loop.queue (handed over once)
    private var fd: CInt

    /// Takes ownership of `descriptor` (a non-blocking socket).
    public init(taking descriptor: CInt) {
        precondition(descriptor >= 0, "invalid file descriptor")
        self.fd = descriptor
    }

    deinit {
        guard fd >= 0 else { return }
        #if DEBUG
        assertionFailure("socket \(fd) leaked: its owner dropped it without close()")
        #endif
        try? Syscall.close(fd)
    }

    public var isOpen: Bool { fd >= 0 }

    /// The raw descriptor, or -1 once closed. Never close it behind the owner's back.
    public var readinessDescriptor: CInt { fd }

    @inline(__always)
    private func openDescriptor(_ call: String) throws(SyscallError) -> CInt {
        if fd < 0 { throw SyscallError(call: call, errno: .badFileDescriptor) }
        return fd
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SyscallError) -> IOResult<Int> {
        try Syscall.read(try openDescriptor("read"), buffer)
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws(SyscallError) -> IOResult<Int> {
        try Syscall.send(try openDescriptor("send"), buffer)
    }

    public func shutdownWrite() throws(SyscallError) {
        try Syscall.shutdown(try openDescriptor("shutdown"), how: CInt(SHUT_WR))
    }

    /// Disables Nagle: the proxy forwards what it has at once.
    public func setNoDelay() throws(SyscallError) {
        try Syscall.setOption(try openDescriptor("setsockopt(TCP_NODELAY)"), level: CInt(IPPROTO_TCP),
                              name: TCP_NODELAY, value: 1, call: "setsockopt(TCP_NODELAY)")
    }

    /// The pending socket error (SO_ERROR), e.g. after a non-blocking connect.
    public func pendingError() throws(SyscallError) -> Errno? {
        let value = try Syscall.getOption(try openDescriptor("getsockopt(SO_ERROR)"), level: SOL_SOCKET, name: SO_ERROR)
        return value == 0 ? nil : Errno(rawValue: value)
    }

    public func localAddress() throws(SyscallError) -> SocketAddress {
        try Syscall.localAddress(try openDescriptor("getsockname"))
    }

    /// Closes the descriptor; later calls do nothing.
    public func close() {
        guard fd >= 0 else { return }
        let old = fd
        fd = -1
        try? Syscall.close(old)
    }
}
