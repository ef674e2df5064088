import CLinux
import Dispatch
import Glibc
import SystemPackage

/// A listening address spread over every loop of a group.
///
/// Distribution: one listening socket per loop, all bound with `SO_REUSEPORT`, each with
/// its own accept source on its own loop. The kernel spreads incoming connections by
/// hashing the 4-tuple, the accepted socket starts life on the loop that serves it (no
/// queue hop per connection, no single accepting queue to saturate), and a reload can
/// bind the new listener next to the old one before closing it, without a gap. The cost:
/// the spread is statistical (a few connections may all land on one loop), and a
/// connection still in a closed socket's accept backlog is reset by the kernel.
/// IPv6 sockets are `IPV6_V6ONLY`, so `[::]:80` and `0.0.0.0:80` are separate listeners.
public final class Listener: @unchecked Sendable {  // immutable after bind; workers are loop-confined
    /// Called on the loop that accepted the connection.
    public typealias AcceptHandler = @Sendable (_ socket: Socket, _ peer: SocketAddress, _ loop: EventLoop) -> Void
    /// With a `ConnectionLimit`: the connection's slot comes along; release it when the client closes.
    public typealias LimitedAcceptHandler = @Sendable (_ socket: Socket, _ peer: SocketAddress, _ loop: EventLoop,
                                                       _ slot: ConnectionSlot?) -> Void
    typealias AcceptCall = (CInt) throws(SyscallError) -> IOResult<(CInt, SocketAddress)>

    /// The bound address, with the real port when 0 was asked.
    public let address: SocketAddress
    public var port: UInt16 { address.port }
    let workers: [AcceptWorker]

    /// Binds and starts accepting at once.
    /// - Parameters:
    ///   - backoff: how long accepting pauses after EMFILE/ENFILE/ENOBUFS/ENOMEM (or any
    ///     other accept failure) instead of spinning on a connection it cannot take.
    ///   - onAcceptError: told about each such failure (for logs and metrics), on the loop.
    public convenience init(address: SocketAddress, group: EventLoopGroup, backlog: CInt = 1024,
                            backoff: Duration = .milliseconds(100),
                            onAcceptError: (@Sendable (SyscallError) -> Void)? = nil,
                            onAccept: @escaping AcceptHandler) throws(SyscallError) {
        try self.init(address: address, loops: group.loops, backlog: backlog, backoff: backoff,
                      onAcceptError: onAcceptError, acceptCall: { (fd) throws(SyscallError) in try Syscall.accept(fd) },
                      limit: nil, onAccept: { socket, peer, loop, _ in onAccept(socket, peer, loop) })
    }

    /// Binds and starts accepting, at most `limit` open connections at a time: at the cap
    /// accepting stops (the backlog holds the rest) until a slot is released.
    public convenience init(address: SocketAddress, group: EventLoopGroup, limit: ConnectionLimit, backlog: CInt = 1024,
                            backoff: Duration = .milliseconds(100),
                            onAcceptError: (@Sendable (SyscallError) -> Void)? = nil,
                            onAccept: @escaping LimitedAcceptHandler) throws(SyscallError) {
        try self.init(address: address, loops: group.loops, backlog: backlog, backoff: backoff,
                      onAcceptError: onAcceptError, acceptCall: { (fd) throws(SyscallError) in try Syscall.accept(fd) },
                      limit: limit, onAccept: onAccept)
    }

    convenience init(address: SocketAddress, loops: [EventLoop], backlog: CInt, backoff: Duration,
                     onAcceptError: (@Sendable (SyscallError) -> Void)?, acceptCall: @escaping AcceptCall,
                     onAccept: @escaping AcceptHandler) throws(SyscallError) {
        try self.init(address: address, loops: loops, backlog: backlog, backoff: backoff, onAcceptError: onAcceptError,
                      acceptCall: acceptCall, limit: nil, onAccept: { socket, peer, loop, _ in onAccept(socket, peer, loop) })
    }

    init(address: SocketAddress, loops: [EventLoop], backlog: CInt, backoff: Duration,
         onAcceptError: (@Sendable (SyscallError) -> Void)?, acceptCall: @escaping AcceptCall,
         limit: ConnectionLimit?, onAccept: @escaping LimitedAcceptHandler) throws(SyscallError) {
        if address.port != 0 { try Self.probeExclusive(address) }
        var bound = address
        var sockets: [Socket] = []
        do {
            for _ in loops {
                let socket = Socket(taking: try Syscall.socket(domain: address.family, type: CInt(SOCK_STREAM.rawValue)))
                sockets.append(socket)
                let fd = socket.readinessDescriptor
                try Syscall.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1, call: "setsockopt(SO_REUSEADDR)")
                try Syscall.setOption(fd, level: SOL_SOCKET, name: CLINUX_SO_REUSEPORT, value: 1, call: "setsockopt(SO_REUSEPORT)")
                if address.isIPv6 {
                    try Syscall.setOption(fd, level: CInt(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 1, call: "setsockopt(IPV6_V6ONLY)")
                }
                try Syscall.bind(fd, bound)
                if bound.port == 0 { bound = try socket.localAddress() }  // the others join that port
                try Syscall.listen(fd, backlog: backlog)
            }
        } catch {
            for s in sockets { s.close() }
            throw error
        }
        self.address = bound
        workers = zip(sockets, loops).map { socket, loop in
            AcceptWorker(socket: socket, loop: loop, backoff: backoff, acceptCall: acceptCall, limit: limit,
                         onAccept: onAccept, onAcceptError: onAcceptError)
        }
        for worker in workers { worker.loop.executeSoon { worker.start() } }
    }

    /// `SO_REUSEPORT` gives every loop a socket of its own, but it would also let a second
    /// process (another proxy started by mistake) bind the same address silently and take
    /// a share of the connections. A bind without it fails when anyone listens there.
    static func probeExclusive(_ address: SocketAddress) throws(SyscallError) {
        let probe = Socket(taking: try Syscall.socket(domain: address.family, type: CInt(SOCK_STREAM.rawValue)))
        defer { probe.close() }
        try Syscall.setOption(probe.readinessDescriptor, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1, call: "setsockopt(SO_REUSEADDR)")
        if address.isIPv6 {
            try Syscall.setOption(probe.readinessDescriptor, level: CInt(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 1, call: "setsockopt(IPV6_V6ONLY)")
        }
        try Syscall.bind(probe.readinessDescriptor, address)
    }

    /// Stops accepting and closes the listening sockets. `done` runs (on some loop) once all
    /// are closed. Callable from any thread, more than once.
    public func close(_ done: (@Sendable () -> Void)? = nil) {
        let remaining = Countdown(workers.count, done)
        for worker in workers { worker.loop.executeSoon { worker.close { remaining.tick() } } }
    }
}

/// Calls `done` after `tick()` was called `count` times, from any threads.
final class Countdown: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLockish()
    private var count: Int
    private let done: (@Sendable () -> Void)?

    init(_ count: Int, _ done: (@Sendable () -> Void)?) {
        self.count = count
        self.done = done
    }

    func tick() {
        let fire = lock.withLock { () -> Bool in
            count -= 1
            return count == 0
        }
        if fire { done?() }
    }
}

/// Accepts on one listening socket for one loop (confined to that loop's queue).
final class AcceptWorker: @unchecked Sendable {  // confined to loop.queue
    /// Accepts per wake-up before yielding to the loop's connections.
    static let acceptsPerWakeup = 64

    let loop: EventLoop
    private let socket: Socket
    private let backoff: Duration
    private let acceptCall: Listener.AcceptCall
    private let limit: ConnectionLimit?
    private let onAccept: Listener.LimitedAcceptHandler
    private let onAcceptError: (@Sendable (SyscallError) -> Void)?
    // In the loop's epoll set with its connections: one wake-up serves accepts and I/O.
    private var watcher: IOWatcher?
    private var suspended = false
    /// At the connection limit: reading stops until a slot is released.
    private(set) var isFull = false
    private var backoffTimer: TimerHandle?
    private var closed = false
    /// Times accepting paused after a failure (for tests and metrics).
    private(set) var backoffCount = 0
    var isBackingOff: Bool { backoffTimer != nil }

    init(socket: Socket, loop: EventLoop, backoff: Duration, acceptCall: @escaping Listener.AcceptCall,
         limit: ConnectionLimit?, onAccept: @escaping Listener.LimitedAcceptHandler,
         onAcceptError: (@Sendable (SyscallError) -> Void)?) {
        self.socket = socket
        self.loop = loop
        self.backoff = backoff
        self.acceptCall = acceptCall
        self.limit = limit
        self.onAccept = onAccept
        self.onAcceptError = onAcceptError
    }

    func start() {
        guard !closed else { return }
        let watcher = IOWatcher(fd: socket.readinessDescriptor, loop: loop,
                                onReadable: { [unowned self] in self.acceptBatch() }, onWritable: {})
        self.watcher = watcher
        watcher.setReading(true)
    }

    private func acceptBatch() {
        let fd = socket.readinessDescriptor
        for _ in 0..<Self.acceptsPerWakeup {
            // The slot comes first: a connection the proxy has no room for stays in the backlog.
            var slot: ConnectionSlot?
            if let limit {
                slot = limit.acquire(orWhenFree: { [weak self] in
                    guard let self else { return }
                    loop.execute { self.roomFreed() }
                })
                guard slot != nil else { return waitForRoom() }
            }
            do {
                switch try acceptCall(fd) {
                case .wouldBlock:
                    slot?.release()
                    return
                case .processed(let (newFD, peer)):
                    let accepted = Socket(taking: newFD)
                    try? accepted.setNoDelay()
                    onAccept(accepted, peer, loop, slot)
                }
            } catch {
                slot?.release()
                switch error.errno {
                case .connectionAbort, .protocolError:
                    continue  // the peer gave up before accept; take the next one
                default:
                    // EMFILE/ENFILE/ENOBUFS/ENOMEM and anything unexpected: the pending
                    // connection stays queued and the source would fire again at once.
                    onAcceptError?(error)
                    pause()
                    return
                }
            }
        }
    }

    private func waitForRoom() {
        guard let watcher, !isFull else { return }
        isFull = true
        watcher.setReading(false)
    }

    /// A slot may be free again: read (level-triggered, so the backlog fires at once).
    private func roomFreed() {
        guard isFull, !closed, let watcher else { return }
        isFull = false
        if !suspended { watcher.setReading(true) }
    }

    private func pause() {
        guard let watcher, !suspended else { return }
        suspended = true
        backoffCount += 1
        watcher.setReading(false)
        backoffTimer = loop.scheduleTimer(after: backoff) { [self] in
            backoffTimer = nil
            guard !closed, suspended, let watcher = self.watcher else { return }
            suspended = false
            if !isFull { watcher.setReading(true) }
        }
    }

    func close(_ done: @escaping () -> Void) {
        guard !closed else {
            done()
            return
        }
        closed = true
        backoffTimer?.cancel()
        backoffTimer = nil
        suspended = false
        if let watcher {
            self.watcher = nil
            watcher.cancel {}  // synchronous: nothing watches the fd after this
        }
        socket.close()
        done()
    }
}
