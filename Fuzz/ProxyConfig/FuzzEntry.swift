// libFuzzer entry for the proxy.conf lexer, parser, builder and preflight, compiled together
// with them by scripts/fuzz.sh proxyconf. Checks: no crash or hang on any bytes; every
// diagnostic points inside the text; a configuration comes back exactly when there is no
// error. (No second parse to compare: in one process Swift's hash seed is fixed, so a rerun
// cannot show an order dependence, and it would halve the executions.)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProxyConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let result = ConfigParser.check(text, file: "fuzz.conf", hostName: "fuzz-host")
    // Lines as the lexer counts them: by "\n" scalars (a Character split would take "\r\n" as one).
    let lines = text.unicodeScalars.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    for diagnostic in result.diagnostics {
        precondition(diagnostic.line >= 1 && diagnostic.line <= max(1, lines + 1), "line out of range: \(diagnostic)")
        precondition(diagnostic.column >= 1, "column out of range: \(diagnostic)")
    }
    let hasError = result.diagnostics.contains { $0.severity == .error }
    precondition(hasError == (result.configuration == nil), "configuration and errors disagree")
    return 0
}
