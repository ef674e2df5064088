import Testing
import ProxyConfig

/// Everything not written in the file holds its documented default.
struct DefaultsTests {
    @Test func defaultsAreApplied() throws {
        let result = try Fixture.parse("defaults.conf")
        #expect(result.diagnostics == [])
        let config = try #require(result.configuration)
        #expect(config.admin == nil)
        #expect(config.stateFile == nil)
        #expect(config.accessLog == nil)
        #expect(config.shutdownTimeout == .seconds(10))
        #expect(config.workers == .auto)

        let role = try #require(config.roles.first)
        #expect(role.name == "minimal")
        #expect(role.mode == .http)
        #expect(role.failback == false)
        #expect(role.onFailover == .close)
        #expect(role.hold == .seconds(5))
        #expect(role.drainTimeout == .seconds(30))
        #expect(role.connectTimeout == .seconds(2))
        #expect(role.idleTimeout == .seconds(60))
        #expect(role.headTimeout == .seconds(10))
        #expect(role.events == nil)
        #expect(role.database == nil)
        #expect(role.databaseLocation == nil)
        #expect(role.tlsCertificate == nil && role.tlsKey == nil && role.tlsCA == nil)
        #expect(role.tlsVerify == true)
        #expect(role.compress == false)
        #expect(role.compressMinSize == 1024)
        #expect(role.maxHeadSize == 16 * 1024)
        #expect(role.maxHeaders == 100)
        #expect(role.splice == true)
        #expect(role.health.path == nil)
        #expect(role.health.expect == 200...399)
        #expect(role.health.interval == .seconds(1))
        #expect(role.health.timeout == .milliseconds(500))
        #expect(role.health.rise == 2)
        #expect(role.health.fall == 2)
        #expect(role.servers.map(\.healthPort) == [nil, nil])
        #expect(role.servers.map(\.tls) == [false, false])
        #expect(role.servers.map(\.tlsName) == [nil, nil])
        #expect(role.listeners.map(\.tls) == [false])
    }

    @Test func emptyAdminBlockListensOnLoopback9901() throws {
        let config = try #require(ConfigParser.parse("admin { }", file: "a.conf").configuration)
        #expect(config.admin == AdminConfig())
        #expect(config.admin?.listen.description == "127.0.0.1:9901")
        #expect(config.roles == [])
    }

    @Test func accessLogStderr() throws {
        let config = try #require(ConfigParser.parse("access-log stderr;", file: "a.conf").configuration)
        #expect(config.accessLog == .stderr)
    }

    @Test func spliceOffIsPerRole() throws {
        let text = "role a { listen 127.0.0.1:0; mode tcp; splice off; server s 127.0.0.1:1; }\n"
            + "role b { listen 127.0.0.1:0; mode tcp; server s 127.0.0.1:2; }\n"
        let result = ConfigParser.parse(text, file: "s.conf")
        #expect(result.diagnostics == [])
        #expect(result.configuration?.roles.map(\.splice) == [false, true])
        #expect(ConfigParser.parse("role a { splice maybe; }", file: "s.conf").diagnostics.contains { $0.description.contains("error") })
    }
}
