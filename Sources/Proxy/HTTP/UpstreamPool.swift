import EventLoop

/// Idle keep-alive connections per server on one loop: bounded, expired after the idle
/// timeout, and dropped the moment the server closes one (see `UpstreamConnection`).
/// Most recently used first, so a small working set stays warm and the rest expire.
final class UpstreamPool {  // confined to the loop
    private var idle: [String: [UpstreamConnection]] = [:]
    let maxPerServer: Int

    init(maxPerServer: Int) {
        self.maxPerServer = maxPerServer
    }

    /// The most recently used idle connection to `server`; with `verify`, one the server
    /// has visibly closed is dropped first (for requests that could not be sent again).
    func take(server: String, verify: Bool) -> UpstreamConnection? {
        while let connection = idle[server]?.popLast() {
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
        guard !connection.isClosed, idle[connection.server, default: []].count < maxPerServer else {
            connection.close()
            return
        }
        connection.owner = nil
        connection.pool = self
        connection.idleSince = now
        connection.stream.resumeReading()  // to notice the server closing it
        idle[connection.server, default: []].append(connection)
    }

    func remove(_ connection: UpstreamConnection) {
        idle[connection.server]?.removeAll { $0 === connection }
        connection.pool = nil
    }

    /// The server lost the role: its idle connections go now.
    func closeAll(server: String) {
        let gone = idle.removeValue(forKey: server) ?? []
        for connection in gone { connection.pool = nil; connection.close() }
    }

    func closeAll() {
        for server in Array(idle.keys) { closeAll(server: server) }
    }

    /// Closes connections idle since before `cutoff` (oldest are at the front).
    func expire(idleBefore cutoff: UInt64) {
        for (server, list) in idle {
            guard let first = list.first, first.idleSince < cutoff else { continue }
            var kept: [UpstreamConnection] = []
            for connection in list {
                if connection.idleSince < cutoff { connection.pool = nil; connection.close() } else { kept.append(connection) }
            }
            idle[server] = kept
        }
    }

    var idleCount: Int { idle.values.reduce(0) { $0 + $1.count } }
}
