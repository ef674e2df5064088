import EventLoop
import Glibc
import TLS

extension RolePlane {
    /// A client on a `tls` listener: the handshake, bounded by the role's head-timeout
    /// (http) or connect-timeout (tcp), then its session over the TLS stream. A client that
    /// fails the handshake (plaintext, no shared version, silence) is closed; nobody else
    /// is affected.
    func acceptTLS(_ socket: Socket, peer: SocketAddress, slot: ConnectionSlot?) {
        guard !isShuttingDown, let context = tls.server else {
            slot?.release()
            return socket.close()
        }
        let stream: TLSStream
        do {
            stream = try TLSStream.server(socket: socket, context: context)
        } catch {
            controller.logger.warning("TLS session not created", metadata: ["client": .string(peer.description), "error": .string(error.message)])
            slot?.release()
            return socket.close()
        }
        let timeout = config.mode == .http ? config.headTimeout : config.connectTimeout
        pendingHandshakes += 1
        TLSHandshake.start(stream, on: loop, timeout: timeout) { [self] result in
            pendingHandshakes -= 1
            switch result {
            case .success(let stream):
                if isShuttingDown {
                    slot?.release()
                    return stream.close()
                }
                startSession(stream, peer: peer, secure: true, slot: slot)
            case .failure(let error):
                controller.logger.debug("TLS handshake failed", metadata: ["client": .string(peer.description), "error": .string(error.message)])
                Self.discardPendingInput(stream.readinessDescriptor)
                stream.close()
                slot?.release()
            }
        }
    }

    /// Bytes left unread at close turn the FIN into a reset; a client that spoke plaintext
    /// (a short request) gets a clean close instead. Bounded: never more than a few reads.
    static func discardPendingInput(_ fd: CInt) {
        guard fd >= 0 else { return }
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        for _ in 0..<4 {
            // The socket is non-blocking: nothing left reads as `.wouldBlock`.
            guard case .processed(let n)? = scratch.withUnsafeMutableBytes({ try? Syscall.read(fd, $0) }), n > 0 else { return }
        }
    }
}
