import Glibc

/// A 127.0.0.1 port nothing listens on now (bound, read and closed: another process could
/// take it before the caller does, which on a test machine is rare enough).
public func freeLoopbackPort() -> UInt16? {
    guard let listener = BlockingListener() else { return nil }
    defer { listener.close() }
    return listener.port
}
