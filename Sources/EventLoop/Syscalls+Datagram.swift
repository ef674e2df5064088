import Glibc

/// A datagram to a local (AF_UNIX) socket: the service manager's notify socket.
extension Syscall {
    /// Sends `bytes` in one datagram to the socket at `path` (a leading `@`: the abstract
    /// namespace), from a socket of its own, closed afterwards.
    public static func sendDatagram(_ bytes: [UInt8], toUnixPath path: String) throws(SyscallError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array(path.utf8)
        if name.first == UInt8(ascii: "@") { name[0] = 0 }
        guard name.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SyscallError(call: "sendto", errno: .fileNameTooLong)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in name.enumerated() { raw[i] = byte }
        }
        // An abstract name has no terminating NUL; a path has one.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count + (name.first == 0 ? 0 : 1))
        let fd = try blocking("socket") { Glibc.socket(AF_UNIX, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0) }
        defer { try? close(fd) }
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddr in
                bytes.withUnsafeBytes { raw in
                    Result { () throws(SyscallError) in
                        try blocking("sendto") { sendto(fd, raw.baseAddress, raw.count, CInt(MSG_NOSIGNAL), sockaddr, length) }
                    }
                }
            }
        }
        _ = try sent.get()
    }
}
