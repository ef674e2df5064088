import Dispatch

extension Duration {
    /// Whole nanoseconds, saturating; negative durations become 0.
    var wholeNanoseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (scaled, overflow) = Int(clamping: seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int.max : scaled &+ Int(attoseconds / 1_000_000_000)
    }

    var dispatchInterval: DispatchTimeInterval { .nanoseconds(wholeNanoseconds) }
}
