/// A zlib call that failed: which call, zlib's return code and its message.
public struct GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    public let call: String
    public let code: Int32
    public let message: String

    public init(call: String, code: Int32, message: String) {
        self.call = call
        self.code = code
        self.message = message
    }

    public var description: String { "\(call) failed (\(code)): \(message)" }
}
