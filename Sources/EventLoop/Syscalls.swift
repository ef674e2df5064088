import CLinux
import Glibc
import SystemPackage

/// The outcome of a non-blocking call: done, or the kernel would have had to block.
/// `EAGAIN`/`EWOULDBLOCK` is an ordinary outcome on a non-blocking fd, not an error.
public enum IOResult<Value> {
    case processed(Value)
    case wouldBlock
}

extension IOResult: Equatable where Value: Equatable {}
extension IOResult: Sendable where Value: Sendable {}

/// A failed system call: which call, and why.
public struct SyscallError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name of the failing call, e.g. "splice" or "connect".
    public let call: String
    public let errno: Errno

    public init(call: String, errno: Errno) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(errno) (errno \(errno.rawValue))" }

    /// EMFILE, ENFILE, ENOBUFS, ENOMEM: this process or host is out of descriptors or
    /// memory. A limit of the proxy's own side, never a sign about a peer.
    public var isLocalResourceShortage: Bool {
        switch errno {
        case .tooManyOpenFiles, .tooManyOpenFilesInSystem, .noBufferSpace, .noMemory: return true
        default: return false
        }
    }
}

/// The one place that performs system calls. Each wrapper retries `EINTR`, turns
/// `EAGAIN`/`EWOULDBLOCK` into `.wouldBlock` where the call can block, and throws a
/// `SyscallError` naming the call otherwise.
public enum Syscall {
    @inline(__always)
    static func currentErrno() -> Errno { Errno(rawValue: Glibc.errno) }

    /// errno as a library call that failed left it (OpenSSL's reads and writes): read it
    /// right after that call, before anything else can change it.
    public static var lastErrno: Errno { currentErrno() }

    /// Runs `body` until it does not fail with EINTR; -1 with EAGAIN becomes `.wouldBlock`.
    @inline(__always)
    static func nonBlocking<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SyscallError) -> IOResult<T> {
        while true {
            let result = body()
            if result >= 0 { return .processed(result) }
            let err = Glibc.errno
            if err == EINTR { continue }
            if err == EAGAIN || err == EWOULDBLOCK { return .wouldBlock }
            throw SyscallError(call: call, errno: Errno(rawValue: err))
        }
    }

    /// Runs `body` until it does not fail with EINTR; any other failure throws.
    @inline(__always)
    @discardableResult
    static func blocking<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SyscallError) -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let err = Glibc.errno
            if err == EINTR { continue }
            throw SyscallError(call: call, errno: Errno(rawValue: err))
        }
    }

    // MARK: data

    public static func read(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer) throws(SyscallError) -> IOResult<Int> {
        try nonBlocking("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// `send` with MSG_NOSIGNAL: a closed peer gives EPIPE, never SIGPIPE.
    public static func send(_ fd: CInt, _ buffer: UnsafeRawBufferPointer) throws(SyscallError) -> IOResult<Int> {
        try nonBlocking("send") { Glibc.send(fd, buffer.baseAddress, buffer.count, CLINUX_MSG_NOSIGNAL) }
    }

    public static func write(_ fd: CInt, _ buffer: UnsafeRawBufferPointer) throws(SyscallError) -> IOResult<Int> {
        try nonBlocking("write") { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    /// splice(2) between a socket and a pipe; `.processed(0)` means EOF on `from`.
    public static func splice(from: CInt, to: CInt, count: Int, flags: UInt32) throws(SyscallError) -> IOResult<Int> {
        try nonBlocking("splice") { clinux_splice(from, to, count, flags) }
    }

    // MARK: descriptors

    public static func close(_ fd: CInt) throws(SyscallError) {
        // Linux releases the descriptor even when close fails with EINTR: never retry.
        if Glibc.close(fd) < 0 {
            let err = Glibc.errno
            if err == EINTR { return }
            throw SyscallError(call: "close", errno: Errno(rawValue: err))
        }
    }

    /// A non-blocking, close-on-exec pipe: (read end, write end).
    public static func pipe() throws(SyscallError) -> (read: CInt, write: CInt) {
        var fds: (CInt, CInt) = (-1, -1)
        try withUnsafeMutableBytes(of: &fds) { (raw) throws(SyscallError) in
            let p = raw.baseAddress!.assumingMemoryBound(to: CInt.self)
            try blocking("pipe2") { clinux_pipe2(p) }
        }
        return fds
    }

    public static func setPipeSize(_ fd: CInt, _ size: Int) throws(SyscallError) -> Int {
        Int(try blocking("fcntl(F_SETPIPE_SZ)") { clinux_set_pipe_size(fd, CInt(size)) })
    }

    public static func pipeSize(_ fd: CInt) throws(SyscallError) -> Int {
        Int(try blocking("fcntl(F_GETPIPE_SZ)") { clinux_get_pipe_size(fd) })
    }

    // MARK: sockets

    public static func socket(domain: CInt, type: CInt) throws(SyscallError) -> CInt {
        try blocking("socket") { clinux_socket_nonblocking(domain, type, 0) }
    }

    public static func setOption(_ fd: CInt, level: CInt, name: CInt, value: CInt, call: String = "setsockopt") throws(SyscallError) {
        var v = value
        try blocking(call) { setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<CInt>.size)) }
    }

    public static func getOption(_ fd: CInt, level: CInt, name: CInt) throws(SyscallError) -> CInt {
        var v: CInt = 0
        var len = socklen_t(MemoryLayout<CInt>.size)
        try blocking("getsockopt") { getsockopt(fd, level, name, &v, &len) }
        return v
    }

    public static func bind(_ fd: CInt, _ address: SocketAddress) throws(SyscallError) {
        _ = try address.withSockaddr { (sa, len) throws(SyscallError) in
            try blocking("bind") { Glibc.bind(fd, sa, len) }
        }
    }

    public static func listen(_ fd: CInt, backlog: CInt) throws(SyscallError) {
        try blocking("listen") { Glibc.listen(fd, backlog) }
    }

    /// accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC; returns the new fd and the peer's address.
    public static func accept(_ fd: CInt) throws(SyscallError) -> IOResult<(CInt, SocketAddress)> {
        var storage = sockaddr_storage()
        var len = UInt32(MemoryLayout<sockaddr_storage>.size)
        let result = try withUnsafeMutableBytes(of: &storage) { (raw) throws(SyscallError) in
            try nonBlocking("accept4") { clinux_accept4(fd, raw.baseAddress, &len) }
        }
        switch result {
        case .wouldBlock: return .wouldBlock
        case .processed(let newFD): return .processed((newFD, SocketAddress(storage: storage)))
        }
    }

    /// Non-blocking connect: `.processed(())` when connected at once, `.wouldBlock` when in progress.
    public static func connect(_ fd: CInt, _ address: SocketAddress) throws(SyscallError) -> IOResult<Void> {
        try address.withSockaddr { (sa, len) throws(SyscallError) -> IOResult<Void> in
            while true {
                if Glibc.connect(fd, sa, len) == 0 { return .processed(()) }
                let err = Glibc.errno
                if err == EINTR { continue }
                if err == EINPROGRESS || err == EAGAIN { return .wouldBlock }
                throw SyscallError(call: "connect", errno: Errno(rawValue: err))
            }
        }
    }

    /// One byte looked at, not taken (`recv` with MSG_PEEK|MSG_DONTWAIT): `.processed(0)`
    /// at EOF with nothing unread, `.processed(1)` when input waits.
    public static func peek(_ fd: CInt) throws(SyscallError) -> IOResult<Int> {
        var byte: UInt8 = 0
        return try nonBlocking("recv(MSG_PEEK)") { recv(fd, &byte, 1, CInt(MSG_PEEK | MSG_DONTWAIT)) }
    }

    public static func shutdown(_ fd: CInt, how: CInt) throws(SyscallError) {
        try blocking("shutdown") { Glibc.shutdown(fd, how) }
    }

    public static func localAddress(_ fd: CInt) throws(SyscallError) -> SocketAddress {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutableBytes(of: &storage) { (raw) throws(SyscallError) in
            try blocking("getsockname") {
                getsockname(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &len)
            }
        }
        return SocketAddress(storage: storage)
    }
}
