import COpenSSL
import EventLoop
import Glibc
import SystemPackage

/// A TLS connection over a connected non-blocking `Socket`, as a `ByteStream`: the copying
/// forwarder and protocol code read and write plaintext; ciphertext goes through the socket.
///
/// OpenSSL talks to the socket directly (`SSL_set_fd`), so the socket's descriptor is the
/// readiness descriptor, and every call is non-blocking: `SSL_ERROR_WANT_READ`/`WANT_WRITE`
/// become `.wouldBlock`.
///
/// What a driver must know:
/// - **Handshake first.** `read`/`write` drive the handshake if it is not done, but a write
///   during the handshake usually *wants to read* (the peer's next flight), and a caller
///   that then watches writability spins. Finish it with `handshake()` (or the
///   `TLSHandshake` driver, which watches the right direction) before forwarding.
/// - **Opposite wants after the handshake.** Renegotiation is disabled, so a write never
///   waits for a read. A read can want to write: see KeyUpdate below.
/// - **KeyUpdate.** When a TLS 1.3 peer sends KeyUpdate(update_requested), OpenSSL 3.0's
///   `SSL_read` only notes that a reply is owed (it neither sends it nor reports
///   WANT_WRITE); the reply would go out with the next `SSL_write` that starts a record,
///   i.e. whenever the proxy next has data for that peer. (RFC 8446 §4.6.3 only asks for it
///   before the next application data, but a peer may wait for it.) So this stream sends
///   the owed reply itself, at the end of every `read` and `write`, unless a half-sent
///   application record must go first (OpenSSL allows nothing before it: `SSL_key_update`
///   fails with "bad write retry"). When the socket is full the reply stays queued inside
///   OpenSSL: `hasPendingOutput` is true, the driver watches writability and calls
///   `flushPendingOutput`; meanwhile `read` reports `.wouldBlock` (SSL_read wants to finish
///   that write first) and should not be retried on readability alone.
/// - **Buffered plaintext.** `read` fills the caller's buffer with as many records as the
///   socket holds, so with a buffer of 16 KiB or more it rarely stops early. When the buffer
///   ends inside a record, the rest of that record stays decrypted inside OpenSSL
///   (`hasBufferedPlaintext`) and the socket may not become readable for it: a driver that
///   stops reading for any reason other than `.wouldBlock` (a full buffer, a per-wake-up
///   budget) must check `hasBufferedPlaintext` before waiting for readability.
/// - **Writes** take as many records as the socket accepts and report the plaintext bytes
///   consumed. After `.wouldBlock` (or a short count) retry from the first byte not
///   reported written — OpenSSL holds the half-sent record and expects the same bytes.
/// - **End of stream**: close_notify, and also a bare FIN (`SSL_OP_IGNORE_UNEXPECTED_EOF`:
///   the proxy forwards bytes; HTTP framing catches truncation), read as `.processed(0)`.
/// - **Errors** are thrown as `SyscallError` (the protocol demands it): socket errors keep
///   their errno; TLS failures are `EPROTO` with OpenSSL's text in `call`, and `lastError`
///   keeps the typed `TLSError`.
///
/// Confined to one loop at a time, like `Socket`, hence `@unchecked Sendable`.
public final class TLSStream: ByteStream, @unchecked Sendable {  // confined to its loop.queue (handed over once)
    public enum Role: Sendable { case server, client }

    /// The outcome of one handshake step.
    public enum HandshakeStatus: Equatable, Sendable {
        case done
        /// Call again when the descriptor is readable.
        case wantRead
        /// Call again when the descriptor is writable.
        case wantWrite
        case failed(TLSError)
    }

    public let role: Role
    public let socket: Socket
    private var ssl: OpaquePointer?
    private var handshakeDone = false
    private var sentCloseNotify = false
    /// The TLS failure behind the last thrown `SyscallError`, with OpenSSL's text.
    public private(set) var lastError: TLSError?
    /// An `SSL_write_ex` stopped inside an application record: OpenSSL holds its rest, and
    /// only the caller's retried write may send anything next.
    private var appRecordHalfSent = false
    /// Tests only: KeyUpdate messages received, counted once `countKeyUpdates()` is called.
    private(set) var keyUpdatesReceived = 0
    /// Where this client connection's new sessions go: alive as long as the `SSL` points to it.
    private var sessions: TLSSessionCache?

    private init(role: Role, socket: Socket, ctx: OpaquePointer) throws(TLSError) {
        self.role = role
        self.socket = socket
        OpenSSLErrorStack.clear()
        guard let ssl = SSL_new(ctx) else {
            throw TLSError(.contextSetup, OpenSSLErrorStack.describe("cannot create a TLS connection"))
        }
        self.ssl = ssl
        guard SSL_set_fd(ssl, socket.readinessDescriptor) == 1 else {
            throw TLSError(.contextSetup, OpenSSLErrorStack.describe("cannot attach the TLS connection to its socket"))
        }
    }

    deinit {
        if let ssl { SSL_free(ssl) }
    }

    /// The server side of a connection accepted on a `tls` listener. Owns `socket` from now on.
    public static func server(socket: Socket, context: TLSServerContext) throws(TLSError) -> TLSStream {
        let stream = try TLSStream(role: .server, socket: socket, ctx: context.ctx)
        SSL_set_accept_state(stream.ssl)
        return stream
    }

    /// The client side of a connection to a `tls` server. Owns `socket` from now on.
    /// - Parameter serverName: `tls-name`, or the host of the server's address: sent as SNI
    ///   (unless it is an IP address, which SNI does not allow) and, when the context
    ///   verifies, the name (or IP address) the certificate must match.
    /// - Parameter sessions: the server's cache: a session from it is offered (resumption),
    ///   and the new ones go there.
    public static func client(socket: Socket, context: TLSClientContext, serverName: String?,
                              sessions: TLSSessionCache? = nil) throws(TLSError) -> TLSStream {
        let stream = try TLSStream(role: .client, socket: socket, ctx: context.ctx)
        let ssl = stream.ssl!
        if let sessions {
            stream.sessions = sessions
            SSL_set_ex_data(ssl, TLSSessionCache.appDataIndex, Unmanaged.passUnretained(sessions).toOpaque())
            if let session = sessions.take() {
                _ = SSL_set_session(ssl, session)  // takes a reference of its own
                SSL_SESSION_free(session)
            }
        }
        if let serverName, !serverName.isEmpty {
            let isIP = Self.isIPAddress(serverName)
            if !isIP, copenssl_SSL_set_tlsext_host_name(ssl, serverName) != 1 {
                throw TLSError(.contextSetup, OpenSSLErrorStack.describe("cannot set SNI name \(serverName)"))
            }
            if context.verify {
                let ok = isIP ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) : SSL_set1_host(ssl, serverName)
                guard ok == 1 else {
                    throw TLSError(.contextSetup, OpenSSLErrorStack.describe("cannot set the expected server name \(serverName)"))
                }
            }
        }
        SSL_set_connect_state(ssl)
        return stream
    }

    static func isIPAddress(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }

    // MARK: state

    public var isHandshakeComplete: Bool { handshakeDone }

    /// Decrypted bytes OpenSSL holds that the next `read` returns without touching the socket.
    public var hasBufferedPlaintext: Bool {
        guard let ssl else { return false }
        return SSL_pending(ssl) > 0
    }

    /// `ByteStream`: readers that stop early look here before waiting for readability.
    public var hasBufferedInput: Bool { hasBufferedPlaintext }

    /// The protocol ALPN settled on, e.g. "http/1.1"; nil when none.
    public var negotiatedALPN: String? {
        guard let ssl else { return nil }
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// "TLSv1.3" or "TLSv1.2" once the handshake is done.
    public var protocolVersion: String? {
        guard let ssl, handshakeDone else { return nil }
        return String(cString: SSL_get_version(ssl))
    }

    /// Whether this handshake resumed an earlier session.
    public var sessionReused: Bool {
        guard let ssl else { return false }
        return SSL_session_reused(ssl) == 1
    }

    // MARK: handshake

    /// One non-blocking handshake step. Call again on the readiness it asks for.
    public func handshake() -> HandshakeStatus {
        if handshakeDone { return .done }
        guard let ssl else { return .failed(TLSError(.io, "TLS connection is closed")) }
        OpenSSLErrorStack.clear()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            handshakeDone = true
            return .done
        }
        let savedErrno = Syscall.lastErrno.rawValue
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default:
            let error = handshakeError(ssl, errno: savedErrno)
            lastError = error
            return .failed(error)
        }
    }

    private func handshakeError(_ ssl: OpaquePointer, errno savedErrno: Int32) -> TLSError {
        let stack = OpenSSLErrorStack.drain()
        let verifyResult = SSL_get_verify_result(ssl)
        if role == .client && verifyResult != Int(X509_V_OK) {
            let reason = String(cString: X509_verify_cert_error_string(verifyResult))
            return TLSError(.verificationFailed, "server certificate verification failed: \(reason)"
                            + (stack.isEmpty ? "" : " (\(stack))"))
        }
        if !stack.isEmpty { return TLSError(.handshakeFailed, "TLS handshake failed: \(stack)") }
        if savedErrno != 0 {
            return TLSError(.handshakeFailed, "TLS handshake failed: \(String(cString: strerror(savedErrno)))")
        }
        return TLSError(.closedDuringHandshake, "the peer closed the connection during the TLS handshake")
    }

    /// Drives the handshake from `read`/`write`; nil when done, else what to return.
    private func continueHandshake(_ call: String) throws(SyscallError) -> IOResult<Int>? {
        switch handshake() {
        case .done: return nil
        case .wantRead, .wantWrite: return .wouldBlock
        case .failed(let error): throw SyscallError(call: "\(call) (\(error.message))", errno: .protocolError)
        }
    }

    // MARK: ByteStream

    public var readinessDescriptor: CInt { socket.readinessDescriptor }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SyscallError) -> IOResult<Int> {
        guard let ssl else { throw SyscallError(call: "SSL_read", errno: .badFileDescriptor) }
        if !handshakeDone, let early = try continueHandshake("SSL_read") { return early }
        if buffer.count == 0 { return .processed(0) }
        // Like read(2) on a socket, fill the buffer with as many records as are there:
        // SSL_read returns one record at a time, and a forwarder that reads a bounded
        // number of times per wake-up would otherwise leave most of the socket unread.
        var total = 0
        while total < buffer.count {
            OpenSSLErrorStack.clear()
            var n = 0
            if SSL_read_ex(ssl, buffer.baseAddress! + total, buffer.count - total, &n) == 1 {
                total += n
                continue
            }
            let savedErrno = Syscall.lastErrno.rawValue
            switch SSL_get_error(ssl, 0) {
            case SSL_ERROR_WANT_READ:
                sendOwedKeyUpdate()
                return total > 0 ? .processed(total) : .wouldBlock
            case SSL_ERROR_WANT_WRITE:
                // A KeyUpdate of ours is stuck in a full socket (`hasPendingOutput`).
                return total > 0 ? .processed(total) : .wouldBlock
            case SSL_ERROR_ZERO_RETURN:
                // close_notify (or, with IGNORE_UNEXPECTED_EOF, a plain FIN); the next call
                // sees it again and reports end of stream once the bytes are taken.
                return .processed(total)
            default:
                // Bytes first; OpenSSL's failure state is sticky, the next call reports it.
                if total > 0 { OpenSSLErrorStack.clear(); return .processed(total) }
                throw failure("SSL_read", ssl: ssl, errno: savedErrno)
            }
        }
        sendOwedKeyUpdate()
        return .processed(total)
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws(SyscallError) -> IOResult<Int> {
        guard let ssl else { throw SyscallError(call: "SSL_write", errno: .badFileDescriptor) }
        if !handshakeDone, let early = try continueHandshake("SSL_write") { return early }
        if buffer.count == 0 { return .processed(0) }
        // As many records as the socket takes (SSL_write stops after each record in
        // partial-write mode). After WANT_WRITE, OpenSSL holds the unsent rest of one
        // record and expects the retry to start with the same plaintext: it does, since the
        // caller retries from the first byte not reported as written.
        var total = 0
        while total < buffer.count {
            OpenSSLErrorStack.clear()
            var n = 0
            if SSL_write_ex(ssl, buffer.baseAddress! + total, buffer.count - total, &n) == 1 {
                total += n
                appRecordHalfSent = false
                continue
            }
            let savedErrno = Syscall.lastErrno.rawValue
            switch SSL_get_error(ssl, 0) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                // Stuck in our record unless OpenSSL was sending its KeyUpdate first.
                appRecordHalfSent = SSL_in_init(ssl) == 0
                return total > 0 ? .processed(total) : .wouldBlock
            default:
                if total > 0 { OpenSSLErrorStack.clear(); return .processed(total) }
                throw failure("SSL_write", ssl: ssl, errno: savedErrno)
            }
        }
        // A reply owed while our last record was half-sent: that record is out now.
        sendOwedKeyUpdate()
        return .processed(total)
    }

    // MARK: KeyUpdate

    /// True while OpenSSL holds a KeyUpdate of ours that the socket has no room for, or owes
    /// one the peer asked for; see the type's notes. Nothing is pending while an application
    /// record is half-sent: the caller's retried write sends it, then the reply.
    public var hasPendingOutput: Bool {
        guard let ssl, handshakeDone, !sentCloseNotify, !appRecordHalfSent else { return false }
        return SSL_in_init(ssl) != 0 || SSL_get_key_update_type(ssl) != SSL_KEY_UPDATE_NONE
    }

    /// Sends the KeyUpdate of ours OpenSSL holds or owes; `.wouldBlock` while the socket is full.
    public func flushPendingOutput() throws(SyscallError) -> IOResult<Void> {
        guard let ssl, hasPendingOutput else { return .processed(()) }
        OpenSSLErrorStack.clear()
        // Owed, not started: queue it (the same single reply, not a second one) so that
        // SSL_do_handshake sends it now; once started, SSL_do_handshake finishes the write.
        if SSL_in_init(ssl) == 0, SSL_key_update(ssl, SSL_KEY_UPDATE_NOT_REQUESTED) != 1 {
            throw failure("SSL_key_update", ssl: ssl, errno: 0)
        }
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .processed(()) }
        let savedErrno = errno
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_WRITE, SSL_ERROR_WANT_READ: return .wouldBlock
        default: throw failure("SSL_do_handshake", ssl: ssl, errno: savedErrno)
        }
    }

    /// Sends a KeyUpdate asking the peer to update its keys too (TLS 1.3 only). The reply
    /// arrives as a record that `read` consumes; `.wouldBlock`: `flushPendingOutput` later.
    public func requestKeyUpdate() throws(SyscallError) -> IOResult<Void> {
        guard let ssl else { throw SyscallError(call: "SSL_key_update", errno: .badFileDescriptor) }
        OpenSSLErrorStack.clear()
        guard handshakeDone, SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) == 1 else {
            throw failure("SSL_key_update", ssl: ssl, errno: 0)
        }
        return try flushPendingOutput()
    }

    /// At the end of `read`/`write`: send an owed reply now rather than with the next
    /// application record. A failure is sticky in OpenSSL: the next call reports it.
    private func sendOwedKeyUpdate() {
        guard hasPendingOutput else { return }
        _ = try? flushPendingOutput()
    }

    /// Tests only: counts KeyUpdate messages received (OpenSSL's message callback).
    func countKeyUpdates() {
        guard let ssl else { return }
        SSL_set_msg_callback(ssl) { writing, _, contentType, buf, length, _, arg in
            guard writing == 0, contentType == SSL3_RT_HANDSHAKE, length > 0, let buf, let arg,
                  buf.load(as: UInt8.self) == UInt8(SSL3_MT_KEY_UPDATE) else { return }
            Unmanaged<TLSStream>.fromOpaque(arg).takeUnretainedValue().keyUpdatesReceived += 1
        }
        _ = SSL_ctrl(ssl, SSL_CTRL_SET_MSG_CALLBACK_ARG, 0, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Sends close_notify (best effort: never waits for room or for the peer's own), then
    /// half-closes TCP. Reading goes on until the peer's close_notify or FIN.
    public func shutdownWrite() throws(SyscallError) {
        if let ssl, handshakeDone, !sentCloseNotify {
            sentCloseNotify = true
            OpenSSLErrorStack.clear()
            _ = SSL_shutdown(ssl)  // 0: sent, peer's not seen yet — the normal half-close case
            OpenSSLErrorStack.clear()
        }
        try socket.shutdownWrite()
    }

    /// Frees the TLS state and closes the socket. Safe to call more than once. No
    /// close_notify here: `shutdownWrite` is the orderly end, `close` the abrupt one.
    public func close() {
        if let ssl {
            self.ssl = nil
            SSL_free(ssl)
        }
        socket.close()
    }

    private func failure(_ call: String, ssl: OpaquePointer, errno savedErrno: Int32) -> SyscallError {
        let stack = OpenSSLErrorStack.drain()
        if stack.isEmpty, savedErrno != 0 {
            // SSL_ERROR_SYSCALL: the socket failed (ECONNRESET, EPIPE…): report it as such.
            lastError = TLSError(.io, "\(call): \(String(cString: strerror(savedErrno)))")
            return SyscallError(call: call, errno: Errno(rawValue: savedErrno))
        }
        let message = stack.isEmpty ? "\(call) failed" : "\(call): \(stack)"
        lastError = TLSError(.io, message)
        return SyscallError(call: message, errno: .protocolError)
    }
}
