import EventLoop

extension RolePlane {
    /// `mode http` clients. Until the HTTP/1.1 data plane lands they are forwarded as a
    /// byte stream (no header rewriting, no request-level retry).
    func acceptHTTP(_ socket: Socket, peer: SocketAddress) {
        TCPSession(client: socket, peer: peer, plane: self).start()
    }
}
