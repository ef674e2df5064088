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
}

extension ByteStream {
    public var hasBufferedInput: Bool { false }
}
