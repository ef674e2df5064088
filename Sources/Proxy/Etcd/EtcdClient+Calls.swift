import Cluster
import EventLoop

/// Unary calls: one POST, one answer, within the call's own timeout.
extension EtcdClient {
    /// Runs a call and decodes its answer; `done` runs on the callback queue.
    func call<T: Sendable>(_ path: String, _ object: [String: Any],
                           _ decode: @escaping @Sendable ([UInt8]) throws(StoreError) -> T,
                           _ done: @escaping @Sendable (Result<T, StoreError>) -> Void) {
        let body = EtcdJSONBody(object)
        loop.execute { [self] in
            start(path: path, body: body.bytes) { [self] result in
                let outcome = result.flatMap { bytes in Result { () throws(StoreError) in try decode(bytes) } }
                if case .failure(let error) = outcome { failed(error) }
                callbackQueue.async { done(outcome) }
            }
        }
    }

    /// On the loop: `path` nil only logs in (when a user is configured and no token is held).
    func start(path: String?, body: [UInt8], _ completion: @escaping (Result<[UInt8], StoreError>) -> Void) {
        let call = EtcdCall(path: path, body: body, timeout: callTimeout, completion: completion)
        call.timer = loop.scheduleTimer(after: callTimeout) { [self] in timedOut(call) }
        if credentials != nil && token == nil {
            logIn(call) { [self] in send(call) }
        } else {
            send(call)
        }
    }

    private func send(_ call: EtcdCall) {
        guard let path = call.path else { return finish(call, .success([])) }
        exchange(call, path: path, body: call.body) { [self] status, answer in
            if status == 200 { return finish(call, .success(answer)) }
            let error = EtcdResponses.error(status: status, body: answer)
            if credentials != nil && EtcdResponses.isExpiredToken(error) && !call.loggedInAgain {
                call.loggedInAgain = true
                token = nil
                return logIn(call) { [self] in send(call) }
            }
            finish(call, .failure(error))
        }
    }

    private func logIn(_ call: EtcdCall, then next: @escaping () -> Void) {
        guard let credentials else { return next() }
        let body = EtcdRequests.encode(EtcdRequests.authenticate(user: credentials.user, password: credentials.password))
        exchange(call, path: "/v3/auth/authenticate", body: body) { [self] status, answer in
            guard status == 200 else {
                let error = EtcdResponses.error(status: status, body: answer)
                return finish(call, .failure(StoreError(.unauthorized, "log-in: \(error.message)")))
            }
            do throws(StoreError) {
                token = try EtcdResponses.token(answer)
                next()
            } catch {
                finish(call, .failure(error))
            }
        }
    }

    /// One request and its whole answer (any status); transport failures finish the call.
    private func exchange(_ call: EtcdCall, path: String, body: [UInt8], reuse: Bool = true,
                          _ answered: @escaping (_ status: Int, _ body: [UInt8]) -> Void) {
        open(for: call, reuse: reuse, attemptsLeft: endpoints.count) { [self] opened in
            let connection: HTTPClientConnection
            switch opened {
            case .success(let c): connection = c
            case .failure(let error): return finish(call, .failure(error))
            }
            call.connection = connection
            var status = 0
            var answer: [UInt8] = []
            let request = endpoints[connection.endpoint].request(path: path, body: body, token: token)
            connection.send(request) { [self] event in
                switch event {
                case .head(let head): status = head.status
                case .data(let data): answer += data
                case .complete:
                    call.connection = nil
                    answeredBy(connection)
                    answered(status, answer)
                case .failed(let reason, let requestSent):
                    call.connection = nil
                    let error = StoreError(.unavailable, "\(endpoints[connection.endpoint].url): \(reason)")
                    transportFailed(on: connection.endpoint, error)
                    // Nothing went out (a kept-alive connection the server had closed): safe to resend once.
                    if !requestSent && !call.retriedUnsent {
                        call.retriedUnsent = true
                        return exchange(call, path: path, body: body, reuse: false, answered)
                    }
                    finish(call, .failure(error))
                }
            }
        }
    }

    /// The endpoint answered: it is the connected one; keep its connection for the next call.
    private func answeredBy(_ connection: HTTPClientConnection) {
        succeeded(on: connection.endpoint)
        if connection.isReusable && connection.endpoint == current && idle.count < Self.maxIdle {
            idle.append(connection)
        } else {
            connection.close()
        }
    }

    private func timedOut(_ call: EtcdCall) {
        guard !call.isOver else { return }
        call.connecting?.cancel()
        call.connecting = nil
        var endpoint = current
        if let connection = call.connection {
            endpoint = connection.endpoint
            connection.close()  // an answer arriving later must not be read as the next call's
            call.connection = nil
        }
        let error = StoreError(.timeout, "no answer from \(endpoints[endpoint].url) within \(callTimeout)")
        transportFailed(on: endpoint, error)
        finish(call, .failure(error))
    }

    private func finish(_ call: EtcdCall, _ result: Result<[UInt8], StoreError>) {
        guard let completion = call.completion else { return }
        call.completion = nil
        call.timer?.cancel()
        completion(result)
    }
}
