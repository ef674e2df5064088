import Foundation
import ProxyConfig

/// Reads `proxy.conf` from disk (the parser itself is pure) and adds the checks that need
/// the file system: files the configuration names must exist and be readable.
enum ConfigLoader {
    static func load(path: String, preflight: Bool) -> ConfigResult {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            return ConfigResult(configuration: nil, diagnostics: [
                Diagnostic(file: path, line: 1, column: 1, severity: .error, message: reason),
            ])
        }
        var result = preflight ? ConfigParser.check(text, file: path) : ConfigParser.parse(text, file: path)
        guard let configuration = result.configuration else { return result }
        let fileErrors = referencedFiles(configuration, text: text).compactMap { file -> Diagnostic? in
            FileManager.default.isReadableFile(atPath: resolve(file.path, relativeTo: path)) ? nil
                : Diagnostic(file: path, at: file.location, severity: .error,
                             message: "cannot read \(file.what) '\(file.path)'")
        }
        if !fileErrors.isEmpty {
            result.diagnostics = (result.diagnostics + fileErrors).sorted { $0.location < $1.location }
            result.configuration = nil
        }
        return result
    }

    /// Relative paths in proxy.conf are relative to the directory of proxy.conf.
    static func resolve(_ file: String, relativeTo configPath: String) -> String {
        if file.hasPrefix("/") { return file }
        let directory = (configPath as NSString).deletingLastPathComponent
        return directory.isEmpty ? file : (directory as NSString).appendingPathComponent(file)
    }

    private static func referencedFiles(_ configuration: ProxyConfiguration, text: String) -> [(what: String, path: String, location: SourceLocation)] {
        var files: [(String, String, SourceLocation)] = []
        if let token = configuration.admin?.tokenFile {
            files.append(("token-file", token, locate("token-file", token, in: text, fallback: SourceLocation(line: 1, column: 1))))
        }
        for role in configuration.roles {
            for (what, path) in [("tls-certificate", role.tlsCertificate), ("tls-key", role.tlsKey), ("tls-ca", role.tlsCA)] {
                if let path { files.append((what, path, locate(what, path, in: text, fallback: role.location))) }
            }
        }
        return files
    }

    /// The line and column of the value of `directive value` in the text (the typed config
    /// keeps locations only for what the pure preflight needs).
    private static func locate(_ directive: String, _ value: String, in text: String, fallback: SourceLocation) -> SourceLocation {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = line.prefix { $0 != "#" }
            guard code.contains(directive), let range = code.range(of: value) else { continue }
            return SourceLocation(line: index + 1, column: code.distance(from: code.startIndex, to: range.lowerBound) + 1)
        }
        return fallback
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
