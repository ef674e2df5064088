import Dispatch
import EventLoop

/// Drives a `TLSStream`'s handshake to the end on its loop, watching whichever direction
/// OpenSSL asks for, with a timeout. Use it before handing the stream to a forwarder or an
/// HTTP session, which then see only application data.
///
/// `completion` runs once, on the loop, after the driver's Dispatch sources are cancelled
/// (so the caller may watch the descriptor itself at once). On failure the stream is left
/// open: the caller closes it (and logs the error). After `cancel()` the completion is
/// never called.
public final class TLSHandshake: @unchecked Sendable {  // confined to loop.queue
    private let stream: TLSStream
    private let loop: EventLoop
    private var completion: ((Result<TLSStream, TLSError>) -> Void)?
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var timer: TimerHandle?
    private var retainedSelf: TLSHandshake?

    /// Starts the handshake; call on `loop`.
    @discardableResult
    public static func start(_ stream: TLSStream, on loop: EventLoop, timeout: Duration,
                             completion: @escaping (Result<TLSStream, TLSError>) -> Void) -> TLSHandshake {
        loop.preconditionInEventLoop()
        let driver = TLSHandshake(stream: stream, loop: loop, completion: completion)
        driver.retainedSelf = driver
        driver.timer = loop.scheduleTimer(after: timeout) { [driver] in
            driver.finish(.failure(TLSError(.handshakeTimedOut, "TLS handshake did not finish within \(timeout)")))
        }
        driver.step()
        return driver
    }

    private init(stream: TLSStream, loop: EventLoop, completion: @escaping (Result<TLSStream, TLSError>) -> Void) {
        self.stream = stream
        self.loop = loop
        self.completion = completion
    }

    /// Abandons the handshake without calling the completion (e.g. shutdown). On the loop.
    public func cancel() {
        loop.preconditionInEventLoop()
        completion = nil
        finish(.failure(TLSError(.handshakeTimedOut, "cancelled")))
    }

    private func step() {
        guard completion != nil else { return }
        switch stream.handshake() {
        case .done: finish(.success(stream))
        case .failed(let error): finish(.failure(error))
        case .wantRead: watch(read: true)
        case .wantWrite: watch(read: false)
        }
    }

    private func watch(read: Bool) {
        let fd = stream.readinessDescriptor
        if read {
            writeSource?.suspendIfNeeded(&writeSuspended, true)
            if let readSource {
                readSource.suspendIfNeeded(&readSuspended, false)
            } else {
                let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: loop.queue)
                source.setEventHandler { [unowned self] in step() }
                readSource = source
                source.resume()
            }
        } else {
            readSource?.suspendIfNeeded(&readSuspended, true)
            if let writeSource {
                writeSource.suspendIfNeeded(&writeSuspended, false)
            } else {
                let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: loop.queue)
                source.setEventHandler { [unowned self] in step() }
                writeSource = source
                source.resume()
            }
        }
    }

    private var readSuspended = false
    private var writeSuspended = false

    private func finish(_ result: Result<TLSStream, TLSError>) {
        timer?.cancel()
        timer = nil
        let callback = completion
        completion = nil
        let sources: [DispatchSourceProtocol] = [readSource, writeSource].compactMap { $0 }
        // A suspended source never runs its cancel handler: resume before cancelling.
        if readSuspended { readSource?.resume() }
        if writeSuspended { writeSource?.resume() }
        readSuspended = false
        writeSuspended = false
        readSource = nil
        writeSource = nil
        guard !sources.isEmpty else {
            callback?(result)
            retainedSelf = nil
            return
        }
        var remaining = sources.count
        for source in sources {
            source.setEventHandler(handler: nil)
            source.setCancelHandler { [self] in
                remaining -= 1  // cancel handlers run on the loop's serial queue
                if remaining == 0 {
                    callback?(result)
                    retainedSelf = nil
                }
            }
            source.cancel()
        }
    }
}

extension DispatchSourceProtocol {
    /// Suspends (`suspend == true`) or resumes, tracking the state in `flag` so calls balance.
    fileprivate func suspendIfNeeded(_ flag: inout Bool, _ suspend: Bool) {
        guard flag != suspend else { return }
        flag = suspend
        if suspend { self.suspend() } else { resume() }
    }
}
