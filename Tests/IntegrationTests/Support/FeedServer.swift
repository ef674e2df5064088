import DemoBackends
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An SSE feed served by a test: accepts subscribers, records each request head (for
/// `Last-Event-ID`), and broadcasts whatever the test writes. `stop()` drops everyone and
/// closes the port; `start()` opens it again on the same port.
final class FeedServer: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var listenFD: Int32 = -1
    private var subscribers: [Int32] = []
    private var heads: [String] = []
    private(set) var port: UInt16 = 0

    init() throws { try start() }
    deinit { stop() }

    func start() throws {
        let (fd, bound) = try BlockingSocket.listen(port: port, backlog: 16)
        lock.withLock { listenFD = fd; port = bound }
        Thread { [self] in acceptLoop(fd) }.start()
    }

    private func acceptLoop(_ fd: Int32) {
        while true {
            let conn = accept(fd, nil, nil)
            if conn < 0 { return }
            Thread { [self] in serve(conn) }.start()
        }
    }

    private func serve(_ conn: Int32) {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while recv(conn, &byte, 1, 0) == 1 {
            head.append(byte)
            if head.suffix(4) == [13, 10, 13, 10] { break }
        }
        guard head.suffix(4) == [13, 10, 13, 10] else { close(conn); return }  // not a subscriber (e.g. a health check)
        let response = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
        _ = response.withCString { send(conn, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        lock.withLock {
            heads.append(String(decoding: head, as: UTF8.self))
            subscribers.append(conn)
        }
    }

    /// Sends raw bytes to every subscriber.
    func broadcast(_ text: String) {
        let targets = lock.withLock { subscribers }
        for fd in targets { _ = text.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }
    }

    func sendFailover(role: String, to server: String, id: Int) {
        broadcast("id: \(id)\nevent: failover\ndata: {\"type\":\"failover\",\"role\":\"\(role)\",\"to\":\"\(server)\",\"reason\":\"event\"}\n\n")
    }

    var subscriberCount: Int { lock.withLock { subscribers.count } }
    var requestHeads: [String] { lock.withLock { heads } }

    func stop() {
        let (fd, subs) = lock.withLock { () -> (Int32, [Int32]) in
            let r = (listenFD, subscribers)
            listenFD = -1
            subscribers = []
            return r
        }
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
        for s in subs { shutdown(s, Int32(SHUT_RDWR)); close(s) }
    }
}
