#if canImport(Glibc)
import Glibc
#endif
import EventLoop
import ProxyConfig
import Synchronization

/// One line per TCP session or HTTP request, to stderr or an append-only file.
/// Each line is a single `write(2)` on an `O_APPEND` descriptor, so lines from several
/// loops never interleave and no lock is needed.
///
/// The descriptor number never changes: a new target (reload) or the same file opened
/// again (SIGUSR1, after logrotate moved it) is `dup2`'d over it, so a loop writing at
/// that moment writes to the old file or the new one, never to a closed or reused fd.
/// With no target the log is off: sessions skip the bookkeeping and write nothing.
public final class AccessLog: Sendable {
    private let fd: Int32
    private let on: Atomic<Bool>
    private let current: Mutex<AccessLogTarget?>

    public init(target: AccessLogTarget?) throws(ProxyError) {
        let opened = try Self.open(target)
        fd = opened
        on = Atomic(target != nil)
        current = Mutex(target)
    }

    deinit { try? Syscall.close(fd) }

    /// Whether lines are written now.
    var isOn: Bool { on.load(ordering: .relaxed) }

    public var target: AccessLogTarget? { current.withLock { $0 } }

    /// A target opened and ready to replace the current one (the prepare step of a reload).
    /// Its descriptor is closed when it goes away, applied (copied over the log's) or not.
    public final class Prepared: Sendable {
        fileprivate let target: AccessLogTarget?
        fileprivate let fd: Int32
        fileprivate init(target: AccessLogTarget?, fd: Int32) {
            self.target = target
            self.fd = fd
        }
        deinit { try? Syscall.close(fd) }
    }

    /// Opens `target` without touching the running log; throws when it cannot be opened.
    public func prepare(_ target: AccessLogTarget?) throws(ProxyError) -> Prepared {
        Prepared(target: target, fd: try Self.open(target))
    }

    /// Writes go to the prepared target from now on.
    public func apply(_ prepared: Prepared) {
        current.withLock { current in
            try? Syscall.duplicate(prepared.fd, over: fd)
            current = prepared.target
            on.store(prepared.target != nil, ordering: .relaxed)
        }
    }

    /// Opens the current target's file again (SIGUSR1): logrotate renamed the old one.
    public func reopen() throws(ProxyError) {
        apply(try prepare(target))
    }

    /// A descriptor of its own for the target: stderr duplicated, a file opened to append,
    /// /dev/null when off.
    private static func open(_ target: AccessLogTarget?) throws(ProxyError) -> Int32 {
        do throws(SyscallError) {
            switch target {
            case .stderr: return try Syscall.duplicate(2)
            case .file(let path): return try Syscall.open(path, flags: O_WRONLY | O_APPEND | O_CREAT)
            case nil: return try Syscall.open("/dev/null", flags: O_WRONLY)
            }
        } catch {
            var what = ""
            if case .file(let path) = target { what = " '\(path)'" }
            throw ProxyError(description: "cannot open access log\(what): \(error.errno)")
        }
    }

    func tcpSession(role: String, client: SocketAddress, server: String?, bytesUp: UInt64, bytesDown: UInt64,
                    startedNanos: UInt64, outcome: String) {
        guard isOn else { return }
        let ms = Double(WallClock.monotonicNanoseconds() - startedNanos) / 1_000_000
        write(line: "\(WallClock.now().rfc3339) access role=\(role) mode=tcp client=\(client) server=\(server ?? "-") "
            + "bytes_in=\(bytesUp) bytes_out=\(bytesDown) duration_ms=\(Int(ms.rounded())) end=\(outcome)")
    }

    func write(line: String) {
        var text = line + "\n"
        // One write, never split: O_APPEND keeps each line whole among the loops' lines.
        text.withUTF8 { bytes in _ = try? Syscall.writeOnce(fd, UnsafeRawBufferPointer(bytes)) }
    }
}

extension AccessLog {
    /// One line per HTTP exchange, errors included: `cause` says why when it did not end normally.
    func httpRequest(role: String, client: String, server: String?, method: String, target: String,
                     status: Int, bytesIn: UInt64, bytesOut: UInt64, startedNanos: UInt64, cause: String) {
        guard isOn else { return }
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
