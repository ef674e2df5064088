import EventLoop
import Glibc

/// Checks a file before OpenSSL sees it, so "missing" and "unreadable" are told apart from
/// "bad PEM" (OpenSSL's own message for all three is a generic BIO/system error).
enum PEMFiles {
    static func checkReadable(_ path: String, what: String) throws(TLSError) {
        let info: stat
        do throws(SyscallError) { info = try Syscall.status(ofFile: path) } catch {
            if error.errno == .noSuchFileOrDirectory || error.errno == .notDirectory {
                throw TLSError(.fileMissing, "\(what) file \(path) does not exist")
            }
            throw TLSError(.fileUnreadable, "\(what) file \(path) cannot be read: \(error.errno)")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw TLSError(.fileUnreadable, "\(what) file \(path) is a directory")
        }
        do throws(SyscallError) { try Syscall.checkAccess(path, R_OK) } catch {
            throw TLSError(.fileUnreadable, "\(what) file \(path) cannot be read: \(error.errno)")
        }
    }
}
