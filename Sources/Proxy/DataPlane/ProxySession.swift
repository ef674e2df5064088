/// A client session forwarded to one server, as its loop's `RolePlane` sees it.
protocol ProxySession: AnyObject {
    /// Ends the session now (failover with `on-failover close`, end of a drain, shutdown).
    func closeNow()
}
