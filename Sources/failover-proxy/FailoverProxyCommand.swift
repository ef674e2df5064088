import ArgumentParser

@main
struct FailoverProxyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover-proxy",
        abstract: "A stable front door that forwards TCP and HTTP clients to the server hosting a failover role.",
        version: "0.1.0",
        subcommands: [RunCommand.self, CheckCommand.self, CtlCommand.self, DemoCommand.self],
        defaultSubcommand: RunCommand.self
    )
}

/// `--config PATH`, shared by every subcommand.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The configuration file.")
    var config: String = "proxy.conf"
}
