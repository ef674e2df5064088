/// A TLS failure that says what went wrong in words an operator can act on, with
/// OpenSSL's own error text where it has one.
public struct TLSError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The file does not exist.
        case fileMissing
        /// The file exists but cannot be read (permissions, a directory…).
        case fileUnreadable
        /// The file holds no usable PEM certificate/key.
        case badPEM
        /// The private key is not the one of the certificate.
        case keyMismatch
        /// OpenSSL refused a context setting (protocol versions, ciphers, CA store…).
        case contextSetup
        /// The peer's certificate failed verification (chain, name, dates).
        case verificationFailed
        /// The handshake failed: protocol error, plaintext on a TLS port, no shared cipher…
        case handshakeFailed
        /// The handshake did not finish in time.
        case handshakeTimedOut
        /// The peer closed the connection during the handshake.
        case closedDuringHandshake
        /// A record-layer or socket error after the handshake.
        case io
    }

    public let kind: Kind
    /// A complete sentence-like message including OpenSSL's error stack text, if any.
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
