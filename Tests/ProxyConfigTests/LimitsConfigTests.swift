import ProxyConfig
import Testing

/// `max-connections` (top level and role) and `hold-queue` (role): values, defaults, diagnostics.
struct LimitsConfigTests {
    @Test func badValuesAreReportedAtTheirPlace() throws {
        let result = try Fixture.parse("limits.conf")
        #expect(result.diagnostics.map(\.description) == [
            "limits.conf:1:17: error: invalid value 'lots' for 'max-connections': expected 'auto' or a number of connections from 1 to 10000000",
            "limits.conf:4:21: error: invalid value '0' for 'max-connections': expected a whole number from 1 to 10000000",
            "limits.conf:5:16: error: invalid value '-1' for 'hold-queue': expected a whole number from 0 to 1000000",
        ])
        #expect(result.configuration == nil)
    }

    @Test func valuesAndTheirLocations() throws {
        let result = ConfigParser.parse("""
            max-connections 500;
            role r { listen 127.0.0.1:1; max-connections 20; hold-queue 0; server a 127.0.0.1:2; }
            role s { listen 127.0.0.1:3; server a 127.0.0.1:4; }
            """, file: "p.conf")
        #expect(result.diagnostics == [])
        let config = try #require(result.configuration)
        #expect(config.maxConnections == .count(500))
        #expect(config.maxConnectionsLocation == SourceLocation(line: 1, column: 17))
        #expect(config.roles[0].maxConnections == 20)
        #expect(config.roles[0].maxConnectionsLocation == SourceLocation(line: 2, column: 46))
        #expect(config.roles[0].holdQueue == 0)
        #expect(config.roles[1].maxConnections == nil)
        #expect(config.roles[1].holdQueue == 1000)
    }

    @Test func defaultsAreAutoAndAThousandHeld() throws {
        let config = try #require(try Fixture.parse("defaults.conf").configuration)
        #expect(config.maxConnections == .auto)
        #expect(config.maxConnectionsLocation == nil)
        #expect(config.roles[0].maxConnections == nil)
        #expect(config.roles[0].holdQueue == RoleConfig.defaultHoldQueue)
        #expect(RoleConfig.defaultHoldQueue == 1000)
    }

    @Test func autoLeavesRoomForEverythingButClients() {
        let role = RoleConfig(name: "r", listeners: [ListenerConfig(address: Endpoint(host: "127.0.0.1", port: 1))],
                              servers: [ServerConfig(name: "a", address: Endpoint(host: "127.0.0.1", port: 2)),
                                        ServerConfig(name: "b", address: Endpoint(host: "127.0.0.1", port: 3))])
        let config = ProxyConfiguration(admin: AdminConfig(), roles: [role])
        // 32 + 2 loops × (4 + 2 listeners) + 2 servers = 46 kept aside; 3 per client.
        #expect(DescriptorBudget.reserved(config, loops: 2) == 46)
        #expect(DescriptorBudget.maxConnections(descriptorLimit: 1024, config, loops: 2) == 326)
        #expect(DescriptorBudget.maxConnections(descriptorLimit: 40, config, loops: 2) == 1)
        #expect(DescriptorBudget.descriptorsNeeded(connections: 326, config, loops: 2) <= 1024)
    }
}
