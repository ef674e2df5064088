// libFuzzer entry for the proxy.conf lexer, parser, builder and preflight, compiled together
// with them by scripts/fuzz.sh proxyconf. Checks: no crash or hang on any bytes; every
// diagnostic points inside the text; a configuration comes back exactly when there is no
// error; the same text parses the same way twice.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProxyConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let result = ConfigParser.check(text, file: "fuzz.conf", hostName: "fuzz-host")
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
    for diagnostic in result.diagnostics {
        precondition(diagnostic.line >= 1 && diagnostic.line <= max(1, lines + 1), "line out of range: \(diagnostic)")
        precondition(diagnostic.column >= 1, "column out of range: \(diagnostic)")
    }
    let hasError = result.diagnostics.contains { $0.severity == .error }
    precondition(hasError == (result.configuration == nil), "configuration and errors disagree")
    let again = ConfigParser.check(text, file: "fuzz.conf", hostName: "fuzz-host")
    precondition(again.diagnostics.map(\.description) == result.diagnostics.map(\.description), "not deterministic")
    return 0
}
