import ArgumentParser

struct FailoverProxyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover-proxy",
        abstract: "A stable front door that forwards TCP and HTTP clients to the server hosting a failover role.",
        version: "0.1.0"
    )
}
