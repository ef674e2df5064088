/// One exchange as the access log and the metrics see it. Filled while the exchange runs;
/// handed over once, when it ends.
public struct ExchangeRecord: Equatable, Sendable {
    public var method = "-"
    public var target = "-"
    public var server: String?
    /// 0: no status yet (the log writes "-").
    public var status = 0
    /// Why the exchange ended early; empty when it did not.
    public var cause = ""
    public var bytesIn: UInt64 = 0
    public var bytesOut: UInt64 = 0
    /// Monotonic nanoseconds at the request head; 0: not measured.
    public var startedNanos: UInt64 = 0

    public init() {}
}
