import ArgumentParser
import ProxyConfig

/// `failover-proxy check`: parse, validate and preflight; every diagnostic in one pass.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and preflight the failover deployment rules."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        let loaded = ConfigLoader.load(path: options.config, preflight: true)
        for diagnostic in loaded.diagnostics { printError(diagnostic.description) }
        guard let configuration = loaded.configuration else { throw ExitCode(1) }
        let warnings = loaded.diagnostics.filter { $0.severity == .warning }.count
        // The node name may come from the host name: show which one this machine will use.
        let cluster = configuration.cluster.map { ", cluster '\($0.name)' as node '\($0.node)'" } ?? ""
        print("\(options.config): ok: \(configuration.roles.count) role(s)\(cluster), \(warnings) warning(s)")
    }
}
