/// Start-up failures of the proxy, with what the operator must fix.
public struct ProxyError: Error, CustomStringConvertible, Equatable {
    public let description: String

    static func unresolvable(_ what: String, _ host: String) -> ProxyError {
        ProxyError(description: "cannot resolve \(what) host '\(host)'")
    }

    static func cannotListen(_ address: String, _ reason: String) -> ProxyError {
        ProxyError(description: "cannot listen on \(address): \(reason)")
    }
}
