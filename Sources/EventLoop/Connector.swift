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
    /// Any other failure, with the call and errno.
    case failed(SyscallError)
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
    private var writeSource: DispatchSourceWrite?
    private var timer: TimerHandle?
    private var cancelRequested = false

    init(loop: EventLoop, completion: @escaping (Result<Socket, ConnectError>) -> Void) {
        self.loop = loop
        self.completion = completion
    }

    public func cancel() {
        loop.executeSoon { self.cancelOnLoop() }
    }

    private func cancelOnLoop() {
        cancelRequested = true
        finish(.failure(.cancelled))
    }

    fileprivate func start(address: SocketAddress, timeout: Duration) {
        guard !cancelRequested else { return }
        let socket: Socket
        do {
            socket = Socket(taking: try Syscall.socket(domain: address.family, type: CInt(SOCK_STREAM.rawValue)))
            try socket.setNoDelay()
        } catch {
            finish(.failure(.failed(error)))
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
            finish(.failure(error.errno == .connectionRefused ? .refused : .failed(error)))
            return
        }
        let source = DispatchSource.makeWriteSource(fileDescriptor: socket.readinessDescriptor, queue: loop.queue)
        source.setEventHandler { [unowned self] in self.writable() }
        writeSource = source
        source.resume()
        timer = loop.scheduleTimer(after: timeout) { [self] in self.finish(.failure(.timedOut)) }
    }

    private func writable() {
        guard let socket else { return }
        do {
            if let errno = try socket.pendingError() {
                finish(.failure(errno == .connectionRefused ? .refused : .failed(SyscallError(call: "connect", errno: errno))))
            } else {
                finish(.success(socket))
            }
        } catch {
            finish(.failure(.failed(error)))
        }
    }

    /// Completes once: stops the timer and the source. With a source, the completion runs
    /// from its cancel handler, so the caller gets a socket no source watches any more (and
    /// a failed socket is closed there, never under a live source).
    private func finish(_ result: Result<Socket, ConnectError>) {
        guard let completion else { return }
        self.completion = nil
        timer?.cancel()
        timer = nil
        let socket = self.socket
        self.socket = nil
        if let source = writeSource {
            writeSource = nil
            source.setCancelHandler {
                if case .failure = result { socket?.close() }
                completion(result)
            }
            source.cancel()
        } else {
            if case .failure = result { socket?.close() }
            completion(result)
        }
    }
}
