import Cluster
import EventLoop

extension EtcdClient {
    /// A connection to the current endpoint: an idle one when `reuse`, else a new one. A
    /// connect that fails sent nothing, so it moves on to the next endpoint and tries again,
    /// at most once around the list, within the attempt's deadline.
    func open(for attempt: any EtcdAttempt, reuse: Bool, attemptsLeft: Int,
              _ done: @escaping (Result<HTTPClientConnection, StoreError>) -> Void) {
        if reuse {
            while let connection = idle.popLast() {
                if connection.isReusable { return done(.success(connection)) }
                connection.close()
            }
        }
        let index = current
        let endpoint = endpoints[index]
        let remaining = attempt.deadline - .now
        guard remaining > .zero else { return done(.failure(StoreError(.timeout, "no time left to connect"))) }
        var completed = false  // a refused loopback connect completes before `start` returns
        let connecting = UpstreamConnect.start(to: endpoint.address, tls: endpoint.tls, on: loop, timeout: remaining) {
            [self] result in
            completed = true
            attempt.connecting = nil
            guard !attempt.isOver else {
                if case .success(let stream) = result { stream.close() }
                return
            }
            switch result {
            case .success(let stream):
                done(.success(HTTPClientConnection(stream: stream, loop: loop, endpoint: index)))
            case .failure(let error):
                let failure = StoreError(.unavailable, "\(endpoint.url): \(error)")
                transportFailed(on: index, failure)
                guard attemptsLeft > 1 else { return done(.failure(failure)) }
                open(for: attempt, reuse: false, attemptsLeft: attemptsLeft - 1, done)
            }
        }
        if !completed { attempt.connecting = connecting }
    }
}
