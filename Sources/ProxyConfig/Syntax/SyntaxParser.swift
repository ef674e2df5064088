/// Turns tokens into a tree of statements, reporting every syntax error and recovering
/// at the next `;` or `}` so that one pass finds them all.
///
/// Directives do not span lines: a value at the start of a new line, while a directive
/// still waits for its `;`, is taken as the next directive and the `;` is reported missing.
/// (A `{` on the next line is fine: blocks may be written in either brace style.)
struct SyntaxParser {
    private let tokens: [Token]
    private var position = 0

    init(tokens: [Token]) { self.tokens = tokens }

    static func parse(_ text: String, sink: inout DiagnosticSink) -> [Statement] {
        var parser = SyntaxParser(tokens: Lexer.tokens(of: text, sink: &sink))
        return parser.statements(opener: nil, sink: &sink)
    }

    private var current: Token { tokens[position] }

    private mutating func take() -> Token {
        let token = tokens[position]
        if token.kind != .end { position += 1 }
        return token
    }

    /// Statements up to the `}` closing `opener`'s block, or to the end at the top level.
    private mutating func statements(opener: (name: Token, brace: Token)?, sink: inout DiagnosticSink) -> [Statement] {
        var result: [Statement] = []
        while true {
            let token = take()
            switch token.kind {
            case .end:
                if let opener {
                    sink.error("unterminated block '\(opener.name.text)': missing '}'", at: opener.brace.location)
                }
                return result
            case .closeBrace:
                if opener != nil { return result }
                sink.error("unexpected '}' without an open block", at: token.location)
            case .semicolon:
                sink.error("unexpected ';' without a directive", at: token.location)
            case .openBrace:
                sink.error("unexpected '{': a block needs a directive name before it", at: token.location)
                _ = statements(opener: (token, token), sink: &sink)
            case .word, .quoted:
                result.append(statement(named: token, sink: &sink))
            }
        }
    }

    private mutating func statement(named name: Token, sink: inout DiagnosticSink) -> Statement {
        var arguments: [Token] = []
        var last = name
        while true {
            let token = current
            switch token.kind {
            case .semicolon:
                _ = take()
                return Statement(name: name, arguments: arguments, block: nil)
            case .openBrace:
                _ = take()
                let block = statements(opener: (name, token), sink: &sink)
                return Statement(name: name, arguments: arguments, block: block)
            case .word, .quoted, .closeBrace, .end:
                if token.isValue && token.location.line == last.location.line {
                    arguments.append(take())
                    last = token
                    continue
                }
                // Not consumed: the new line's directive, or the `}`, or the end, comes next.
                // An unterminated string swallowed the `;`: that is already reported.
                let after = SourceLocation(line: last.location.line, column: last.endColumn)
                if !last.isUnterminated { sink.error("missing ';' after '\(name.text)' directive", at: after) }
                return Statement(name: name, arguments: arguments, block: nil)
            }
        }
    }
}
