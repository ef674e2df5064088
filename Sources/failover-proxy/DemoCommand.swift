import ArgumentParser

/// `failover-proxy demo`: the proxy plus built-in demo servers on loopback.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Run the proxy with built-in demo servers on loopback.")
    @OptionGroup var options: ConfigOption

    func run() throws {
        printError("failover-proxy demo: the data plane is not built yet (it lands with the TCP data plane issue)")
        throw ExitCode(2)
    }
}
