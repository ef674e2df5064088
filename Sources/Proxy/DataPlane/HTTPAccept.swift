import EventLoop

extension RolePlane {
    /// A `mode http` client: one `HTTPSession` on this loop, sharing the loop's HTTP state.
    func acceptHTTP(_ stream: any ByteStream, peer: SocketAddress, secure: Bool, slot: ConnectionSlot?) {
        if isShuttingDown {
            stream.close()
            slot?.release()
            return
        }
        let state: HTTPPlaneState
        if let existing = http { state = existing } else { state = HTTPPlaneState(plane: self); http = state }
        state.fitBuffers()
        HTTPSession(client: stream, peer: peer, secure: secure, plane: self, state: state, slot: slot).start()
    }
}
