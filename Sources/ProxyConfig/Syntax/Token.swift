/// A lexical token of `proxy.conf`.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A bare word: anything up to whitespace, `;`, `{`, `}` or `"`.
        case word
        /// A `"…"` string, `text` holding its value with escapes resolved.
        case quoted
        case semicolon
        case openBrace
        case closeBrace
        case end
    }

    var kind: Kind
    var text: String
    var location: SourceLocation
    /// The column just past the token's last character (tokens never span lines).
    var endColumn: Int
    /// A quoted string cut short by the end of its line (already reported).
    var isUnterminated = false

    var isValue: Bool { kind == .word || kind == .quoted }
}
