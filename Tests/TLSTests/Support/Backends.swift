import TestSupport
import Foundation
import Glibc

/// Plain TCP backends behind the TLS-terminating test proxy: one thread per connection,
/// stopped (listener shut down, connections ended) by `stop()`.
final class ThreadedBackend: @unchecked Sendable {
    enum Behavior: Sendable {
        /// Sends back every byte until EOF, then closes.
        case echo
        /// Reads a request head (up to CRLFCRLF), answers `body` as HTTP/1.1 and closes.
        case http(body: String)
    }

    let listener: BlockingListener
    let behavior: Behavior
    private let finished = DispatchGroup()

    init(_ behavior: Behavior) throws {
        guard let listener = BlockingListener() else { throw CertificateFixtures.CommandFailed(description: "listen") }
        self.listener = listener
        self.behavior = behavior
        let thread = Thread { [self] in acceptLoop() }
        finished.enter()
        thread.start()
    }

    var port: UInt16 { listener.port }

    private func acceptLoop() {
        defer { finished.leave() }
        for _ in 0..<1000 {
            guard let connection = listener.accept() else { return }
            finished.enter()
            let thread = Thread { [self] in
                serve(connection)
                connection.close()
                finished.leave()
            }
            thread.start()
        }
    }

    private func serve(_ connection: BlockingPeer) {
        switch behavior {
        case .echo:
            while let chunk = connection.receive(), !chunk.isEmpty {
                guard connection.send(chunk) else { return }
            }
        case .http(let body):
            var head: [UInt8] = []
            while !head.ends(with: Array("\r\n\r\n".utf8)) {
                guard let chunk = connection.receive(max: 1), !chunk.isEmpty else { return }
                head += chunk
            }
            connection.send(Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8))
        }
    }

    /// Stops accepting and waits (bounded) for the connection threads to end.
    func stop() {
        listener.stop()
        _ = finished.wait(timeout: .now() + 15)
    }
}

extension Array where Element: Equatable {
    func ends(with suffix: [Element]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
