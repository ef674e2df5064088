import ArgumentParser

/// `failover-proxy [run]`: the proxy in the foreground.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the proxy in the foreground.")
    @OptionGroup var options: ConfigOption

    func run() throws {
        printError("failover-proxy run: the data plane is not built yet (it lands with the TCP data plane issue)")
        throw ExitCode(2)
    }
}
