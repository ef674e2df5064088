import EventLoop

extension RolePlane {
    /// A `mode http` client: one `HTTPSession` on this loop, sharing the loop's HTTP state.
    func acceptHTTP(_ socket: Socket, peer: SocketAddress) {
        if isShuttingDown { socket.close(); return }
        let state: HTTPPlaneState
        if let existing = http { state = existing } else { state = HTTPPlaneState(plane: self); http = state }
        state.refreshNow()
        state.fitBuffers()
        HTTPSession(client: socket, peer: peer, plane: self, state: state).start()
    }
}
