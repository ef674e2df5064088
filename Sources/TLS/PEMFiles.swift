import Glibc

/// Checks a file before OpenSSL sees it, so "missing" and "unreadable" are told apart from
/// "bad PEM" (OpenSSL's own message for all three is a generic BIO/system error).
enum PEMFiles {
    static func checkReadable(_ path: String, what: String) throws(TLSError) {
        var info = stat()
        if stat(path, &info) != 0 {
            let err = errno
            if err == ENOENT || err == ENOTDIR {
                throw TLSError(.fileMissing, "\(what) file \(path) does not exist")
            }
            throw TLSError(.fileUnreadable, "\(what) file \(path) cannot be read: \(String(cString: strerror(err)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw TLSError(.fileUnreadable, "\(what) file \(path) is a directory")
        }
        if access(path, R_OK) != 0 {
            let err = errno
            throw TLSError(.fileUnreadable, "\(what) file \(path) cannot be read: \(String(cString: strerror(err)))")
        }
    }
}
