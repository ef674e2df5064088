/// The `health` block of a role: how each server is checked.
public struct HealthConfig: Sendable, Equatable {
    /// `path`: HTTP GET this path; nil (the default): a TCP connect check.
    public var path: String?
    /// `expect`, default 200-399: statuses that pass an HTTP check.
    public var expect: ClosedRange<Int>
    /// `interval`, default 1s.
    public var interval: Duration
    /// `timeout`, default 500ms.
    public var timeout: Duration
    /// `rise`, default 2: consecutive passes that turn `down` into `up`.
    public var rise: Int
    /// `fall`, default 2: consecutive failures that turn `up` into `down`.
    public var fall: Int

    public init(
        path: String? = nil,
        expect: ClosedRange<Int> = 200...399,
        interval: Duration = .seconds(1),
        timeout: Duration = .milliseconds(500),
        rise: Int = 2,
        fall: Int = 2
    ) {
        self.path = path
        self.expect = expect
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
    }
}
