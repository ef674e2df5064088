import DemoBackends
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `mode tcp` data path through the proxy: half-close, bulk integrity, many connections.
@Suite(.serialized) struct TCPDataTests {
    @Test func clientHalfCloseIsPassedOnAndTheReplyStillArrives() throws {
        let h = try ProxyHarness()
        #expect(h.waitForActive("primary"))
        let client = try TestClient(port: h.port)
        #expect(client.readLine() == "primary")
        try client.send("last words\n")
        client.shutdownWrite()
        // The demo server echoes, sees EOF, then half-closes its side: all of it comes back.
        #expect(client.readToEnd() == Array("last words\n".utf8))
    }

    @Test func serverHalfCloseIsPassedOnAndTheClientCanStillSend() throws {
        let upstream = try HalfClosingServer()
        defer { upstream.stop() }
        let h = try ProxyHarness(servers: [], external: [("raw", upstream.port)])
        #expect(h.waitForActive("raw"))
        let client = try TestClient(port: h.port)
        #expect(client.readLine() == "bye")   // the server wrote, then shut its write side
        #expect(client.readToEnd() == [])      // that EOF reached the client
        try client.send("after eof\n")         // the client->server direction still flows
        client.shutdownWrite()
        #expect(eventually(timeout: 5) { upstream.received() == "after eof\n" })
    }

    @Test func twoHundredFiftySixMiBEachWayWithMatchingChecksums() throws {
        let h = try ProxyHarness()
        #expect(h.waitForActive("primary"))
        let client = try TestClient(port: h.port, timeoutSeconds: 60)
        #expect(client.readLine() == "primary")
        let result = BulkEcho.run(client, bytes: 256 << 20)
        #expect(result.sent == 256 << 20)
        #expect(result.received == 256 << 20)
        #expect(result.sentChecksum == result.receivedChecksum)
    }

    @Test func thousandConcurrentConnectionsAllServedAndEveryFDReleased() throws {
        let h = try ProxyHarness()
        #expect(h.waitForActive("primary"))
        do {
            let first = try TestClient(port: h.port)
            #expect(first.readLine() == "primary")
            #expect(h.openSessions() == 1)
        }
        #expect(eventually { h.openSessions() == 0 })  // that first session has ended (not a sleep)
        h.releasePooledPipes()  // idle pipes kept for reuse are not leaks: count without them
        let before = openFDCount()
        var clients: [TestClient] = []
        for _ in 0..<1000 { clients.append(try TestClient(port: h.port, timeoutSeconds: 20)) }
        var served = 0
        for (i, client) in clients.enumerated() {
            guard client.readLine() == "primary" else { continue }
            try client.send("client \(i)\n")
            if client.readLine() == "client \(i)" { served += 1 }
        }
        #expect(served == 1000)
        clients.removeAll()  // closes every client socket
        // The proxy closes both ends of each session and the demo server's threads exit:
        // the process is back to where it was.
        #expect(eventually(timeout: 15) { h.releasePooledPipes(); return openFDCount() <= before })
        #expect(openFDCount() <= before)
    }
}

/// FNV-1a over bytes: order-sensitive, so a reordered or lost byte changes it.
struct Fnv1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 }
    }
}

/// Deterministic pseudo-random bytes (xorshift64*), so no 256 MiB array is kept.
struct SeededBytes {
    private var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func fill(_ buffer: inout [UInt8]) {
        buffer.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in 0..<words.count {
                state ^= state >> 12; state ^= state << 25; state ^= state >> 27
                words[i] = state &* 0x2545_F491_4F6C_DD1D
            }
        }
    }
}

final class ChecksumBox: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var value: (sum: UInt64, count: Int)?
    func set(_ sum: UInt64, _ count: Int) { lock.lock(); value = (sum, count); lock.unlock() }
    func get() -> (sum: UInt64, count: Int)? { lock.lock(); defer { lock.unlock() }; return value }
}

/// Accepts connections; on each, writes "bye\n", shuts its write side, then records what
/// arrives until EOF. Health-check connections (which send nothing) record nothing.
final class HalfClosingServer: @unchecked Sendable {  // guarded by `lock`
    let port: UInt16
    private let listenFD: Int32
    private let lock = NSLock()
    private var data: [UInt8] = []

    init() throws {
        let (fd, bound) = try BlockingSocket.listen(port: 0)
        listenFD = fd
        port = bound
        Thread { [self] in
            while true {
                let conn = accept(fd, nil, nil)
                if conn < 0 { return }
                Thread { [self] in
                    _ = "bye\n".withCString { Glibc.send(conn, $0, 4, Int32(MSG_NOSIGNAL)) }
                    shutdown(conn, Int32(SHUT_WR))
                    var buf = [UInt8](repeating: 0, count: 4096)
                    while true {
                        let n = buf.withUnsafeMutableBytes { recv(conn, $0.baseAddress, 4096, 0) }
                        if n <= 0 { break }
                        lock.lock(); data.append(contentsOf: buf[0..<n]); lock.unlock()
                    }
                    close(conn)
                }.start()
            }
        }.start()
    }

    func received() -> String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
    func stop() { shutdown(listenFD, Int32(SHUT_RDWR)); close(listenFD) }
}
