/// Splits `proxy.conf` text into tokens.
///
/// `#` starts a comment when it begins a token (so `http://h/p#x` stays one word).
/// In quoted strings only `\"` and `\\` are escapes; any other backslash is kept, so
/// `"REMOTESERVER\SQLEXPRESS"` means what it says. A string ends at the end of its line.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    static func tokens(of text: String, sink: inout DiagnosticSink) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let token = lexer.next(sink: &sink)
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var here: SourceLocation { SourceLocation(line: line, column: column) }

    private func peek() -> Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r"
    }

    private static func endsWord(_ c: Unicode.Scalar) -> Bool {
        isSpace(c) || c == ";" || c == "{" || c == "}" || c == "\""
    }

    private mutating func skipSpaceAndComments() {
        while let c = peek() {
            if Self.isSpace(c) {
                advance()
            } else if c == "#" {
                while let d = peek(), d != "\n" { advance() }
            } else {
                return
            }
        }
    }

    mutating func next(sink: inout DiagnosticSink) -> Token {
        skipSpaceAndComments()
        let start = here
        guard let c = peek() else { return Token(kind: .end, text: "", location: start, endColumn: start.column) }
        switch c {
        case ";": return punctuation(.semicolon, ";", start)
        case "{": return punctuation(.openBrace, "{", start)
        case "}": return punctuation(.closeBrace, "}", start)
        case "\"": return quoted(start, sink: &sink)
        default:
            var text = String.UnicodeScalarView()
            while let d = peek(), !Self.endsWord(d) {
                text.append(d)
                advance()
            }
            return Token(kind: .word, text: String(text), location: start, endColumn: column)
        }
    }

    private mutating func punctuation(_ kind: Token.Kind, _ text: String, _ start: SourceLocation) -> Token {
        advance()
        return Token(kind: kind, text: text, location: start, endColumn: column)
    }

    private mutating func quoted(_ start: SourceLocation, sink: inout DiagnosticSink) -> Token {
        advance()  // the opening quote
        var text = String.UnicodeScalarView()
        while let c = peek(), c != "\n" {
            advance()
            if c == "\"" {
                return Token(kind: .quoted, text: String(text), location: start, endColumn: column)
            }
            if c == "\\", let escaped = peek(), escaped == "\"" || escaped == "\\" {
                text.append(escaped)
                advance()
            } else {
                text.append(c)
            }
        }
        sink.error("unterminated string: missing closing '\"'", at: start)
        return Token(kind: .quoted, text: String(text), location: start, endColumn: column, isUnterminated: true)
    }
}
