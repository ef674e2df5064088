import Testing
@testable import ProxyConfig

/// Each deployment rule warns on its fixture, at the line that breaks it.
struct PreflightTests {
    @Test func singleServerHasNoFailover() throws {
        let result = try Fixture.check("preflight-single-server.conf")
        #expect(result.diagnostics.map(\.description) == [
            "preflight-single-server.conf:1:1: warning: role 'lonely' has a single server; it has no failover",
        ])
        #expect(result.configuration != nil)
    }

    @Test func databaseMustBeOnAThirdMachine() throws {
        let result = try Fixture.check("preflight-database.conf")
        #expect(result.diagnostics.map(\.description) == [
            #"preflight-database.conf:3:5: warning: database '(local)\SQLEXPRESS' is local to each server of role 'local-db'; it must move to a third machine"#,
            #"preflight-database.conf:9:5: warning: database '.\SQLEXPRESS' is local to each server of role 'dot-db'; it must move to a third machine"#,
            "preflight-database.conf:15:5: warning: database 'sql-b,1433' is on server 'b', which hosts role 'server-db'; it must move to a third machine",
        ])
    }

    @Test func serversWithTheSameAddress() throws {
        let result = try Fixture.check("preflight-same-address.conf")
        #expect(result.diagnostics.map(\.description) == [
            "preflight-same-address.conf:5:5: warning: servers 'a' and 'c' of role 'twins' have the same address 10.0.0.11:8080",
        ])
    }

    @Test func listenAddressThatIsAServerAddress() throws {
        let result = try Fixture.check("preflight-listen-is-server.conf")
        #expect(result.diagnostics.map(\.description) == [
            "preflight-listen-is-server.conf:2:5: warning: listen address 127.0.0.1:8080 of role 'loop' is also the address of server 'a' (127.0.0.1:8080) of role 'loop'",
            "preflight-listen-is-server.conf:7:5: warning: listen address 0.0.0.0:9002 of role 'wildcard' is also the address of server 'b' (127.0.0.1:9002) of role 'loop'",
        ])
    }

    @Test func parseAloneDoesNotRunPreflight() throws {
        #expect(try Fixture.parse("preflight-single-server.conf").diagnostics == [])
    }

    @Test func preflightIsSkippedWhenThereAreErrors() throws {
        let result = try Fixture.check("missing-parts.conf")
        #expect(result.warnings == [])
        #expect(result.errors.count == 2)
    }

    @Test func databaseHostIsThePartBeforeInstanceOrPort() {
        #expect(Preflight.databaseHost(#"DBHOST\SQLEXPRESS"#) == "dbhost")
        #expect(Preflight.databaseHost("tcp:Db.Example,1433") == "db.example")
        #expect(Preflight.databaseHost(" plain ") == "plain")
    }
}
