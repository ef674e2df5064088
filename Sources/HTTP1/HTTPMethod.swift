/// The request method, with the standard ones recognised (methods are case-sensitive, RFC 9110 §9.1).
public enum HTTPMethod: Equatable, Hashable, Sendable {
    case get, head, post, put, delete, options, connect, patch, trace
    /// Any other token; read its text with `HTTPRequestHead.method(in:)`.
    case other

    /// Safe to retry on another upstream (RFC 9110 §9.2.2).
    public var isIdempotent: Bool {
        switch self {
        case .get, .head, .options, .put, .delete, .trace: true
        case .post, .connect, .patch, .other: false
        }
    }

    static func classify(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> HTTPMethod {
        @inline(__always) func eq(_ s: StaticString) -> Bool {
            guard r.count == s.utf8CodeUnitCount else { return false }
            return memcmp(b.baseAddress! + r.lowerBound, s.utf8Start, r.count) == 0
        }
        switch r.count {
        case 3: return eq("GET") ? .get : eq("PUT") ? .put : .other
        case 4: return eq("HEAD") ? .head : eq("POST") ? .post : .other
        case 5: return eq("PATCH") ? .patch : eq("TRACE") ? .trace : .other
        case 6: return eq("DELETE") ? .delete : .other
        case 7: return eq("OPTIONS") ? .options : eq("CONNECT") ? .connect : .other
        default: return .other
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
