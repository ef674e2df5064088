/// The `admin` block: where the status page, JSON API, metrics and events listen.
public struct AdminConfig: Sendable, Equatable {
    /// `listen`, default 127.0.0.1:9901.
    public var listen: Endpoint
    /// `token-file`: bearer token for mutating calls; nil: no token needed.
    public var tokenFile: String?

    public static let defaultListen = Endpoint(host: "127.0.0.1", port: 9901)

    public init(listen: Endpoint = AdminConfig.defaultListen, tokenFile: String? = nil) {
        self.listen = listen
        self.tokenFile = tokenFile
    }
}
