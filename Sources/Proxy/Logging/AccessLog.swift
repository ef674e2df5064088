#if canImport(Glibc)
import Glibc
#endif
import EventLoop
import ProxyConfig

/// One line per TCP session or HTTP request, to stderr or an append-only file.
/// Each line is a single `write(2)` on an `O_APPEND` descriptor, so lines from several
/// loops never interleave and no lock is needed.
public final class AccessLog: Sendable {
    private let fd: Int32
    private let ownsFD: Bool

    public init(target: AccessLogTarget) throws(ProxyError) {
        switch target {
        case .stderr:
            fd = 2
            ownsFD = false
        case .file(let path):
            let opened = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard opened >= 0 else {
                throw ProxyError(description: "cannot open access log '\(path)': \(String(cString: strerror(errno)))")
            }
            fd = opened
            ownsFD = true
        }
    }

    deinit { if ownsFD { close(fd) } }

    func tcpSession(role: String, client: SocketAddress, server: String?, bytesUp: UInt64, bytesDown: UInt64,
                    startedNanos: UInt64, outcome: String) {
        let ms = Double(WallClock.monotonicNanoseconds() - startedNanos) / 1_000_000
        write(line: "\(WallClock.now().rfc3339) access role=\(role) mode=tcp client=\(client) server=\(server ?? "-") "
            + "bytes_in=\(bytesUp) bytes_out=\(bytesDown) duration_ms=\(Int(ms.rounded())) end=\(outcome)")
    }

    func write(line: String) {
        var text = line + "\n"
        text.withUTF8 { bytes in _ = Glibc.write(fd, bytes.baseAddress, bytes.count) }
    }
}
