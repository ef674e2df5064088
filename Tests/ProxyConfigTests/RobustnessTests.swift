import Testing
@testable import ProxyConfig

/// Cut-off and damaged files still give diagnostics, never a crash or a half configuration.
struct RobustnessTests {
    @Test func everyPrefixOfTheExampleKeepsTheResultConsistent() throws {
        let text = Array(try Fixture.repositoryExample())
        #expect(text.count < 5_000)  // bounds the loop below
        for length in 0...text.count {
            let result = ConfigParser.parse(String(text[..<length]), file: "cut.conf")
            #expect((result.configuration == nil) == result.hasErrors, "prefix of \(length) characters")
            #expect(result.diagnostics.allSatisfy { $0.line >= 1 && $0.column >= 1 })
        }
    }

    @Test func eachRemovedPunctuationIsReported() throws {
        let text = try Fixture.repositoryExample()
        var sink = DiagnosticSink(file: "example")
        let punctuation = Lexer.tokens(of: text, sink: &sink)
            .filter { [.semicolon, .openBrace, .closeBrace].contains($0.kind) }
        #expect(punctuation.count > 30)  // the test is not vacuous
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        for token in punctuation {  // the `;`, `{` and `}` outside comments, one at a time
            var damaged = lines
            damaged[token.location.line - 1].remove(at: token.location.column - 1)
            let damagedText = damaged.map { String($0) }.joined(separator: "\n")
            #expect(ConfigParser.parse(damagedText, file: "damaged.conf").hasErrors, "without \(token.text) at \(token.location)")
        }
    }
}
