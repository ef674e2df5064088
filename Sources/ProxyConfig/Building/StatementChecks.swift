/// Shape checks shared by all blocks: argument counts, block or no block, duplicates, values.
struct StatementChecks {
    var sink: DiagnosticSink

    private static func count(_ n: Int) -> String { n == 1 ? "1 argument" : "\(n) arguments" }

    /// The arguments of a `name args… ;` directive when their number is in `counts`.
    mutating func arguments(_ s: Statement, _ counts: ClosedRange<Int>, usage: String? = nil) -> [Token]? {
        if s.block != nil {
            sink.error("'\(s.text)' does not take a '{ … }' block", at: s.location)
            return nil
        }
        return checkCount(s, counts, usage: usage) ? s.arguments : nil
    }

    /// The arguments and statements of a `name args… { … }` block.
    mutating func block(_ s: Statement, _ counts: ClosedRange<Int>, usage: String? = nil) -> ([Token], [Statement])? {
        guard let statements = s.block else {
            sink.error("'\(s.text)' needs a '{ … }' block", at: s.location)
            return nil
        }
        return checkCount(s, counts, usage: usage) ? (s.arguments, statements) : nil
    }

    private mutating func checkCount(_ s: Statement, _ counts: ClosedRange<Int>, usage: String?) -> Bool {
        let got = s.arguments.count
        if counts.contains(got) { return true }
        let expected = usage ?? (counts.lowerBound == 0 && counts.upperBound == 0 ? "no arguments" : Self.count(counts.upperBound))
        let message = "'\(s.text)' takes \(expected), got \(got == 1 ? "1 argument" : "\(got) arguments")"
        // Too many: point at the first extra one, as a compiler would; too few: at the directive.
        sink.error(message, at: got > counts.upperBound ? s.arguments[counts.upperBound].location : s.location)
        return false
    }

    /// Parses `token` as the value of directive `directive`, reporting what was expected.
    mutating func value<T>(_ token: Token, for directive: String, _ parse: (String) throws(ValueError) -> T) -> T? {
        do {
            return try parse(token.text)
        } catch {
            sink.error("invalid value '\(token.text)' for '\(directive)': expected \(error.expected)", at: token.location)
            return nil
        }
    }

    /// The single value of a one-argument directive that may appear once in its block.
    mutating func single<T>(
        _ s: Statement, seen: inout SeenDirectives, _ parse: (String) throws(ValueError) -> T
    ) -> T? {
        guard seen.isFirst(s, sink: &sink), let arguments = arguments(s, 1...1) else { return nil }
        return value(arguments[0], for: s.text, parse)
    }
}

/// Single-valued directives already seen in one block, to report the second one.
struct SeenDirectives {
    private var first: [String: SourceLocation] = [:]

    mutating func isFirst(_ s: Statement, sink: inout DiagnosticSink) -> Bool {
        if let earlier = first[s.text] {
            sink.error("duplicate '\(s.text)' directive; first set at line \(earlier.line)", at: s.location)
            return false
        }
        first[s.text] = s.location
        return true
    }
}

extension ValueParsers {
    /// A duration that must be greater than zero (intervals, timeouts that bound a wait).
    static func positiveDuration(_ text: String) throws(ValueError) -> Duration {
        let value = try duration(text)
        guard value > .zero else { throw ValueError(expected: "a duration greater than zero") }
        return value
    }
}
