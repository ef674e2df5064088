/// What parsing `proxy.conf` gave: the configuration when there were no errors, and
/// every diagnostic in file order.
public struct ConfigResult: Sendable, Equatable {
    /// Nil exactly when `diagnostics` holds an error.
    public var configuration: ProxyConfiguration?
    public var diagnostics: [Diagnostic]

    public init(configuration: ProxyConfiguration?, diagnostics: [Diagnostic]) {
        self.configuration = configuration
        self.diagnostics = diagnostics
    }

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// The entry point: `proxy.conf` text in, typed configuration and diagnostics out.
/// Pure: the caller reads the file and names it in `file` for the diagnostics, and gives
/// the host name in `hostName` (the default `node` of a `cluster` block; with nil, a
/// `cluster` block must set `node`).
public enum ConfigParser {
    /// Lexes, parses and validates `text`, reporting all errors in one pass.
    public static func parse(_ text: String, file: String, hostName: String? = nil) -> ConfigResult {
        var sink = DiagnosticSink(file: file)
        let statements = SyntaxParser.parse(text, sink: &sink)
        var builder = ConfigBuilder(sink: sink, hostName: hostName)
        let configuration = builder.build(statements)
        let diagnostics = builder.sink.sorted
        let failed = diagnostics.contains { $0.severity == .error }
        return ConfigResult(configuration: failed ? nil : configuration, diagnostics: diagnostics)
    }

    /// `failover-proxy check`: `parse`, then, when there are no errors, the preflight
    /// warnings of `Preflight.warnings(for:file:)`, all in file order.
    public static func check(_ text: String, file: String, hostName: String? = nil) -> ConfigResult {
        var result = parse(text, file: file, hostName: hostName)
        guard let configuration = result.configuration else { return result }
        result.diagnostics = (result.diagnostics + Preflight.warnings(for: configuration, file: file))
            .enumerated()
            .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }
            .map(\.element)
        return result
    }
}
