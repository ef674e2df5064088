import Dispatch

/// Forwards bytes both ways between a client and an upstream on one loop: the data path
/// of `mode tcp` and of HTTP upgrade tunnels.
///
/// Per direction: read the source into its relay (a pooled pipe with splice when both
/// ends are sockets, else a pooled copy buffer), write to the sink at once, and only on
/// EAGAIN turn on the sink's write interest. A direction stops reading while its sink is blocked
/// and its relay cannot take more (backpressure: at most one pipe/buffer per direction in
/// flight). EOF on a source is passed on as `shutdown(SHUT_WR)` on the sink once the relay
/// is drained; when both directions are done, both sockets close. Each wake-up does at most
/// `roundsPerWakeup` read/write rounds so one busy session cannot starve the others.
///
/// The forwarder keeps itself alive until it closes, then calls `onClose` once, after both
/// fds are closed. Create and `start()` it on `loop`; `close()` works from any thread.
public final class TCPForwarder: @unchecked Sendable {  // confined to loop.queue
    public struct Options: Sendable {
        /// Close both sides when no byte moved either way for this long; nil: never.
        public var idleTimeout: Duration?
        /// Use splice when both ends are `Socket`s; false forces the copying path.
        public var splice: Bool
        /// Bytes already read from the client (e.g. an HTTP head) to send upstream first.
        public var initialToUpstream: [UInt8]
        /// Bytes already read from the upstream to send to the client first.
        public var initialToClient: [UInt8]
        /// Told on the loop when no pipe could be had (the bytes were copied instead).
        public var onPipeShortage: (@Sendable (SyscallError) -> Void)?

        public init(idleTimeout: Duration? = nil, splice: Bool = true,
                    initialToUpstream: [UInt8] = [], initialToClient: [UInt8] = [],
                    onPipeShortage: (@Sendable (SyscallError) -> Void)? = nil) {
            self.idleTimeout = idleTimeout
            self.splice = splice
            self.initialToUpstream = initialToUpstream
            self.initialToClient = initialToClient
            self.onPipeShortage = onPipeShortage
        }
    }

    static let roundsPerWakeup = 16

    public let loop: EventLoop
    public let isSplicing: Bool
    private let client: any ByteStream
    private let upstream: any ByteStream
    private var clientWatcher: IOWatcher!
    private var upstreamWatcher: IOWatcher!
    private var up: Direction!
    private var down: Direction!
    private let idleTimeoutNanos: UInt64?
    private var idleTimer: TimerHandle?
    private var lastActivity: UInt64 = 0
    private var onClose: ((ForwardStats) -> Void)?
    private var closeReason: ForwardCloseReason?
    private var retainedSelf: TCPForwarder?
    private var started = false

    public init(client: any ByteStream, upstream: any ByteStream, loop: EventLoop, options: Options = Options(),
                onClose: @escaping (ForwardStats) -> Void) {
        self.loop = loop
        self.client = client
        self.upstream = upstream
        self.onClose = onClose
        self.idleTimeoutNanos = options.idleTimeout.map { UInt64(max(1, $0.nanoseconds)) }
        isSplicing = options.splice && client is Socket && upstream is Socket
        let makeRelay: () -> Relay = { [isSplicing] in
            isSplicing ? SpliceRelay(pool: loop.pipePool, buffers: loop.bufferPool, onPipeShortage: options.onPipeShortage) as Relay
                : CopyRelay(pool: loop.bufferPool) as Relay
        }
        clientWatcher = IOWatcher(fd: client.readinessDescriptor, loop: loop, target: self)
        upstreamWatcher = IOWatcher(fd: upstream.readinessDescriptor, loop: loop, target: self)
        up = Direction(source: client, sink: upstream, sourceSide: .client, sinkSide: .upstream,
                       sourceWatcher: clientWatcher, sinkWatcher: upstreamWatcher,
                       relay: makeRelay(), initial: options.initialToUpstream)
        down = Direction(source: upstream, sink: client, sourceSide: .upstream, sinkSide: .client,
                         sourceWatcher: upstreamWatcher, sinkWatcher: clientWatcher,
                         relay: makeRelay(), initial: options.initialToClient)
    }

    /// Starts forwarding. Call once, on the loop.
    public func start() {
        loop.preconditionInEventLoop()
        guard !started, closeReason == nil else { return }
        started = true
        retainedSelf = self
        if let idleTimeoutNanos {
            lastActivity = loop.clock.now.nanoseconds
            idleTimer = loop.scheduleLoopTimer(after: .nanoseconds(Int64(clamping: idleTimeoutNanos)), reusable: true) {
                [unowned self] in idleCheck()
            }
        }
        // Initial bytes go out first; pump sends them and then arms reads itself.
        pump(up)
        pump(down)
    }

    /// Force-closes both sides (failover, shutdown). Any thread; no-op once closed.
    public func close() {
        loop.executeSoon { self.teardown(.forced) }
    }

    public var bytesUp: UInt64 { up.bytes }
    public var bytesDown: UInt64 { down.bytes }

    // MARK: data path

    private func pump(_ d: Direction) {
        guard closeReason == nil, !d.finished else { return }
        // The sink's own output first (a TLS KeyUpdate reply): its writability brought us
        // here. Once out, the other direction, whose reads waited for it, goes on.
        if d.sink.hasPendingOutput {
            do {
                if case .processed = try d.sink.flushPendingOutput() {
                    let isUp = d === up
                    loop.execute { [self] in pump(isUp ? down : up) }
                }
            } catch {
                return teardown(.error(d.sinkSide, error))
            }
        }
        var leg = d
        let result = SplicePump.run(&leg, rounds: Self.roundsPerWakeup)
        if result.moved > 0 && idleTimeoutNanos != nil { lastActivity = loop.clock.now.nanoseconds }
        var needWrite = false
        var sourceFull = false
        switch result.stop {
        case .sinkFailed(let error):
            return teardown(.error(d.sinkSide, error))
        case .sourceFailed(let error):
            return teardown(.error(d.sourceSide, error))
        case .sourceEnded:
            finish(d)
        case .sinkBlocked(let full):
            needWrite = true
            sourceFull = full
        case .roundLimit(let pending, let full):
            needWrite = pending  // write interest fires at once and we go on
            sourceFull = full
        case .sourceIdle, .limitReached, .noPipe:
            break  // a relay copies when it has no pipe; no limit here
        }
        guard closeReason == nil else { return }
        d.sinkWatcher.setWriting((needWrite && !d.finished) || d.sink.hasPendingOutput)
        // The source's own output waits for room in its socket: its writability pumps the
        // other direction, which flushes it first. Reads wait for that (no spinning on a
        // readable fd whose reads cannot progress).
        let sourceOwes = d.source.hasPendingOutput
        if sourceOwes { d.sourceWatcher.setWriting(true) }
        d.sourceWatcher.setReading(!d.readEOF && !(needWrite && sourceFull) && !sourceOwes)
        // Stopped by the round limit with input held above the fd (TLS): no readiness
        // event will come for it, so go on at the back of the queue.
        if !needWrite && !d.readEOF && !d.finished && d.source.hasBufferedInput {
            let isUp = d === up
            loop.execute { [self] in pump(isUp ? up : down) }
        }
    }

    /// EOF read and everything passed on: half-close the sink.
    private func finish(_ d: Direction) {
        d.finished = true
        d.relay.release()
        let last = up.finished && down.finished
        // The last direction to end closes both sockets next, and a socket's close sends
        // the same FIN (its input was read to EOF: no reset). A TLS sink still needs its
        // close_notify. ENOTCONN when the peer is already gone: the other direction sees it.
        if !(last && d.sink is Socket) { try? d.sink.shutdownWrite() }
        if last { teardown(.completed) }
    }

    // MARK: idle timeout

    /// Rescheduled lazily: activity only records a timestamp, the timer checks it when
    /// due and re-arms the same handle for the rest of the period.
    private func idleCheck() {
        guard let idleTimeoutNanos, closeReason == nil else { return }
        let now = loop.clock.now.nanoseconds
        let idle = now &- lastActivity
        if idle >= idleTimeoutNanos {
            teardown(.idleTimeout)
        } else {
            idleTimer?.rearm(at: now + (idleTimeoutNanos - idle))
        }
    }

    // MARK: teardown

    private func teardown(_ reason: ForwardCloseReason) {
        guard closeReason == nil else { return }
        closeReason = reason
        idleTimer?.cancel()
        idleTimer = nil
        up.relay.release()
        down.relay.release()
        var remaining = 2
        let closed = { [self] in
            remaining -= 1
            if remaining == 0 { report() }
        }
        clientWatcher.cancelClosing { [client] in
            client.close()
            closed()
        }
        upstreamWatcher.cancelClosing { [upstream] in
            upstream.close()
            closed()
        }
    }

    private func report() {
        let stats = ForwardStats(bytesUp: up.bytes, bytesDown: down.bytes, reason: closeReason ?? .forced, spliced: isSplicing)
        let callback = onClose
        onClose = nil
        callback?(stats)
        retainedSelf = nil
    }
}

/// One direction of a forwarded session (confined to the forwarder's loop).
final class Direction: PumpLeg {
    let source: any ByteStream
    let sink: any ByteStream
    let sourceSide: Side
    let sinkSide: Side
    let sourceWatcher: IOWatcher
    let sinkWatcher: IOWatcher
    let relay: Relay
    private var initial: [UInt8]
    private var initialOffset = 0
    var readEOF = false
    var finished = false
    var bytes: UInt64 = 0

    init(source: any ByteStream, sink: any ByteStream, sourceSide: Side, sinkSide: Side,
         sourceWatcher: IOWatcher, sinkWatcher: IOWatcher, relay: Relay, initial: [UInt8]) {
        self.source = source
        self.sink = sink
        self.sourceSide = sourceSide
        self.sinkSide = sinkSide
        self.sourceWatcher = sourceWatcher
        self.sinkWatcher = sinkWatcher
        self.relay = relay
        self.initial = initial
    }

    /// Bytes waiting for the sink: initial bytes first, then the relay's.
    var pending: Int { initial.count - initialOffset + relay.buffered }
    var hasRoom: Bool { relay.hasRoom }
    var remaining: Int { .max }
    var sourceEnded: Bool {
        get { readEOF }
        set { readEOF = newValue }
    }

    func drain() throws(SyscallError) -> IOResult<Int> {
        let result = try drainOnce()
        if case .processed(let n) = result { bytes &+= UInt64(n) }  // now: finishing may report the stats
        return result
    }

    func fill() throws(SyscallError) -> PumpFill {
        switch try relay.fill(from: source) {
        case .processed(0): return .endOfStream
        case .processed(let n):
            return .bytes(n, sourceDrained: relay.lastFillDrainedSocket
                          && sourceWatcher.shortReadEmptiesSocket(outsideAnEvent: sourceSide == .client))
        case .wouldBlock: return .wouldBlock
        }
    }

    func drainOnce() throws(SyscallError) -> IOResult<Int> {
        guard initialOffset < initial.count else { return try relay.drain(to: sink) }
        let result = try initial.withUnsafeBytes { raw in
            Result { () throws(SyscallError) in try sink.write(UnsafeRawBufferPointer(rebasing: raw[initialOffset...])) }
        }.get()
        if case .processed(let n) = result {
            initialOffset += n
            if initialOffset == initial.count {
                initial = []
                initialOffset = 0
            }
        }
        return result
    }
}

extension TCPForwarder: IOEventTarget {
    // The client's input goes up, the upstream's down; room on a side drains toward it.
    func readable(_ watcher: IOWatcher) { pump(watcher === clientWatcher ? up : down) }
    func writable(_ watcher: IOWatcher) { pump(watcher === clientWatcher ? down : up) }
}
