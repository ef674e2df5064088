import TestSupport
import Foundation
import EventLoop
import Glibc
import TLS

/// A TLS client for tests, on the calling thread: a non-blocking socket and a `TLSStream`
/// driven with poll(2), every wait bounded by a deadline.
final class PollingTLSClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let stream: TLSStream
    private let deadline: Date

    init(port: UInt16, context: TLSClientContext, serverName: String?, seconds: Double = 30) throws {
        deadline = Date().addingTimeInterval(seconds)
        let address = SocketAddress(host: "127.0.0.1", port: port)!
        let socket = Socket(taking: try Syscall.socket(domain: address.family, type: CInt(SOCK_STREAM.rawValue)))
        if case .wouldBlock = try Syscall.connect(socket.readinessDescriptor, address) {
            try Self.wait(socket.readinessDescriptor, events: Int16(POLLOUT), until: deadline)
            if let error = try socket.pendingError() { throw Failure(description: "connect: \(error)") }
        }
        stream = try TLSStream.client(socket: socket, context: context, serverName: serverName)
    }

    deinit { stream.close() }

    /// Drives the handshake to its end (or the deadline).
    func handshake() throws -> TLSStream.HandshakeStatus {
        while true {
            let status = stream.handshake()
            switch status {
            case .done, .failed: return status
            case .wantRead: try Self.wait(stream.readinessDescriptor, events: Int16(POLLIN), until: deadline)
            case .wantWrite: try Self.wait(stream.readinessDescriptor, events: Int16(POLLOUT), until: deadline)
            }
        }
    }

    /// Sends `total` bytes of `up` (then close_notify + FIN) while receiving and checking
    /// `down` until EOF. Returns the bytes received, all verified; throws on a mismatch.
    func exchange(sending total: Int, of up: PatternStream, expecting down: PatternStream) throws -> Int {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        defer { buffer.deallocate() }
        var sent = 0
        var received = 0
        var sawEOF = false
        var halfClosed = false
        while !(sawEOF && halfClosed) {
            guard Date() < deadline else { throw Failure(description: "deadline: sent \(sent), received \(received)") }
            var progressed = false
            var writeBlocked = false
            if sent < total {
                var slice: UnsafeRawBufferPointer?
                up.withBytes(at: sent, count: min(256 << 10, total - sent)) { if slice == nil { slice = $0 } }
                switch try stream.write(slice!) {
                case .processed(let n):
                    sent += n
                    progressed = n > 0
                case .wouldBlock:
                    writeBlocked = true
                }
            } else if !halfClosed {
                try stream.shutdownWrite()
                halfClosed = true
                progressed = true
            }
            // Read until OpenSSL has nothing more: bytes it already decrypted never make
            // the socket readable again.
            reading: for _ in 0..<64 where !sawEOF {
                switch try stream.read(into: buffer) {
                case .wouldBlock:
                    break reading
                case .processed(0):
                    sawEOF = true
                case .processed(let n):
                    var matched = true
                    var checked = 0
                    down.withBytes(at: received, count: n) { expected in
                        if memcmp(expected.baseAddress!, buffer.baseAddress! + checked, expected.count) != 0 { matched = false }
                        checked += expected.count
                    }
                    guard matched else { throw Failure(description: "mismatch after \(received) bytes") }
                    received += n
                    progressed = true
                }
            }
            if !progressed {
                let events = Int16(sawEOF ? 0 : POLLIN) | Int16(writeBlocked ? POLLOUT : 0)
                try Self.wait(stream.readinessDescriptor, events: events, until: deadline)
            }
        }
        return received
    }

    /// Writes all of `bytes`, then reads until EOF.
    func request(_ bytes: [UInt8]) throws -> [UInt8] {
        var offset = 0
        while offset < bytes.count {
            let result = try bytes.withUnsafeBytes { raw in try stream.write(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            switch result {
            case .processed(let n): offset += n
            case .wouldBlock: try Self.wait(stream.readinessDescriptor, events: Int16(POLLOUT), until: deadline)
            }
        }
        return try readToEOF()
    }

    func readToEOF() throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let result = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            switch result {
            case .processed(0): return out
            case .processed(let n): out += buffer[..<n]
            case .wouldBlock: try Self.wait(stream.readinessDescriptor, events: Int16(POLLIN), until: deadline)
            }
        }
    }

    static func wait(_ fd: CInt, events: Int16, until deadline: Date) throws {
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0 else { throw Failure(description: "deadline passed") }
        var pfd = pollfd(fd: fd, events: events, revents: 0)
        _ = poll(&pfd, 1, Int32(min(remaining, 0.2) * 1000))  // short slices: a missed wake-up is retried
    }
}
