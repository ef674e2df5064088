import EventLoop
import TLS

/// Why a connection to a server could not be used.
enum UpstreamConnectError: Error, CustomStringConvertible {
    case connect(ConnectError)
    /// The TLS handshake failed: verification (wrong name, unknown CA), protocol, timeout.
    case tls(TLSError)

    var isCancelled: Bool { if case .connect(.cancelled) = self { return true } else { return false } }

    var description: String {
        switch self {
        case .connect(let error): return "connect: \(error)"
        case .tls(let error): return "tls: \(error.message)"
        }
    }
}

/// A TCP connect to a server, then, for a server marked `tls`, the client handshake: the
/// caller gets a stream that carries application data, or the reason it cannot have one.
/// `completion` runs once on `loop`; `cancel()` (any thread) makes it `.connect(.cancelled)`.
final class UpstreamConnect: @unchecked Sendable {  // confined to loop.queue
    private let loop: EventLoop
    private var completion: ((Result<any ByteStream, UpstreamConnectError>) -> Void)?
    private var attempt: ConnectAttempt?
    private var handshake: TLSHandshake?
    private var stream: TLSStream?

    static func start(to address: SocketAddress, tls: UpstreamTLS?, on loop: EventLoop, timeout: Duration,
                      completion: @escaping (Result<any ByteStream, UpstreamConnectError>) -> Void) -> UpstreamConnect {
        let connect = UpstreamConnect(loop: loop, completion: completion)
        var connectDone = false
        let attempt = Connector.connect(to: address, on: loop, timeout: timeout) { [connect] result in
            connectDone = true
            connect.attempt = nil
            switch result {
            case .success(let socket):
                guard let tls else { return connect.finish(.success(socket)) }
                connect.startTLS(socket, tls, timeout: timeout)
            case .failure(let error):
                connect.finish(.failure(.connect(error)))
            }
        }
        if !connectDone { connect.attempt = attempt }
        return connect
    }

    private init(loop: EventLoop, completion: @escaping (Result<any ByteStream, UpstreamConnectError>) -> Void) {
        self.loop = loop
        self.completion = completion
    }

    private func startTLS(_ socket: Socket, _ tls: UpstreamTLS, timeout: Duration) {
        guard completion != nil else { return socket.close() }
        let stream: TLSStream
        do {
            stream = try TLSStream.client(socket: socket, context: tls.context, serverName: tls.serverName, sessions: tls.sessions)
        } catch {
            // SSL_new, its BIO, the SNI name: nothing has gone to the server yet, so this is the
            // proxy's own failure (out of memory), never the server's.
            socket.close()
            return finish(.failure(.connect(.localResource(SyscallError(call: "TLS setup: \(error.message)", errno: .noMemory)))))
        }
        self.stream = stream
        handshake = TLSHandshake.start(stream, on: loop, timeout: timeout) { [self] result in
            handshake = nil
            self.stream = nil
            switch result {
            case .success(let stream): finish(.success(stream))
            case .failure(let error):
                stream.close()
                finish(.failure(.tls(error)))
            }
        }
    }

    func cancel() {
        loop.executeSoon { [self] in
            if let attempt { return attempt.cancel() }  // reports .cancelled itself
            guard completion != nil else { return }
            handshake?.cancel()
            handshake = nil
            stream?.close()
            stream = nil
            finish(.failure(.connect(.cancelled)))
        }
    }

    private func finish(_ result: Result<any ByteStream, UpstreamConnectError>) {
        guard let completion else {
            if case .success(let stream) = result { stream.close() }
            return
        }
        self.completion = nil
        completion(result)
    }
}
