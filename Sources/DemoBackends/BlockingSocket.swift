#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Minimal blocking IPv4 loopback sockets for the demo and test backends.
/// Backends are not the product: a thread per connection keeps them obviously correct,
/// independent of the event loop they are used to test.
public enum BlockingSocket {
    public struct Failure: Error, CustomStringConvertible {
        let call: String
        let code: Int32
        public var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    /// Binds and listens on 127.0.0.1:port (0 = ephemeral); returns the fd and the bound port.
    public static func listen(host: String = "127.0.0.1", port: UInt16, backlog: Int32 = 1024) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", code: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &addr.sin_addr)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { let e = errno; close(fd); throw Failure(call: "bind", code: e) }
        guard Glibc.listen(fd, backlog) == 0 else { let e = errno; close(fd); throw Failure(call: "listen", code: e) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, UInt16(bigEndian: addr.sin_port))
    }

    /// Connects to host:port; returns the connected fd.
    public static func connect(host: String = "127.0.0.1", port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", code: errno) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { let e = errno; close(fd); throw Failure(call: "connect", code: e) }
        return fd
    }

    /// Writes all bytes; false when the peer went away.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Reads once; nil on EOF or error.
    static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            return n > 0 ? n : nil
        }
    }

    /// SO_TIMESTAMPNS (the value on Linux; the macro does not import): the kernel stamps
    /// each received segment with its arrival time.
    static let timestampOption: Int32 = 35

    /// Asks the kernel to stamp received data with its arrival time (see `readSomeStamped`).
    static func enableReceiveTimestamps(_ fd: Int32) {
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, timestampOption, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Like `readSome`, with the kernel's arrival time of the bytes (CLOCK_REALTIME, since
    /// the epoch) when the socket has timestamps on: not when this thread got to read them.
    static func readSomeStamped(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, arrivedAt: Duration?)? {
        var control = [UInt8](repeating: 0, count: 64)
        while true {
            var iov = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
            let (n, stamp) = control.withUnsafeMutableBytes { ctl -> (Int, Duration?) in
                withUnsafeMutablePointer(to: &iov) { iovp -> (Int, Duration?) in
                    var msg = msghdr()
                    msg.msg_iov = iovp
                    msg.msg_iovlen = 1
                    msg.msg_control = ctl.baseAddress
                    msg.msg_controllen = ctl.count
                    let n = recvmsg(fd, &msg, 0)
                    guard n > 0 else { return (n, nil) }
                    return (n, Self.timestamp(in: UnsafeRawBufferPointer(rebasing: ctl[0..<Int(msg.msg_controllen)])))
                }
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            return (n, stamp)
        }
    }

    /// The SCM_TIMESTAMPNS timespec in the control data recvmsg filled (one message:
    /// cmsghdr {len, level, type}, then the timespec, 8-byte aligned on 64-bit Linux).
    private static func timestamp(in control: UnsafeRawBufferPointer) -> Duration? {
        let header = MemoryLayout<cmsghdr>.size
        guard control.count >= header + MemoryLayout<timespec>.size else { return nil }
        let cmsg = control.loadUnaligned(as: cmsghdr.self)
        guard cmsg.cmsg_level == SOL_SOCKET, cmsg.cmsg_type == timestampOption else { return nil }
        let ts = control.loadUnaligned(fromByteOffset: header, as: timespec.self)
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }

    static func setReceiveTimeout(_ fd: Int32, seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Stops a backend the way a crashed process goes away: the listener closes (connects
    /// are refused; the shutdown wakes a blocked accept) and open connections are reset.
    public static func crash(listener: Int32, connections: some Sequence<Int32>) {
        if listener >= 0 {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
        for fd in connections {
            var reset = linger(l_onoff: 1, l_linger: 0)  // RST, not FIN
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
            shutdown(fd, Int32(SHUT_RDWR))
        }
    }
}
