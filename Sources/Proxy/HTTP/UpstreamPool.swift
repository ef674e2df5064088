import EventLoop

/// Idle keep-alive connections per server on one loop: bounded, expired after the idle
/// timeout, and dropped the moment the server closes one (see `UpstreamConnection`).
/// Most recently used first, so a small working set stays warm and the rest expire.
final class UpstreamPool {  // confined to the loop
    private let idle = ServerBuckets { IdleConnections() }
    let maxPerServer: Int

    init(maxPerServer: Int) {
        self.maxPerServer = maxPerServer
    }

    /// The most recently used idle connection to `server`; with `verify`, one the server
    /// has visibly closed is dropped first (for requests that could not be sent again).
    func take(server: String, verify: Bool) -> UpstreamConnection? {
        guard let list = idle[server] else { return nil }
        while let connection = list.connections.popLast() {
            connection.pool = nil
            if connection.isClosed { continue }
            if verify && !connection.stillOpen { connection.close(); continue }
            return connection
        }
        return nil
    }

    /// Pools an idle connection; its (empty) read buffer goes back to `buffers`.
    func put(_ connection: UpstreamConnection, now: UInt64, buffers: HTTPBufferPool) {
        connection.buffer.release(buffers)
        let list = idle.bucket(connection.server)
        guard !connection.isClosed, list.connections.count < maxPerServer else {
            connection.close()
            return
        }
        connection.owner = nil
        connection.pool = self
        connection.idleSince = now
        connection.stream.resumeReading()  // to notice the server closing it
        list.connections.append(connection)
    }

    func remove(_ connection: UpstreamConnection) {
        idle[connection.server]?.connections.removeAll { $0 === connection }
        connection.pool = nil
    }

    /// The server lost the role: its idle connections go now.
    func closeAll(server: String) {
        let gone = idle.remove(server)?.connections ?? []
        for connection in gone { connection.pool = nil; connection.close() }
    }

    func closeAll() {
        for server in Array(idle.byServer.keys) { closeAll(server: server) }
    }

    /// Closes connections idle since before `cutoff` (oldest are at the front).
    func expire(idleBefore cutoff: UInt64) {
        for list in idle.buckets {
            guard let first = list.connections.first, first.idleSince < cutoff else { continue }
            var kept: [UpstreamConnection] = []
            for connection in list.connections {
                if connection.idleSince < cutoff { connection.pool = nil; connection.close() } else { kept.append(connection) }
            }
            list.connections = kept
        }
    }

    var idleCount: Int { idle.buckets.reduce(0) { $0 + $1.connections.count } }
}

/// One server's idle connections, oldest first.
final class IdleConnections {  // confined to the pool's loop
    var connections: [UpstreamConnection] = []
}
