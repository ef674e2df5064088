import CLinux
import Dispatch
import Glibc

/// What a read on a stream connection gave.
public enum ReadResult: Equatable, Sendable {
    case bytes(Int)
    case eof
    case wouldBlock
    case error(SyscallError)
}

/// What a write on a stream connection gave.
public enum WriteResult: Equatable, Sendable {
    /// `n` bytes went out. When `n` is less than asked, `onWritable` is armed.
    case written(Int)
    /// Nothing went out; `onWritable` is armed and fires when the socket has room.
    case wouldBlock
    case error(SyscallError)
}

/// An owner that takes its connection's events itself (see `StreamConnection.start(owner:)`).
public protocol StreamConnectionOwner: AnyObject {
    func connectionReadable()
    func connectionWritable()
}

/// A non-blocking byte stream (a socket, or TLS over one) on its loop, for protocol code
/// (the HTTP proxy).
///
/// Protocol code reads in `onReadable` until `.wouldBlock` (or until it has read enough
/// for this wake-up: readiness is reported again while data waits), writes optimistically, and
/// keeps its own pending bytes when a write is short; `onWritable` then fires once the
/// socket has room. Pausing and resuming reads only flips a flag; the read source is
/// suspended lazily when it fires while paused, so pause/resume within one event costs
/// nothing. Call everything on `loop`. The connection keeps itself alive until `close()`.
public final class StreamConnection: IOEventTarget, @unchecked Sendable {  // confined to loop.queue
    public let loop: EventLoop
    public let stream: any ByteStream
    private var watcher: IOWatcher!
    /// The same watcher, for `watchHangup` (one epoll registration per descriptor).
    var hangupWatcher: IOWatcher { watcher }
    private var onReadable: () -> Void = {}
    private var onWritable: () -> Void = {}
    /// Strong until `close` or `detach`, which end the cycle: a weak reference would give
    /// the owner a side table, and every retain and release of it the runtime's slow path.
    private var owner: (any StreamConnectionOwner)?
    private var onClosed: () -> Void = {}
    private var readingWanted = false
    private var writeWanted = false
    /// The stream has output of its own (`hasPendingOutput`): writability flushes it.
    private var flushWanted = false
    /// Read interest is off until that flush: the stream's reads wait for it, and the fd,
    /// readable, would wake us for nothing (level-triggered).
    private var readingParkedForFlush = false
    private var inWritableCallback = false
    private var sawEOF = false
    public private(set) var isClosed = false
    /// Bytes spliced in from this connection and not yet out, borrowed from the loop's pool
    /// only while it holds bytes.
    private var splicePipe: Pipe?

    public convenience init(socket: Socket, loop: EventLoop) {
        self.init(stream: socket, loop: loop)
    }

    public init(stream: any ByteStream, loop: EventLoop) {
        self.stream = stream
        self.loop = loop
        watcher = IOWatcher(fd: stream.readinessDescriptor, loop: loop, target: self)
    }

    /// Installs the callbacks and starts reading. `onClosed` runs once the fd is closed.
    /// `readFirst`: calls `onReadable` once at once, before any readiness event, and
    /// watches the fd only if reading is still wanted after it. A client that sent its
    /// request with its connect (most do) is then served without its fd ever entering the
    /// epoll set: no `epoll_ctl` and no wake-up for it.
    public func start(onReadable: @escaping () -> Void, onWritable: @escaping () -> Void = {},
                      onClosed: @escaping () -> Void = {}, readFirst: Bool = false) {
        loop.preconditionInEventLoop()
        self.onReadable = onReadable
        self.onWritable = onWritable
        self.onClosed = onClosed
        begin(readFirst: readFirst)
    }

    /// `start` for an owner that takes the events itself (held until `close` or `detach`):
    /// no closure contexts to keep for the connection's life (an HTTP client connection,
    /// idle ones included).
    public func start(owner: any StreamConnectionOwner, readFirst: Bool = false) {
        loop.preconditionInEventLoop()
        self.owner = owner
        begin(readFirst: readFirst)
    }

    private func begin(readFirst: Bool) {
        readingWanted = true
        retainedSelf = self
        if readFirst {
            callReadable()
            guard readingWanted, !isClosed, !sawEOF, !readingParkedForFlush else { return }
        }
        watcher.setReading(true)
    }

    private func callReadable() {
        if let owner { owner.connectionReadable() } else { onReadable() }
    }

    private func callWritable() {
        if let owner { owner.connectionWritable() } else { onWritable() }
    }

    // Alive while registered: the owner may drop its reference and rely on callbacks.
    private var retainedSelf: StreamConnection?

    func readable(_ watcher: IOWatcher) { readableEvent() }
    func writable(_ watcher: IOWatcher) { writableEvent() }

    private func readableEvent() {
        if !readingWanted {
            watcher.setReading(false)  // paused since the last event: suspend now
            return
        }
        callReadable()
        scheduleBufferedInput()
    }

    /// Input held above the fd (TLS plaintext) raises no readiness event: deliver it from
    /// the queue while reading is wanted.
    private func scheduleBufferedInput() {
        guard readingWanted, !isClosed, stream.hasBufferedInput else { return }
        loop.execute { [self] in
            guard !isClosed else { return }
            readableEvent()
        }
    }

    private func writableEvent() {
        if flushWanted { flushStreamOutput() }
        if writeWanted {
            writeWanted = false
            inWritableCallback = true
            callWritable()
            inWritableCallback = false
        }
        if !writeWanted && !flushWanted { watcher.setWriting(false) }
    }

    /// Watches writability for the stream's own output; `readBlocked`: the read that just
    /// gave `.wouldBlock` waits for it.
    private func armFlush(readBlocked: Bool) {
        flushWanted = true
        if !inWritableCallback { watcher.setWriting(true) }
        if readBlocked && readingWanted {
            readingParkedForFlush = true
            watcher.setReading(false)
        }
    }

    private func flushStreamOutput() {
        // An error is the stream's: the reader's next call reports it.
        if case .wouldBlock? = try? stream.flushPendingOutput(), stream.hasPendingOutput { return }
        flushWanted = false
        guard readingParkedForFlush else { return }
        readingParkedForFlush = false
        guard readingWanted, !isClosed else { return }
        watcher.setReading(true)
        // The bytes that waited may already be inside the engine: read without an event.
        loop.execute { [self] in
            guard !isClosed, readingWanted else { return }
            readableEvent()
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        do {
            switch try stream.read(into: buffer) {
            case .wouldBlock:
                if stream.hasPendingOutput { armFlush(readBlocked: true) }
                return .wouldBlock
            case .processed(0):
                if buffer.count == 0 { return .bytes(0) }
                sawEOF = true
                readingWanted = false
                watcher.setReading(false)  // EOF stays readable: stop read interest now
                return .eof
            case .processed(let n):
                if stream.hasPendingOutput { armFlush(readBlocked: false) }
                return .bytes(n)
            }
        } catch {
            return .error(error)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> WriteResult {
        do {
            switch try stream.write(bytes) {
            case .wouldBlock:
                armWrite()
                if stream.hasPendingOutput { armFlush(readBlocked: false) }
                return .wouldBlock
            case .processed(let n):
                if n < bytes.count { armWrite() }
                if stream.hasPendingOutput { armFlush(readBlocked: false) }
                return .written(n)
            }
        } catch {
            return .error(error)
        }
    }

    public func write(_ bytes: [UInt8]) -> WriteResult {
        bytes.withUnsafeBytes { write($0) }
    }

    private func armWrite() {
        writeWanted = true
        if !inWritableCallback { watcher.setWriting(true) }
    }

    /// `onWritable` fires once the socket has room, with no write pending (a splice step
    /// that stopped at the round limit).
    public func armWritable() { armWrite() }

    public func pauseReading() { readingWanted = false }

    public func resumeReading() {
        guard !sawEOF, !isClosed else { return }
        readingWanted = true
        guard !readingParkedForFlush else { return }  // the flush turns it back on
        watcher.setReading(true)
        scheduleBufferedInput()
    }

    public var isReadingPaused: Bool { !readingWanted }

    /// Sends FIN; reading continues.
    @discardableResult
    public func shutdownWrite() -> SyscallError? {
        do { try stream.shutdownWrite(); return nil } catch { return error }
    }

    /// Stops both sources and hands the stream, still open, to `body` (e.g. a tunnel that
    /// forwards it from now on). `onClosed` is not called.
    public func detach(_ body: @escaping (any ByteStream) -> Void) {
        loop.preconditionInEventLoop()
        guard !isClosed else { return }
        isClosed = true
        watcher.cancel { [self] in
            onReadable = {}
            onWritable = {}
            owner = nil
            onClosed = {}
            retainedSelf = nil
            body(stream)
        }
    }

    /// Stops watching the fd (synchronously), closes it and calls `onClosed`.
    public func close() {
        loop.preconditionInEventLoop()
        guard !isClosed else { return }
        isClosed = true
        releaseSplicePipe()
        watcher.cancelClosing { [self] in
            stream.close()
            let closed = onClosed
            onReadable = {}
            onWritable = {}
            owner = nil
            onClosed = {}
            retainedSelf = nil
            closed()
        }
    }
}

// MARK: zero-copy relay

extension StreamConnection {
    private static let spliceFlags = CLINUX_SPLICE_F_MOVE | CLINUX_SPLICE_F_NONBLOCK

    /// Both ends are plain sockets: bytes can go from this connection to `sink` by splice(2).
    public func canSplice(to sink: StreamConnection) -> Bool {
        stream is Socket && sink.stream is Socket && !stream.hasBufferedInput
    }

    /// Bytes spliced in (`spliceIn`) and not yet out (`spliceOut`).
    public var splicePending: Int { splicePipe?.buffered ?? 0 }

    /// What `spliceIn` gave.
    public enum SpliceInResult: Equatable, Sendable {
        /// `short`: fewer than asked for, inside a readable event with no FIN seen: the
        /// socket is empty now (`IOWatcher.shortReadEmptiesSocket`).
        case bytes(Int, short: Bool)
        case eof
        /// Nothing to read, or the pipe is full.
        case wouldBlock
        /// No pipe could be borrowed (the descriptor limit): nothing was read.
        case noPipe(SyscallError)
        case error(SyscallError)
    }

    /// Moves at most `limit` bytes from this socket into its pipe (one borrowed from the
    /// loop's pool). `.eof` stops reads like `read`.
    public func spliceIn(limit: Int) -> SpliceInResult {
        let pipe: Pipe
        if let current = splicePipe {
            pipe = current
        } else {
            do { pipe = try loop.pipePool.take() } catch { return .noPipe(error) }
            splicePipe = pipe
        }
        let count = min(limit, pipe.room)
        guard count > 0 else { return .wouldBlock }
        let result: SpliceInResult
        do {
            switch try Syscall.splice(from: stream.readinessDescriptor, to: pipe.writeFD, count: count, flags: Self.spliceFlags) {
            case .wouldBlock: result = .wouldBlock
            case .processed(0):
                sawEOF = true
                readingWanted = false
                watcher.setReading(false)
                result = .eof
            case .processed(let n):
                pipe.buffered += n
                result = .bytes(n, short: n < count && watcher.shortReadEmptiesSocket)
            }
        } catch {
            result = .error(error)
        }
        if pipe.buffered == 0 { releaseSplicePipe() }
        return result
    }

    /// Moves what the pipe holds to `sink`; a short or blocked write arms the sink's
    /// `onWritable`, like `write`. The pipe goes back to the pool once empty.
    public func spliceOut(to sink: StreamConnection) -> WriteResult {
        guard let pipe = splicePipe, pipe.buffered > 0 else { return .written(0) }
        do {
            switch try Syscall.splice(from: pipe.readFD, to: sink.stream.readinessDescriptor, count: pipe.buffered,
                                      flags: Self.spliceFlags) {
            case .wouldBlock:
                sink.armWrite()
                return .wouldBlock
            case .processed(let n):
                pipe.buffered -= n
                if pipe.buffered > 0 { sink.armWrite() } else { releaseSplicePipe() }
                return .written(n)
            }
        } catch {
            return .error(error)
        }
    }

    /// Gives the pipe back: to the pool when empty, closed (bytes dropped) otherwise.
    public func releaseSplicePipe() {
        if let splicePipe { loop.pipePool.recycle(splicePipe) }
        splicePipe = nil
    }
}
