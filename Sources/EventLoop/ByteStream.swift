/// A non-blocking byte stream whose readiness is signalled by one file descriptor.
/// `Socket` is one; a TLS stream can be another (it reports `.wouldBlock` from its
/// engine). The copying forwarder works over any pair of these; splice needs two sockets.
public protocol ByteStream: AnyObject {
    /// The descriptor to watch for readability/writability; -1 once closed.
    var readinessDescriptor: CInt { get }
    /// Reads into `buffer`; `.processed(0)` means end of stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SyscallError) -> IOResult<Int>
    /// Writes from `buffer`; may write fewer bytes than given.
    func write(_ buffer: UnsafeRawBufferPointer) throws(SyscallError) -> IOResult<Int>
    /// Ends the write side (TCP FIN) while reads continue.
    func shutdownWrite() throws(SyscallError)
    /// Releases the stream; safe to call more than once.
    func close()
    /// Bytes the next `read` returns without the descriptor becoming readable (a TLS engine's
    /// decrypted plaintext). A reader that stops before `.wouldBlock` must check it.
    var hasBufferedInput: Bool { get }
    /// Bytes the stream must send of its own accord, not the caller's (a TLS 1.3 KeyUpdate
    /// the peer asked for), that wait for room in the socket. While true, a driver watches
    /// writability and calls `flushPendingOutput` when writable, even with nothing of its
    /// own to write; a read that gave `.wouldBlock` may be waiting for this too.
    var hasPendingOutput: Bool { get }
    /// Sends those bytes; `.wouldBlock` when the socket is still full.
    func flushPendingOutput() throws(SyscallError) -> IOResult<Void>
}

extension ByteStream {
    public var hasBufferedInput: Bool { false }
    public var hasPendingOutput: Bool { false }
    public func flushPendingOutput() throws(SyscallError) -> IOResult<Void> { .processed(()) }
}
