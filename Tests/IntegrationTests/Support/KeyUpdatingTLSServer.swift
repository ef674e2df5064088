import struct TestSupport.CertificateFixtures
import DemoBackends
import EventLoop
import Foundation
import Synchronization
@testable import TLS
#if canImport(Glibc)
import Glibc
#endif

/// A TLS HTTP/1.1 keep-alive server built from the product's TLS types: answers every
/// request 200 with a short body (`/health` with `Connection: close`). After `sendKeyUpdate()`
/// one connection that has answered a request other than `/health` sends a TLS 1.3
/// KeyUpdate(update_requested) while idle; KeyUpdates from peers are counted (a peer's read
/// of ours sends the reply). One thread per connection owns its stream.
final class KeyUpdatingTLSServer: Sendable {
    struct Counts: Sendable {
        /// Connections that carried a request other than `/health`.
        var dataConnections = 0
        /// KeyUpdates put on the wire (`requestKeyUpdate` reported them sent).
        var keyUpdatesSent = 0
        /// KeyUpdates received from peers: the replies to ours.
        var keyUpdatesReceived = 0
        /// Data connections the peer closed (FIN or reset).
        var dataConnectionsClosedByPeer = 0
        var protocolVersions: [String] = []
    }

    let port: UInt16
    private let listenFD: Int32
    private let context: TLSServerContext
    private let state = Mutex(Counts())
    private let keyUpdateWanted = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchGroup()

    init(pair: CertificateFixtures.Pair) throws {
        context = try TLSServerContext(certificateChainFile: pair.certificate, keyFile: pair.key)
        let (fd, bound) = try BlockingSocket.listen(port: 0)
        listenFD = fd
        port = bound
        finished.enter()
        Thread { [self] in acceptLoop() }.start()
    }

    var counts: Counts { state.withLock { $0 } }

    /// The next data connection to go idle (or the one idle now) sends one KeyUpdate.
    func sendKeyUpdate() { keyUpdateWanted.store(true, ordering: .sequentiallyConsistent) }

    func stop() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
        _ = finished.wait(timeout: .now() + 10)
    }

    private func acceptLoop() {
        defer { finished.leave() }
        for _ in 0..<1000 {
            let fd = accept(listenFD, nil, nil)
            guard fd >= 0, !stopping.load(ordering: .sequentiallyConsistent) else {
                if fd >= 0 { close(fd) }
                return
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)  // TLSStream needs it
            finished.enter()
            Thread { [self] in
                defer { finished.leave() }
                guard let stream = try? TLSStream.server(socket: Socket(taking: fd), context: context) else {
                    close(fd)
                    return
                }
                serve(stream)
                stream.close()
            }.start()
        }
    }

    /// Handshake, then requests until the peer closes, `/health` was answered, or `stop()`.
    private func serve(_ stream: TLSStream) {
        let deadline = Date().addingTimeInterval(60)
        guard handshake(stream, until: deadline) else { return }
        stream.countKeyUpdates()
        state.withLock { $0.protocolVersions.append(stream.protocolVersion ?? "?") }
        var input: [UInt8] = []
        var answered = 0
        var repliesSeen = 0
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while Date() < deadline, !stopping.load(ordering: .sequentiallyConsistent) {
            if answered > 0, keyUpdateWanted.exchange(false, ordering: .sequentiallyConsistent) {
                // `.processed`: the record is in the socket, not just queued inside OpenSSL.
                if case .processed? = try? stream.requestKeyUpdate() {
                    state.withLock { $0.keyUpdatesSent += 1 }
                }
            }
            guard wait(stream, for: Int16(POLLIN), milliseconds: 20) else { continue }
            // A peer that closes with our KeyUpdate unread in its socket resets the connection.
            let result = try? buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            noteReplies(stream, &repliesSeen)
            if case .wouldBlock? = result { continue }
            guard case .processed(let n)? = result, n > 0 else {
                if answered > 0 { state.withLock { $0.dataConnectionsClosedByPeer += 1 } }
                return
            }
            input += buffer[0..<n]
            while let end = headEnd(input) {
                let line = String(decoding: input[0..<end], as: UTF8.self).split(separator: "\r\n").first ?? ""
                input.removeFirst(end + 4)
                let path = line.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
                if path == "/health" {
                    _ = send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", on: stream, until: deadline)
                    try? stream.shutdownWrite()
                    return
                }
                if answered == 0 { state.withLock { $0.dataConnections += 1 } }
                answered += 1
                guard send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", on: stream, until: deadline) else { return }
            }
        }
    }

    private func noteReplies(_ stream: TLSStream, _ seen: inout Int) {
        let new = stream.keyUpdatesReceived - seen
        guard new > 0 else { return }
        seen = stream.keyUpdatesReceived
        state.withLock { $0.keyUpdatesReceived += new }
    }

    private func handshake(_ stream: TLSStream, until deadline: Date) -> Bool {
        while Date() < deadline, !stopping.load(ordering: .sequentiallyConsistent) {
            switch stream.handshake() {
            case .done: return true
            case .wantRead: _ = wait(stream, for: Int16(POLLIN), milliseconds: 20)
            case .wantWrite: _ = wait(stream, for: Int16(POLLOUT), milliseconds: 20)
            case .failed: return false
            }
        }
        return false
    }

    private func send(_ text: String, on stream: TLSStream, until deadline: Date) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count, Date() < deadline {
            switch try? bytes[offset...].withUnsafeBytes({ try stream.write($0) }) {
            case .processed(let n)?: offset += n
            case .wouldBlock?: _ = wait(stream, for: Int16(POLLOUT), milliseconds: 20)
            case nil: return false
            }
        }
        return offset == bytes.count
    }

    /// poll(2) on the stream's socket; true when it is ready.
    private func wait(_ stream: TLSStream, for events: Int16, milliseconds: Int32) -> Bool {
        var pfd = pollfd(fd: stream.readinessDescriptor, events: events, revents: 0)
        return poll(&pfd, 1, milliseconds) > 0
    }

    private func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}
