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

extension AccessLog {
    /// One line per HTTP exchange, errors included: `cause` says why when it did not end normally.
    func httpRequest(role: String, client: SocketAddress, server: String?, method: String, target: String,
                     status: Int, bytesIn: UInt64, bytesOut: UInt64, startedNanos: UInt64, cause: String) {
        let ms = Double(WallClock.monotonicNanoseconds() - startedNanos) / 1_000_000
        var line = "\(WallClock.now().rfc3339) access role=\(role) mode=http client=\(client) server=\(server ?? "-") "
        line += "method=\(method) target=\(Self.quoted(target)) status=\(status == 0 ? "-" : String(status)) "
        line += "bytes_in=\(bytesIn) bytes_out=\(bytesOut) duration_ms=\(Int(ms.rounded()))"
        if !cause.isEmpty { line += " cause=\(Self.quoted(cause))" }
        write(line: line)
    }

    /// Targets and causes may hold spaces or quotes: quoted when they do, so lines stay one record each.
    static func quoted(_ text: String) -> String {
        if text.isEmpty { return "\"\"" }
        guard text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x22 || $0 == 0x5C || $0 >= 0x7F }) else { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\x" + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
