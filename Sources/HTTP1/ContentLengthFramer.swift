/// Delimits a `Content-Length` body.
public struct ContentLengthFramer: Equatable, Hashable, Sendable {
    /// Body bytes still expected.
    public private(set) var remaining: Int

    public init(length: Int) {
        precondition(length >= 0)
        remaining = length
    }

    public var isComplete: Bool { remaining == 0 }

    public mutating func consume(_ bytes: UnsafeRawBufferPointer) -> BodyFrameResult {
        consume(count: bytes.count)
    }

    /// Same as `consume(_:)`: only the count matters for a fixed length.
    public mutating func consume(count: Int) -> BodyFrameResult {
        if count >= remaining {
            let taken = remaining
            remaining = 0
            return .complete(consumed: taken)
        }
        remaining -= count
        return .needMore(consumed: count)
    }
}
