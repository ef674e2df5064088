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

/// A non-blocking socket on its loop, for protocol code (the HTTP proxy).
///
/// Protocol code reads in `onReadable` until `.wouldBlock` (or until it has read enough
/// for this wake-up: readiness is reported again while data waits), writes optimistically, and
/// keeps its own pending bytes when a write is short; `onWritable` then fires once the
/// socket has room. Pausing and resuming reads only flips a flag; the read source is
/// suspended lazily when it fires while paused, so pause/resume within one event costs
/// nothing. Call everything on `loop`. The connection keeps itself alive until `close()`.
public final class StreamConnection: @unchecked Sendable {  // confined to loop.queue
    public let loop: EventLoop
    public let socket: Socket
    private var watcher: IOWatcher!
    private var onReadable: () -> Void = {}
    private var onWritable: () -> Void = {}
    private var onClosed: () -> Void = {}
    private var readingWanted = false
    private var writeWanted = false
    private var inWritableCallback = false
    private var sawEOF = false
    public private(set) var isClosed = false

    public init(socket: Socket, loop: EventLoop) {
        self.socket = socket
        self.loop = loop
        watcher = IOWatcher(
            fd: socket.readinessDescriptor, loop: loop,
            onReadable: { [unowned self] in self.readableEvent() },
            onWritable: { [unowned self] in self.writableEvent() })
    }

    /// Installs the callbacks and starts reading. `onClosed` runs once the fd is closed.
    public func start(onReadable: @escaping () -> Void, onWritable: @escaping () -> Void = {},
                      onClosed: @escaping () -> Void = {}) {
        loop.preconditionInEventLoop()
        self.onReadable = onReadable
        self.onWritable = onWritable
        self.onClosed = onClosed
        readingWanted = true
        watcher.setReading(true)
        retainedSelf = self
    }

    // Alive while registered: the owner may drop its reference and rely on callbacks.
    private var retainedSelf: StreamConnection?

    private func readableEvent() {
        if !readingWanted {
            watcher.setReading(false)  // paused since the last event: suspend now
            return
        }
        onReadable()
    }

    private func writableEvent() {
        writeWanted = false
        inWritableCallback = true
        onWritable()
        inWritableCallback = false
        if !writeWanted { watcher.setWriting(false) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        do {
            switch try socket.read(into: buffer) {
            case .wouldBlock: return .wouldBlock
            case .processed(0):
                if buffer.count == 0 { return .bytes(0) }
                sawEOF = true
                readingWanted = false
                watcher.setReading(false)  // EOF stays readable: stop read interest now
                return .eof
            case .processed(let n): return .bytes(n)
            }
        } catch {
            return .error(error)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> WriteResult {
        do {
            switch try socket.write(bytes) {
            case .wouldBlock:
                armWrite()
                return .wouldBlock
            case .processed(let n):
                if n < bytes.count { armWrite() }
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

    public func pauseReading() { readingWanted = false }

    public func resumeReading() {
        guard !sawEOF, !isClosed else { return }
        readingWanted = true
        watcher.setReading(true)
    }

    public var isReadingPaused: Bool { !readingWanted }

    /// Sends FIN; reading continues.
    @discardableResult
    public func shutdownWrite() -> SyscallError? {
        do { try socket.shutdownWrite(); return nil } catch { return error }
    }

    /// Stops watching the fd (synchronously), closes it and calls `onClosed`.
    public func close() {
        loop.preconditionInEventLoop()
        guard !isClosed else { return }
        isClosed = true
        watcher.cancel { [self] in
            socket.close()
            let closed = onClosed
            onReadable = {}
            onWritable = {}
            onClosed = {}
            retainedSelf = nil
            closed()
        }
    }
}
