/// etcd's gateway streams one JSON object per line; chunk boundaries fall anywhere, so the
/// lines are cut from the decoded body, never from the chunks.
struct EtcdLines: Sendable {
    enum Failure: Error { case lineTooLong }

    /// A watch message carries at most etcd's request limit (1.5 MiB by default) plus base64
    /// and JSON overhead.
    static let maxLine = 8 << 20
    private var partial: [UInt8] = []

    /// The lines completed by `data`, without their `\n`.
    mutating func append(_ data: [UInt8]) throws(Failure) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = data.startIndex
        while let newline = data[start...].firstIndex(of: UInt8(ascii: "\n")) {
            partial += data[start..<newline]
            lines.append(partial)
            partial = []
            start = newline + 1
        }
        partial += data[start...]
        if partial.count > Self.maxLine { throw .lineTooLong }
        return lines
    }

    /// A whole body's lines (the last one need not end in `\n`).
    static func split(_ body: [UInt8]) -> [[UInt8]] {
        body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map(Array.init)
    }
}
