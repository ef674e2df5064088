/// A listener's sockets for the loops of a new group, bound but not accepting yet: a
/// `workers` reload binds every listener's first (a failure leaves everything as it was),
/// then applies them all.
public struct ListenerSpread: @unchecked Sendable {  // applied or discarded once, by the reload
    let listener: Listener
    let added: [(socket: Socket, loop: EventLoop)]
    let retired: [EventLoop]

    /// New loops start accepting; the retired loops' sockets take their backlog and close.
    /// `done` runs (on some loop) once those are closed.
    public func apply(_ done: @escaping @Sendable () -> Void) {
        let starting = added.map { listener.worker($0.socket, on: $0.loop) }
        let (retiring, open) = listener.state.withLock { state -> ([AcceptWorker], Bool) in
            guard !state.isClosed else { return ([], false) }
            let retiring = state.current.filter { worker in retired.contains { $0 === worker.loop } }
            state.current = state.current.filter { worker in !retired.contains { $0 === worker.loop } } + starting
            return (retiring, true)
        }
        guard open else {  // closed meanwhile: nothing to spread
            discard()
            return done()
        }
        for worker in starting { worker.loop.executeSoon { worker.start() } }
        guard !retiring.isEmpty else { return done() }
        let remaining = Countdown(retiring.count, done)
        for worker in retiring { worker.loop.executeSoon { worker.retire { remaining.tick() } } }
    }

    /// Not applied: the new sockets close.
    public func discard() { for (socket, _) in added { socket.close() } }
}

extension Listener {
    /// Sockets on this listener's address for the loops of `loops` it has none on, and the
    /// loops it accepts on that `loops` leaves out. All or nothing.
    public func prepareSpread(over loops: [EventLoop]) throws(SyscallError) -> ListenerSpread {
        let have = workers.map(\.loop)
        var added: [(socket: Socket, loop: EventLoop)] = []
        do {
            for loop in loops where !have.contains(where: { $0 === loop }) {
                added.append((try Self.listeningSocket(address, backlog: backlog), loop))
            }
        } catch {
            for (socket, _) in added { socket.close() }
            throw error
        }
        return ListenerSpread(listener: self, added: added, retired: have.filter { loop in !loops.contains { $0 === loop } })
    }
}
