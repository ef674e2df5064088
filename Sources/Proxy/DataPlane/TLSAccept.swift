import EventLoop
import TLS

extension RolePlane {
    /// A client on a `tls` listener: the handshake, bounded by the role's head-timeout
    /// (http) or connect-timeout (tcp), then its session over the TLS stream. A client that
    /// fails the handshake (plaintext, no shared version, silence) is closed; nobody else
    /// is affected.
    func acceptTLS(_ socket: Socket, peer: SocketAddress) {
        guard !isShuttingDown, let context = tls.server else { return socket.close() }
        let stream: TLSStream
        do {
            stream = try TLSStream.server(socket: socket, context: context)
        } catch {
            controller.logger.warning("TLS session not created", metadata: ["client": .string(peer.description), "error": .string(error.message)])
            return socket.close()
        }
        let timeout = config.mode == .http ? config.headTimeout : config.connectTimeout
        TLSHandshake.start(stream, on: loop, timeout: timeout) { [self] result in
            switch result {
            case .success(let stream):
                if isShuttingDown { return stream.close() }
                startSession(stream, peer: peer, secure: true)
            case .failure(let error):
                controller.logger.debug("TLS handshake failed", metadata: ["client": .string(peer.description), "error": .string(error.message)])
                stream.close()
            }
        }
    }
}
