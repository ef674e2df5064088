/// An `http://` or `https://` URL, as used by `events`: split into what a client needs.
public struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public var scheme: String
    public var host: String
    /// The explicit port, else 80 for http and 443 for https.
    public var port: UInt16
    /// The request target: path and query, `/` when the URL has none.
    public var path: String
    /// The URL as written in the file.
    public var text: String

    public init(scheme: String, host: String, port: UInt16, path: String, text: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.text = text
    }

    public var isTLS: Bool { scheme == "https" }
    public var address: Endpoint { Endpoint(host: host, port: port) }
    public var description: String { text }
}
