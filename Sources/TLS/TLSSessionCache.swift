import COpenSSL
import Synchronization

/// Sessions of one server, for resumption: a reconnect costs an abbreviated handshake. Kept
/// from every handshake (TLS 1.2) or ticket (TLS 1.3, after the handshake) of a connection
/// made with this cache, and each used once, newest first (a TLS 1.3 ticket should not be
/// reused). Shared by the loops and health checks connecting to the server; thread-safe.
public final class TLSSessionCache: Sendable {
    /// `SSL_SESSION` pointers, each holding one reference; the newest last.
    private let sessions = Mutex<[Session]>([])
    /// An `SSL_SESSION` is reference-counted and immutable once made: it may cross threads.
    private struct Session: @unchecked Sendable { let pointer: OpaquePointer }  // immutable, refcounted
    static let capacity = 8

    public init() {}

    deinit {
        sessions.withLock { list in
            for session in list { SSL_SESSION_free(session.pointer) }
            list = []
        }
    }

    /// Sessions kept now (for tests).
    public var count: Int { sessions.withLock { $0.count } }

    /// A session to offer on a new connection (the caller owns its reference), or nil.
    func take() -> OpaquePointer? {
        let found: Session? = sessions.withLock { list in
            while let session = list.popLast() {
                if SSL_SESSION_is_resumable(session.pointer) == 1 { return session }
                SSL_SESSION_free(session.pointer)
            }
            return nil
        }
        return found?.pointer
    }

    /// Keeps `session`, whose reference it takes over; the oldest goes when full.
    func keep(_ session: OpaquePointer) {
        let dropped: Session? = sessions.withLock { list in
            list.append(Session(pointer: session))
            return list.count > Self.capacity ? list.removeFirst() : nil
        }
        if let dropped { SSL_SESSION_free(dropped.pointer) }
    }

    /// `SSL_CTX_sess_set_new_cb`: a connection made with a cache keeps its new session
    /// there (returning 1 keeps OpenSSL's reference); others let OpenSSL free it.
    static let newSessionCallback: @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32 = { ssl, session in
        guard let ssl, let session, let cache = SSL_get_ex_data(ssl, appDataIndex) else { return 0 }
        Unmanaged<TLSSessionCache>.fromOpaque(cache).takeUnretainedValue().keep(session)
        return 1
    }

    /// OpenSSL's "app data" slot of an `SSL`: the connection's cache, not retained (the
    /// `TLSStream` owning the `SSL` holds the cache).
    static let appDataIndex: Int32 = 0
}
