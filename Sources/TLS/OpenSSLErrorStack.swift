import COpenSSL

/// OpenSSL reports failures on a per-thread error queue; these turn it into text.
enum OpenSSLErrorStack {
    /// Empties the queue and returns its entries, oldest first, joined by "; ".
    /// Empty when the queue was empty.
    static func drain() -> String {
        var parts: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            ERR_error_string_n(code, &buffer, buffer.count)
            parts.append(string(fromNulTerminated: buffer))
        }
        return parts.joined(separator: "; ")
    }

    /// The text before the first NUL of a C character array.
    static func string(fromNulTerminated buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Clears stale entries before a call whose failure will be inspected.
    static func clear() { ERR_clear_error() }

    /// `message`, followed by OpenSSL's text when the queue had any.
    static func describe(_ message: String) -> String {
        let stack = drain()
        return stack.isEmpty ? message : "\(message): \(stack)"
    }
}
