import HTTP1

/// One admin request, copied out of the connection's buffer.
struct AdminRequest: Sendable {
    let method: HTTPMethod
    /// The path without the query, percent-decoded per segment by `segments`.
    let path: String
    /// The query string after `?`, undecoded ("" when none).
    let query: String
    let authorization: String?
    let lastEventID: String?
    let contentType: String?
    let body: [UInt8]
    let keepAlive: Bool

    /// The value of `name` in the query, percent-decoded.
    func queryValue(_ name: String) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first.map(String.init) == name { return parts.count > 1 ? Self.percentDecoded(String(parts[1])) : "" }
        }
        return nil
    }

    /// `/api/roles/x` → ["api", "roles", "x"]; percent-escapes decoded.
    var segments: [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map { Self.percentDecoded(String($0)) }
    }

    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2,
               let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What the router answers.
enum AdminResponse: Sendable {
    case full(status: Int, contentType: String, body: [UInt8], extraHeaders: [(String, String)] = [])
    /// Switches the connection to a Server-Sent Events stream, replaying after `lastEventID`.
    case eventStream(lastEventID: UInt64?)

    static func json(_ status: Int, _ body: [UInt8]) -> AdminResponse {
        .full(status: status, contentType: "application/json", body: body)
    }

    static func error(_ status: Int, _ message: String, headers: [(String, String)] = []) -> AdminResponse {
        .full(status: status, contentType: "application/json", body: JSONBodies.error(message), extraHeaders: headers)
    }
}

enum StatusText {
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}
