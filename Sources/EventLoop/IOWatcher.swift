import CLinux

/// An owner that takes its watchers' events itself (told which watcher): nothing to
/// allocate per watcher, where two closures capturing the owner cost two heap contexts
/// (64 bytes with malloc's headers) for as long as the connection lives.
protocol IOEventTarget: AnyObject {
    func readable(_ watcher: IOWatcher)
    func writable(_ watcher: IOWatcher)
}

/// Read and write interest in one descriptor, registered with its loop's `Poller`
/// (confined to that loop's queue).
///
/// Level-triggered: its owner's readable handler is called while data (or EOF) is waiting
/// and reading is on, the writable one while the socket has room and writing is on. The descriptor is in the
/// loop's epoll set only while at least one of the two is on (epoll always reports
/// HUP/ERR, so a registration with no interest would spin). Each transition is one
/// `epoll_ctl`, made synchronously on the loop: no manager-thread round trip.
/// `cancel` deregisters at once and calls `done` before returning: then the owner may close
/// the descriptor, and no event for it is delivered any more.
final class IOWatcher {
    private let fd: CInt
    private let loop: EventLoop
    private var token: UInt64 = 0
    private var registered = false
    private(set) var readingActive = false
    private(set) var writingActive = false
    /// Watching for the peer's close alone (a held client): EPOLLRDHUP without EPOLLIN.
    private(set) var hangupActive = false
    private var cancelled = false
    /// The next registration is one-shot: the kernel disarms it when its event fires
    /// (a connect's watch, ended by `parkAfterOneShot`).
    var oneShot = false
    /// The events being handled, inside a callback (else 0): ERR/HUP tell a failed
    /// connect; RDHUP tells a short read that the FIN is in too.
    private(set) var currentEvents: UInt32 = 0

    /// Handling a readable event with no FIN (RDHUP), HUP or error: a read that comes
    /// back short emptied the socket, and another would only say EAGAIN (a long-lived
    /// stream saves a read per event). With the FIN reported, reading on finds the EOF
    /// now instead of a wake-up and two `epoll_ctl` later (measured). A wrong guess costs
    /// a wake-up, never data: epoll is level-triggered.
    var shortReadEmptiesSocket: Bool { shortReadEmptiesSocket(outsideAnEvent: false) }

    /// The same, and for a read outside any event of this fd (a session's first read, or
    /// one that the other side's writability started): `outsideAnEvent` says whether a
    /// short read then counts as empty. A client's first bytes rarely come with its FIN,
    /// since it waits for the answer; a server's answer often does (one that closes after
    /// answering): there, reading on finds the EOF now.
    func shortReadEmptiesSocket(outsideAnEvent: Bool) -> Bool {
        if currentEvents == 0 { return outsideAnEvent }
        return currentEvents & CLINUX_EPOLLIN != 0
            && currentEvents & (CLINUX_EPOLLRDHUP | CLINUX_EPOLLHUP | CLINUX_EPOLLERR) == 0
    }
    private struct UnownedTarget {
        unowned let object: any IOEventTarget
    }

    private enum Handlers {
        /// Owners capture themselves here; cleared on cancel to break the cycle.
        case closures(readable: () -> Void, writable: () -> Void)
        /// The owner outlives its watcher's events: it cancels the watcher before it goes.
        case target(UnownedTarget)
        case none
    }

    private var handlers: Handlers
    private var onHangup: (UInt32) -> Void = { _ in }

    init(fd: CInt, loop: EventLoop, onReadable: @escaping () -> Void, onWritable: @escaping () -> Void) {
        self.fd = fd
        self.loop = loop
        handlers = .closures(readable: onReadable, writable: onWritable)
    }

    init(fd: CInt, loop: EventLoop, target: any IOEventTarget) {
        self.fd = fd
        self.loop = loop
        handlers = .target(UnownedTarget(object: target))
    }

    /// Starts or stops read events; a no-op when already in that state.
    func setReading(_ on: Bool) {
        guard on != readingActive, !cancelled else { return }
        readingActive = on
        update()
    }

    /// Starts or stops write events; a no-op when already in that state.
    func setWriting(_ on: Bool) {
        guard on != writingActive, !cancelled else { return }
        writingActive = on
        update()
    }

    /// Starts (with the handler, given the events) or stops (nil) hang-up events.
    func setHangup(_ handler: ((UInt32) -> Void)?) {
        guard !cancelled else { return }
        onHangup = handler ?? { _ in }
        guard (handler != nil) != hangupActive else { return }
        hangupActive = handler != nil
        update()
    }

    private var mask: UInt32 {
        (readingActive || hangupActive ? CLINUX_EPOLLRDHUP : 0) | (readingActive ? CLINUX_EPOLLIN : 0)
            | (writingActive ? CLINUX_EPOLLOUT : 0) | (oneShot ? CLINUX_EPOLLONESHOT : 0)
    }

    private func update() {
        let mask = self.mask
        let poller = loop.poller
        if mask == 0 {
            if registered {
                poller.deregister(fd: fd, token: token)
                registered = false
            }
        } else if registered {
            poller.modify(fd: fd, token: token, mask: mask)
        } else {
            token = poller.register(self, fd: fd, mask: mask)
            registered = true
        }
    }

    /// Called by the poller. Errors and hang-ups go to every active side: its next system
    /// call reports what happened.
    func handle(events: UInt32) {
        currentEvents = events
        defer { currentEvents = 0 }
        let failed = events & (CLINUX_EPOLLERR | CLINUX_EPOLLHUP) != 0
        if readingActive && (failed || events & (CLINUX_EPOLLIN | CLINUX_EPOLLRDHUP) != 0) {
            switch handlers {
            case .closures(let readable, _): readable()
            case .target(let target): target.object.readable(self)
            case .none: break
            }
        }
        // The read handler may have turned writing off or cancelled the watcher.
        if writingActive && !cancelled && (failed || events & CLINUX_EPOLLOUT != 0) {
            switch handlers {
            case .closures(_, let writable): writable()
            case .target(let target): target.object.writable(self)
            case .none: break
            }
        }
        if hangupActive && !cancelled && (failed || events & CLINUX_EPOLLRDHUP != 0) {
            onHangup(events)
        }
    }

    /// Stops all events; `done` runs before this returns, once nothing watches the fd.
    func cancel(_ done: () -> Void) { cancel(closing: false, done) }

    /// Like `cancel`, for a descriptor that `close` closes at once: closing removes it
    /// from the epoll set, so no `epoll_ctl` is spent (one per descriptor, two per TCP
    /// session). Only right for a descriptor with no duplicate: the product never
    /// duplicates a watched socket and starts no processes.
    func cancelClosing(_ close: () -> Void) { cancel(closing: true, close) }

    /// Stops all events of a one-shot watch whose event fired (and disarmed it), leaving
    /// the descriptor in the set for the next watcher of it to re-arm (`Poller.park`).
    func parkAfterOneShot() {
        guard !cancelled else { return }
        precondition(oneShot, "only a one-shot registration is disarmed by its event")
        cancelled = true
        handlers = .none
        if registered {
            loop.poller.park(fd: fd, token: token)
            registered = false
        }
        writingActive = false
        readingActive = false
    }

    private func cancel(closing: Bool, _ done: () -> Void) {
        guard !cancelled else { return }
        cancelled = true
        handlers = .none
        onHangup = { _ in }
        if registered {
            if closing { loop.poller.forget(token: token) } else { loop.poller.deregister(fd: fd, token: token) }
            registered = false
        }
        if closing { loop.poller.closing(fd: fd) }
        readingActive = false
        writingActive = false
        hangupActive = false
        done()
    }
}
