/// Whether a member may act on what it knows: only while its last successful round trip
/// to the store *started* less than `staleAfter` ago (an answer proves the store's state
/// no older than the request). Pure: times go in.
public struct Freshness: Sendable, Equatable {
    public let staleAfter: Duration
    /// When the last successful round trip started; nil before the first.
    public private(set) var lastSuccessStart: ContinuousClock.Instant?

    public init(staleAfter: Duration) {
        self.staleAfter = staleAfter
    }

    /// A call that started at `start` got an answer.
    public mutating func succeeded(startedAt start: ContinuousClock.Instant) {
        if lastSuccessStart.map({ start > $0 }) ?? true { lastSuccessStart = start }
    }

    public func isFresh(at now: ContinuousClock.Instant) -> Bool {
        guard let last = lastSuccessStart else { return false }
        return now - last < staleAfter
    }

    /// When the member turns stale if no call succeeds meanwhile.
    public var staleAt: ContinuousClock.Instant? { lastSuccessStart.map { $0 + staleAfter } }

    /// Forgets every success (a member that was cut off or paused proves nothing by an old answer).
    public mutating func reset() { lastSuccessStart = nil }
}
