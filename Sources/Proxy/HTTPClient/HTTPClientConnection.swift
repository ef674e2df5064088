import EventLoop
import HTTP1

/// One HTTP/1.1 client connection on a loop: carries one request at a time and reports its
/// response as it arrives (whole for a unary call, piece by piece for a stream). After a
/// complete keep-alive response it can carry the next request.
final class HTTPClientConnection: @unchecked Sendable {  // confined to loop.queue
    enum Event {
        case head(HTTPResponseReader.Head)
        case data([UInt8])
        /// The response ended by its framing (or at end of stream for an `untilClose` body).
        case complete
        /// The connection broke or the response was malformed; `requestSent` says whether any
        /// byte of the request had gone out (when not, the request may be retried elsewhere).
        case failed(String, requestSent: Bool)
    }

    /// Which endpoint it leads to, for the owner's bookkeeping.
    let endpoint: Int
    private let connection: StreamConnection
    private var reader = HTTPResponseReader(method: .post)
    private var pending: [UInt8] = []
    private var sentAny = false
    private var handler: ((Event) -> Void)?
    private var keepAlive = false

    init(stream: any ByteStream, loop: EventLoop, endpoint: Int) {
        self.endpoint = endpoint
        connection = StreamConnection(stream: stream, loop: loop)
        connection.start(onReadable: { [self] in readable() }, onWritable: { [self] in flush() })
    }

    /// Idle, open, and the last response allowed reuse.
    var isReusable: Bool { handler == nil && keepAlive && !connection.isClosed }

    func send(_ request: [UInt8], method: HTTPMethod = .post, _ handler: @escaping (Event) -> Void) {
        self.handler = handler
        reader = HTTPResponseReader(method: method)
        keepAlive = false
        sentAny = false
        pending = request
        flush()
    }

    func close() {
        handler = nil
        connection.close()
    }

    private func flush() {
        guard handler != nil, !pending.isEmpty else { return }
        switch connection.write(pending) {
        case .written(let n):
            if n > 0 { sentAny = true }
            pending.removeFirst(n)
        case .wouldBlock: break
        case .error(let error): fail("write: \(error)")
        }
    }

    private func readable() {
        guard handler != nil else {
            // Idle: the server closing (or talking out of turn) ends this connection's use.
            if case .wouldBlock = connection.readAvailable({ _ in false }) { return }
            return close()
        }
        switch connection.readAvailable({ received($0) }) {
        case .wouldBlock, .stopped: return
        case .eof:
            if reader.head?.framing == .untilClose { return finish() }
            fail("the server closed the connection")
        case .error(let error): fail("read: \(error)")
        }
    }

    private func received(_ bytes: ArraySlice<UInt8>) -> Bool {
        let progress: HTTPResponseReader.Progress
        do {
            progress = try reader.consume(bytes)
        } catch {
            fail("\(error)")
            return false
        }
        if let head = progress.head { handler?(.head(head)) }
        if !progress.data.isEmpty { handler?(.data(progress.data)) }
        guard handler != nil else { return false }  // the owner closed it on what it saw
        if reader.isComplete {
            keepAlive = reader.head?.keepAlive ?? false
            finish()
            return false
        }
        return true
    }

    private func finish() {
        let done = handler
        handler = nil
        if !keepAlive { connection.close() }
        done?(.complete)
    }

    private func fail(_ reason: String) {
        let done = handler
        let sent = sentAny
        close()
        done?(.failed(reason, requestSent: sent))
    }
}
