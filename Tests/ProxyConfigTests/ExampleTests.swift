import Testing
import ProxyConfig

/// The repository's own `proxy.conf` (at the root), which `demo` uses.
struct ExampleTests {
    @Test func exampleParsesAndPassesPreflightSilently() throws {
        let result = try Fixture.checkRepositoryExample()
        #expect(result.diagnostics == [])
        let config = try #require(result.configuration)
        #expect(config.admin?.listen == Endpoint(host: "127.0.0.1", port: 9901))
        #expect(config.accessLog == .stderr)
        #expect(config.roles.map(\.name) == ["lpr-plugin", "lpr-tcp"])

        let http = config.roles[0]
        #expect(http.mode == .http)
        #expect(http.listeners.map(\.address.description) == ["127.0.0.1:8080"])
        #expect(http.servers.map(\.name) == ["primary", "secondary", "tertiary"])
        #expect(http.servers.map(\.address.description) == ["127.0.0.1:18081", "127.0.0.1:18082", "127.0.0.1:18083"])
        #expect(http.health == HealthConfig(path: "/health", expect: 200...399, interval: .seconds(1),
                                            timeout: .milliseconds(500), rise: 2, fall: 2))
        #expect(http.failback == false)
        #expect(http.database == #"DBHOST\SQLEXPRESS"#)

        let tcp = config.roles[1]
        #expect(tcp.mode == .tcp)
        #expect(tcp.listeners.map(\.address.description) == ["127.0.0.1:9100"])
        #expect(tcp.servers.map(\.name) == ["primary", "secondary"])
        #expect(tcp.servers.map(\.address.description) == ["127.0.0.1:19101", "127.0.0.1:19102"])
        #expect(tcp.health.path == nil)
    }
}

/// The example of SPEC §3, verbatim, is valid and deploys well.
struct SpecExampleTests {
    @Test func specExampleChecksClean() throws {
        let result = try Fixture.check("spec-example.conf")
        #expect(result.diagnostics == [])
        let config = try #require(result.configuration)
        #expect(config.admin == AdminConfig(listen: Endpoint(host: "127.0.0.1", port: 9901), tokenFile: "admin.token"))
        #expect(config.stateFile == "failover-proxy.state")
        #expect(config.workers == .auto)
        let role = try #require(config.role(named: "lpr-plugin"))
        #expect(role.events?.address == Endpoint(host: "127.0.0.1", port: 7000))
        #expect(role.database == #"REMOTESERVER\SQLEXPRESS"#)
        #expect(role.server(named: "tertiary") == ServerConfig(
            name: "tertiary", address: Endpoint(host: "10.0.0.13", port: 8080), healthPort: 9000, tls: true,
            location: SourceLocation(line: 36, column: 5)))
    }
}
