#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Proxy

/// The admin token of `token-file`: read once at start-up, surrounding whitespace trimmed.
/// Mutating calls must carry `Authorization: Bearer TOKEN`.
struct BearerToken: Sendable {
    private let bytes: [UInt8]

    init(_ token: String) { bytes = Array(token.utf8) }

    /// Reads and trims the file; an empty token is refused (it would let everyone in).
    static func load(path: String) throws -> BearerToken {
        guard let data = FileManager.default.contents(atPath: path) else {
            let code = access(path, R_OK) == 0 ? EIO : errno
            throw AdminError("cannot read token-file '\(path)': \(String(cString: strerror(code)))")
        }
        let text = String(decoding: data, as: UTF8.self).trimmedWhitespace
        guard !text.isEmpty else { throw AdminError("token-file '\(path)' is empty") }
        return BearerToken(text)
    }

    /// Whether an `Authorization` header value carries this token. Takes the same time
    /// whatever the first differing byte is (no early exit), so the token cannot be guessed
    /// byte by byte from response times.
    func accepts(authorization: String?) -> Bool {
        guard let authorization else { return false }
        let prefix = "bearer "
        guard authorization.count > prefix.count, authorization.prefix(prefix.count).lowercased() == prefix else { return false }
        let offered = Array(authorization.utf8.dropFirst(prefix.utf8.count))
        return Self.constantTimeEquals(offered, bytes)
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt64(a.count ^ b.count)
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }
}

/// A start-up failure of the admin server, with what the operator must fix.
public struct AdminError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
