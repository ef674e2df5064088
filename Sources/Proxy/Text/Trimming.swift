extension StringProtocol {
    /// Without the leading and trailing characters for which `drop` is true: Foundation's
    /// `trimmingCharacters(in:)`, without Foundation (whose ICU costs megabytes of memory).
    public func trimming(_ drop: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !drop($0) }), let last = lastIndex(where: { !drop($0) }) else { return "" }
        return String(self[first...last])
    }

    /// Without leading and trailing blanks and line ends.
    public var trimmedWhitespace: String { trimming(\.isWhitespace) }
}
