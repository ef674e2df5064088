import Cluster
import Dispatch
import EventLoop
import Synchronization

/// One watch on a connection of its own: POST /v3/watch, then a chunked answer of one JSON
/// message per line, read until it ends, fails or is cancelled.
final class EtcdWatch: StoreWatch, EtcdAttempt, @unchecked Sendable {  // confined to the client's loop.queue
    // `cancelled` is atomic (read on the callback queue); the rest is owned by client.loop.queue.
    private let client: EtcdClient
    private let body: [UInt8]
    private let update: @Sendable (WatchUpdate) -> Void
    private let cancelled = Atomic<Bool>(false)
    var connecting: UpstreamConnect?
    private(set) var deadline = ContinuousClock.now
    private(set) var isOver = false
    private var connection: HTTPClientConnection?
    /// Until etcd confirms the watch: bounded like a unary call.
    private var createTimer: TimerHandle?
    private var lines = EtcdLines()
    private var status = 0
    private var errorBody: [UInt8] = []

    init(client: EtcdClient, body: EtcdJSONBody, update: @escaping @Sendable (WatchUpdate) -> Void) {
        self.client = client
        self.body = body.bytes
        self.update = update
    }

    func cancel() {
        cancelled.store(true, ordering: .sequentiallyConsistent)
        client.loop.execute { [self] in stop() }
    }

    /// On the loop.
    func start() {
        guard !cancelled.load(ordering: .sequentiallyConsistent) else { return stop() }
        deadline = .now + client.callTimeout
        createTimer = client.loop.scheduleTimer(after: client.callTimeout) { [self] in
            let error = StoreError(.timeout, "the watch was not confirmed within \(client.callTimeout)")
            client.transportFailed(on: connection?.endpoint ?? client.current, error)
            end(.ended(error))
        }
        guard client.credentials != nil && client.token == nil else { return connect() }
        client.start(path: nil, body: []) { [self] result in
            if case .failure(let error) = result { return end(.ended(error)) }
            connect()
        }
    }

    private func connect() {
        guard !isOver else { return }
        client.open(for: self, reuse: false, attemptsLeft: client.endpoints.count) { [self] opened in
            switch opened {
            case .success(let connection): subscribe(on: connection)
            case .failure(let error): end(.ended(error))
            }
        }
    }

    private func subscribe(on connection: HTTPClientConnection) {
        self.connection = connection
        // Hasleader: a member cut off from its peers ends the stream instead of going silent.
        let request = client.endpoints[connection.endpoint].request(
            path: "/v3/watch", body: body, token: client.token, extraHeaders: ["Grpc-Metadata-Hasleader: true"])
        connection.send(request) { [self] event in
            switch event {
            case .head(let head): status = head.status
            case .data(let data): received(data)
            case .complete:
                if status != 200 { return end(.ended(EtcdResponses.error(status: status, body: errorBody))) }
                lost(StoreError(.unavailable, "the watch stream ended"))
            case .failed(let reason, _):
                lost(StoreError(.unavailable, reason))
            }
        }
    }

    private func received(_ data: [UInt8]) {
        guard status == 200 else { errorBody += data; return }
        let found: [[UInt8]]
        do {
            found = try lines.append(data)
        } catch {
            return end(.ended(StoreError(.badResponse, "a watch message longer than \(EtcdLines.maxLine) bytes")))
        }
        for line in found where !line.isEmpty && !isOver {
            let message: WatchUpdate
            do {
                message = try EtcdResponses.watchUpdate(line)
            } catch {
                return end(.ended(error))
            }
            switch message {
            case .started:
                createTimer?.cancel()
                if let connection { client.succeeded(on: connection.endpoint) }
                deliver(message)
            case .changes, .progress:
                deliver(message)
            case .compacted:
                end(message)
            case .ended(let error):
                lost(error)  // no leader and the like: this member is of no use now
            }
        }
    }

    /// The stream broke or the member gave up: later calls try the next endpoint.
    private func lost(_ error: StoreError) {
        if let connection { client.transportFailed(on: connection.endpoint, error) }
        end(.ended(error))
    }

    /// Delivers the watch's last update.
    private func end(_ last: WatchUpdate) {
        guard !isOver else { return }
        stop()
        if case .ended(let error) = last { client.failed(error) }
        deliver(last)
    }

    private func stop() {
        isOver = true
        createTimer?.cancel()
        connecting?.cancel()
        connecting = nil
        connection?.close()
        connection = nil
    }

    private func deliver(_ message: WatchUpdate) {
        client.callbackQueue.async { [self] in
            guard !cancelled.load(ordering: .sequentiallyConsistent) else { return }
            update(message)
        }
    }
}
