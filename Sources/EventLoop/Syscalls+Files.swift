import Glibc

/// Files: the access log and the state file (blocking descriptors, never on a loop's hot path).
extension Syscall {
    /// open(2) with close-on-exec; the new descriptor.
    public static func open(_ path: String, flags: CInt, mode: mode_t = 0o644) throws(SyscallError) -> CInt {
        try blocking("open") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// write(2) once, EINTR retried: a short write is the caller's to handle.
    public static func writeOnce(_ fd: CInt, _ buffer: UnsafeRawBufferPointer) throws(SyscallError) -> Int {
        try blocking("write") { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    /// write(2) until every byte is written (a file: short writes only when interrupted).
    public static func writeAll(_ fd: CInt, _ buffer: UnsafeRawBufferPointer) throws(SyscallError) {
        var offset = 0
        while offset < buffer.count {
            offset += try writeOnce(fd, UnsafeRawBufferPointer(rebasing: buffer[offset...]))
        }
    }

    /// stat(2) of `path`.
    public static func status(ofFile path: String) throws(SyscallError) -> stat {
        var info = stat()
        try blocking("stat") { () -> CInt in stat(path, &info) }
        return info
    }

    /// access(2): throws unless this process may access `path` as `mode` says (R_OK…).
    public static func checkAccess(_ path: String, _ mode: CInt) throws(SyscallError) {
        try blocking("access") { Glibc.access(path, mode) }
    }

    public static func fsync(_ fd: CInt) throws(SyscallError) {
        try blocking("fsync") { Glibc.fsync(fd) }
    }

    public static func rename(_ from: String, to: String) throws(SyscallError) {
        try blocking("rename") { Glibc.rename(from, to) }
    }

    public static func unlink(_ path: String) throws(SyscallError) {
        try blocking("unlink") { Glibc.unlink(path) }
    }

    /// A close-on-exec copy of `fd`, numbered 3 or above (never stdin, stdout or stderr).
    public static func duplicate(_ fd: CInt) throws(SyscallError) -> CInt {
        try blocking("fcntl(F_DUPFD_CLOEXEC)") { fcntl(fd, F_DUPFD_CLOEXEC, 3) }
    }

    /// Makes `target` a close-on-exec copy of `fd` (dup2 clears the flag; set it again).
    public static func duplicate(_ fd: CInt, over target: CInt) throws(SyscallError) {
        try blocking("dup2") { dup2(fd, target) }
        try blocking("fcntl(F_SETFD)") { fcntl(target, F_SETFD, FD_CLOEXEC) }
    }
}
