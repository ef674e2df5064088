import Testing
import ProxyConfig

/// Each fixture holds one kind of error; its diagnostics are compared line for line.
struct DiagnosticFixtureTests {
    static let durationExpected = "expected a duration with a unit: ms, s, m or h (e.g. 250ms, 2s)"
    static let addressExpected = "expected an address HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080, localhost:80)"

    static let cases: [(fixture: String, expected: [String])] = [
        ("unknown-directive.conf", [
            "unknown-directive.conf:3:5: error: unknown directive 'falback'; did you mean 'failback'?",
        ]),
        ("misplaced-directive.conf", [
            "misplaced-directive.conf:1:1: error: 'interval' is not allowed at the top level; it belongs in a 'health' block",
            "misplaced-directive.conf:5:5: error: unknown directive 'frobnicate'",
        ]),
        ("argument-count.conf", [
            "argument-count.conf:1:1: error: 'shutdown-timeout' takes 1 argument, got 0 arguments",
            "argument-count.conf:4:15: error: 'mode' takes 1 argument, got 2 arguments",
            "argument-count.conf:5:5: error: 'server' takes a name and an address, got 1 argument",
            "argument-count.conf:7:1: error: 'role' takes a name, got 0 arguments",
        ]),
        ("bad-values.conf", [
            "bad-values.conf:1:18: error: invalid value '10' for 'shutdown-timeout': \(durationExpected)",
            "bad-values.conf:2:9: error: invalid value 'many' for 'workers': expected 'auto' or a number of event loops from 1 to 1024",
            "bad-values.conf:4:12: error: invalid value '127.0.0.1:99999' for 'listen': expected a port from 0 to 65535",
            "bad-values.conf:5:12: error: invalid value 'localhost' for 'listen': \(addressExpected)",
            "bad-values.conf:6:10: error: invalid value 'udp' for 'mode': expected 'http' or 'tcp'",
            "bad-values.conf:7:14: error: invalid value 'yes' for 'failback': expected 'on' or 'off'",
            "bad-values.conf:8:10: error: invalid value '5x' for 'hold': \(durationExpected)",
            "bad-values.conf:9:23: error: invalid value '1g' for 'compress-min-size': expected a size in bytes, optionally with k or m (e.g. 512, 16k, 1m)",
            "bad-values.conf:10:12: error: invalid value 'ftp://example.com/feed' for 'events': expected an http:// or https:// URL (e.g. http://127.0.0.1:7000/events)",
            "bad-values.conf:11:14: error: invalid value '::1:9001' for 'server': expected an IPv6 address in brackets with a port (e.g. [::1]:8080)",
            "bad-values.conf:12:14: error: invalid value '256.1.1.1:9002' for 'server': \(addressExpected)",
            "bad-values.conf:14:16: error: invalid value '200-99' for 'expect': expected a status range like 200-399 (statuses 100 to 599)",
            "bad-values.conf:15:18: error: invalid value '0s' for 'interval': expected a duration greater than zero",
            "bad-values.conf:16:14: error: invalid value '0' for 'rise': expected a whole number from 1 to 100",
            "bad-values.conf:17:14: error: invalid value 'health' for 'path': expected an HTTP path starting with '/'",
        ]),
        ("duplicates.conf", [
            "duplicates.conf:2:1: error: duplicate 'workers' directive; first set at line 1",
            "duplicates.conf:6:5: error: duplicate 'mode' directive; first set at line 5",
            "duplicates.conf:8:12: error: duplicate server 'a' in role 'r'; first defined at line 7",
            "duplicates.conf:10:5: error: duplicate 'health' directive; first set at line 9",
            "duplicates.conf:12:6: error: duplicate role 'r'; first defined at line 3",
        ]),
        ("missing-parts.conf", [
            "missing-parts.conf:1:1: error: role 'nothing' has no 'listen' directive",
            "missing-parts.conf:1:1: error: role 'nothing' has no 'server' directive",
        ]),
        ("unterminated-string.conf", [
            "unterminated-string.conf:3:14: error: unterminated string: missing closing '\"'",
        ]),
        ("unterminated-block.conf", [
            "unterminated-block.conf:1:8: error: unterminated block 'role': missing '}'",
        ]),
        ("stray-brace.conf", [
            "stray-brace.conf:2:1: error: unexpected '}' without an open block",
        ]),
        ("missing-semicolon.conf", [
            "missing-semicolon.conf:2:26: error: missing ';' after 'listen' directive",
            "missing-semicolon.conf:4:28: error: missing ';' after 'server' directive",
        ]),
        ("server-options.conf", [
            "server-options.conf:3:29: error: unknown server option 'tsl'; did you mean 'tls'?",
            "server-options.conf:4:29: error: unknown server option 'weight'; expected 'health-port PORT', 'tls' or 'tls-name NAME'",
            "server-options.conf:5:29: error: server option 'health-port' needs a port after it",
            "server-options.conf:6:33: error: duplicate server option 'tls'",
        ]),
        ("tls-listener.conf", [
            "tls-listener.conf:2:5: error: 'tls' listener 127.0.0.1:8443 needs 'tls-key' in role 'r'",
            "tls-listener.conf:4:27: error: unknown listen option 'ssl'; expected 'tls'",
        ]),
    ]

    @Test(arguments: cases)
    func fixtureReportsExactlyItsErrors(fixture: String, expected: [String]) throws {
        let result = try Fixture.parse(fixture)
        #expect(result.diagnostics.map(\.description) == expected)
        #expect(result.configuration == nil)
        #expect(result.diagnostics.allSatisfy { $0.severity == .error })
    }

    @Test func severalErrorsAreAllReportedInOnePass() throws {
        let result = try Fixture.parse("many-errors.conf")
        #expect(result.diagnostics.map(\.description) == [
            "many-errors.conf:4:5: error: unknown directive 'tokenfile'; did you mean 'token-file'?",
            "many-errors.conf:6:18: error: invalid value '10' for 'shutdown-timeout': \(Self.durationExpected)",
            "many-errors.conf:9:10: error: invalid value 'htp' for 'mode': expected 'http' or 'tcp'",
            "many-errors.conf:10:5: error: unknown directive 'falback'; did you mean 'failback'?",
            "many-errors.conf:12:12: error: duplicate server 'primary' in role 'lpr'; first defined at line 11",
            "many-errors.conf:14:18: error: invalid value '1' for 'interval': \(Self.durationExpected)",
            "many-errors.conf:17:1: error: role 'lpr' has no 'listen' directive",
            "many-errors.conf:17:1: error: role 'lpr' has no 'server' directive",
            "many-errors.conf:17:6: error: duplicate role 'lpr'; first defined at line 7",
        ])
        #expect(result.configuration == nil)
    }

    @Test func diagnosticFieldsMatchTheirPrintedForm() throws {
        let diagnostic = try #require(try Fixture.parse("unknown-directive.conf").diagnostics.first)
        #expect(diagnostic.file == "unknown-directive.conf")
        #expect(diagnostic.line == 3)
        #expect(diagnostic.column == 5)
        #expect(diagnostic.severity == .error)
        #expect(diagnostic.message == "unknown directive 'falback'; did you mean 'failback'?")
    }

    @Test func listenAddressUsedTwiceIsAnError() {
        let text = """
            admin { listen 127.0.0.1:9901; }
            role a { listen 127.0.0.1:9901; server s 127.0.0.1:1; }
            role b { listen 127.0.0.1:8080; listen 127.0.0.1:8080; server s 127.0.0.1:1; }
            """
        let result = ConfigParser.parse(text, file: "p.conf")
        #expect(result.diagnostics.map(\.description) == [
            "p.conf:2:10: error: listen address 127.0.0.1:9901 is already used at line 1",
            "p.conf:3:33: error: listen address 127.0.0.1:8080 is already used at line 3",
        ])
    }

    @Test func blockShapeIsChecked() {
        let text = """
            health;
            role r { listen 127.0.0.1:1; mode { tcp; } server a 127.0.0.1:2; health 1 { } }
            { }
            ;
            """
        let result = ConfigParser.parse(text, file: "p.conf")
        #expect(result.diagnostics.map(\.description) == [
            "p.conf:1:1: error: 'health' is not allowed at the top level; it belongs in a 'role' block",
            "p.conf:2:30: error: 'mode' does not take a '{ … }' block",
            "p.conf:2:73: error: 'health' takes no arguments, got 1 argument",
            "p.conf:3:1: error: unexpected '{': a block needs a directive name before it",
            "p.conf:4:1: error: unexpected ';' without a directive",
        ])
    }
}
