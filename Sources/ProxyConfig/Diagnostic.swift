/// One finding about a `proxy.conf`, printed in the compiler form
/// `FILE:LINE:COLUMN: error: MESSAGE` (SPEC §2).
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var file: String
    public var line: Int
    public var column: Int
    public var severity: Severity
    public var message: String

    public init(file: String, line: Int, column: Int, severity: Severity, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }

    public init(file: String, at location: SourceLocation, severity: Severity, message: String) {
        self.init(file: file, line: location.line, column: location.column, severity: severity, message: message)
    }

    public var location: SourceLocation { SourceLocation(line: line, column: column) }

    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}

/// Collects diagnostics for one file while it is lexed, parsed and checked.
struct DiagnosticSink {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(file: file, at: location, severity: .error, message: message))
    }

    mutating func warning(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(file: file, at: location, severity: .warning, message: message))
    }

    /// Sorted by position, so the output reads top to bottom like a compiler's;
    /// the sort is stable, so findings at one position keep the order they were made in.
    var sorted: [Diagnostic] {
        diagnostics.enumerated()
            .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }
            .map(\.element)
    }
}
