import CLinux

/// Notices a peer that goes away while nothing reads from it (a client held for a route).
/// A close is told apart from input by one `recv(MSG_PEEK)`: EOF with nothing unread is a
/// close; input waiting (even with a FIN behind it: a half-close) is not, and watching
/// stops there, since the same event would come back at once.
public final class HangupWatch {  // confined to loop.queue
    private let watcher: IOWatcher

    /// `gone` runs at most once, on `loop`; `cancel()` before anyone else watches the fd.
    public init(stream: any ByteStream, loop: EventLoop, gone: @escaping () -> Void) {
        watcher = IOWatcher(fd: stream.readinessDescriptor, loop: loop, onReadable: {}, onWritable: {})
        watcher.setHangup { [unowned watcher] events in
            switch PeerHangup.judge(stream, events: events) {
            case .gone: watcher.setHangup(nil); gone()
            case .inputWaiting: watcher.setHangup(nil)
            case .nothing: break
            }
        }
    }

    /// Stops watching at once (synchronously).
    public func cancel() { watcher.cancel {} }
}

/// What a hang-up event on a stream that is not being read means.
enum PeerHangup {
    case gone, inputWaiting, nothing

    static func judge(_ stream: any ByteStream, events: UInt32) -> PeerHangup {
        if events & (CLINUX_EPOLLERR | CLINUX_EPOLLHUP) != 0 { return .gone }
        if stream.hasBufferedInput { return .inputWaiting }
        switch try? Syscall.peek(stream.readinessDescriptor) {
        case .processed(0), nil: return .gone
        case .processed: return .inputWaiting
        case .wouldBlock: return .nothing
        }
    }
}

extension StreamConnection {
    /// While reading is paused (a held client): `gone` runs once if the peer closes with
    /// nothing left unread; nil stops watching. See `HangupWatch` for what counts as a close.
    public func watchHangup(_ gone: (() -> Void)?) {
        loop.preconditionInEventLoop()
        guard let gone, !isClosed else { return hangupWatcher.setHangup(nil) }
        hangupWatcher.setHangup { [unowned self] events in
            switch PeerHangup.judge(stream, events: events) {
            case .gone: hangupWatcher.setHangup(nil); gone()
            case .inputWaiting: hangupWatcher.setHangup(nil)
            case .nothing: break
            }
        }
    }
}
