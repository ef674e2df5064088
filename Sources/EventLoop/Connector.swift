import CLinux
import Dispatch
import Glibc
import SystemPackage

/// Why an upstream connect failed.
public enum ConnectError: Error, Equatable, Sendable {
    /// ECONNREFUSED: nothing listens there.
    case refused
    /// No answer within the timeout.
    case timedOut
    /// `ConnectAttempt.cancel()` was called first.
    case cancelled
    /// The proxy's own side ran out of something (descriptors, buffers, memory) before a
    /// packet left: says nothing about the server.
    case localResource(SyscallError)
    /// Any other failure, with the call and errno.
    case failed(SyscallError)
}

extension ConnectError {
    /// Classifies a failed call of a connect: refused, a local shortage, or anything else.
    init(_ error: SyscallError) {
        if error.errno == .connectionRefused { self = .refused }
        else if error.isLocalResourceShortage { self = .localResource(error) }
        else { self = .failed(error) }
    }
}

/// Non-blocking TCP connects. Addresses are numeric (see `SocketAddress`): no name lookup
/// happens on a loop.
public enum Connector {
    /// Connects to `address`; `completion` runs exactly once, on `loop`, with a connected
    /// socket (non-blocking, TCP_NODELAY) or the reason it failed. Callable from any thread.
    @discardableResult
    public static func connect(to address: SocketAddress, on loop: EventLoop, timeout: Duration,
                               _ completion: @escaping (Result<Socket, ConnectError>) -> Void) -> ConnectAttempt {
        let attempt = ConnectAttempt(loop: loop, completion: completion)
        loop.executeSoon { attempt.start(address: address, timeout: timeout) }
        return attempt
    }
}

/// One connect in progress. `cancel()` may be called from any thread.
public final class ConnectAttempt: @unchecked Sendable {  // state confined to loop.queue
    private let loop: EventLoop
    private var completion: ((Result<Socket, ConnectError>) -> Void)?
    private var socket: Socket?
    private var watcher: IOWatcher?
    private var timer: TimerHandle?
    private var cancelRequested = false
    /// The watch's one-shot event fired: the kernel disarmed it.
    private var eventFired = false
    private var deferredCompletion: ((Result<Socket, ConnectError>) -> Void)?

    init(loop: EventLoop, completion: @escaping (Result<Socket, ConnectError>) -> Void) {
        self.loop = loop
        self.completion = completion
    }

    public func cancel() {
        loop.executeSoon { self.cancelOnLoop() }
    }

    private func cancelOnLoop() {
        cancelRequested = true
        finish(.failure(.cancelled), deferred: true)
    }

    fileprivate func start(address: SocketAddress, timeout: Duration) {
        guard !cancelRequested else { return }
        let socket: Socket
        do {
            socket = Socket(taking: try Syscall.socket(domain: address.family, type: CInt(SOCK_STREAM.rawValue)))
            try socket.setNoDelay()
        } catch {
            finish(.failure(ConnectError(error)))
            return
        }
        self.socket = socket
        do {
            switch try Syscall.connect(socket.readinessDescriptor, address) {
            case .processed:
                // Loopback can connect at once; still complete asynchronously, like every other path.
                loop.execute { self.finish(.success(socket)) }
                return
            case .wouldBlock:
                break
            }
        } catch {
            finish(.failure(ConnectError(error)))
            return
        }
        // Writable means connected or failed. The watcher lives only until then; the
        // poller deregisters synchronously, so the socket is handed on unwatched at once.
        let watcher = IOWatcher(fd: socket.readinessDescriptor, loop: loop,
                                onReadable: {}, onWritable: { [unowned self] in self.writable() })
        self.watcher = watcher
        watcher.oneShot = true
        watcher.setWriting(true)
        timer = loop.scheduleLoopTimer(after: timeout) { [self] in self.finish(.failure(.timedOut)) }
    }

    private func writable() {
        guard let socket else { return }
        eventFired = true
        // Connected, unless epoll says ERR or HUP: only then ask SO_ERROR which error.
        if let watcher, watcher.currentEvents & (CLINUX_EPOLLERR | CLINUX_EPOLLHUP) == 0 {
            return finish(.success(socket))
        }
        do {
            if let errno = try socket.pendingError() {
                finish(.failure(ConnectError(SyscallError(call: "connect", errno: errno))))
            } else {
                finish(.success(socket))
            }
        } catch {
            finish(.failure(ConnectError(error)))
        }
    }

    /// Completes once: stops the timer and the watcher (synchronously: the caller gets a
    /// socket nothing watches any more, and a failed socket is closed only once unwatched).
    private func runDeferredCompletion(_ result: Result<Socket, ConnectError>) {
        let completion = deferredCompletion
        deferredCompletion = nil
        completion?(result)
    }

    /// `deferred`: the completion runs a queue turn later (for `cancel()`, so a caller that
    /// cancels from inside its own loop code is not re-entered, as with Dispatch sources).
    private func finish(_ result: Result<Socket, ConnectError>, deferred: Bool = false) {
        guard let completion else { return }
        self.completion = nil
        timer?.cancel()
        timer = nil
        let socket = self.socket
        self.socket = nil
        // Connected with the event in: the disarmed registration stays for the session.
        if case .success = result, eventFired { watcher?.parkAfterOneShot() } else { watcher?.cancel {} }
        watcher = nil
        if case .failure = result { socket?.close() }
        if deferred {
            deferredCompletion = completion
            loop.execute { self.runDeferredCompletion(result) }
        } else {
            completion(result)
        }
    }
}
