import Testing
@testable import ProxyConfig

/// Every value kind, through a whole file and through its parser alone.
struct ValueParsingTests {
    @Test func everyValueKindParsesFromAFile() throws {
        let result = try Fixture.parse("all-values.conf")
        #expect(result.diagnostics == [])
        let config = try #require(result.configuration)
        #expect(config.admin == AdminConfig(listen: Endpoint(host: "::1", port: 9902), tokenFile: "admin token.txt"))
        #expect(config.stateFile == "/var/lib/failover-proxy.state")
        #expect(config.accessLog == .file("/var/log/proxy-access.log"))
        #expect(config.shutdownTimeout == .seconds(60))
        #expect(config.workers == .count(4))

        let role = try #require(config.role(named: "values"))
        #expect(role.listeners.map(\.address.description) == ["0.0.0.0:8080", "[::]:8443", "localhost:80"])
        #expect(role.listeners.map(\.tls) == [false, true, false])
        #expect(role.listeners.map(\.location) == [
            SourceLocation(line: 11, column: 5), SourceLocation(line: 12, column: 5), SourceLocation(line: 13, column: 5),
        ])
        #expect(role.mode == .tcp)
        #expect(role.failback == true)
        #expect(role.onFailover == .keep)
        #expect(role.hold == .milliseconds(250))
        #expect(role.drainTimeout == .seconds(3600))
        #expect(role.connectTimeout == .seconds(2))
        #expect(role.idleTimeout == .seconds(60))
        #expect(role.headTimeout == .seconds(15))
        #expect(role.events == HTTPURL(
            scheme: "https", host: "feed.example.com", port: 443, path: "/events?role=values",
            text: "https://feed.example.com/events?role=values"))
        #expect(role.database == #"REMOTESERVER\SQLEXPRESS"#)
        #expect(role.databaseLocation == SourceLocation(line: 23, column: 5))
        #expect(role.tlsCertificate == #"cert "full" chain.pem"#)
        #expect(role.tlsKey == "key.pem")
        #expect(role.tlsCA == #"C:\certs\ca.pem"#)
        #expect(role.tlsVerify == false)
        #expect(role.compress == true)
        #expect(role.compressMinSize == 512)
        #expect(role.maxHeadSize == 32 * 1024)
        #expect(role.maxHeaders == 50)
        #expect(role.health == HealthConfig(
            path: "/health?deep=1", expect: 204...204, interval: .seconds(2), timeout: .milliseconds(750),
            rise: 3, fall: 1))
        #expect(role.location == SourceLocation(line: 10, column: 1))

        #expect(role.servers == [
            ServerConfig(
                name: "primary", address: Endpoint(host: "10.0.0.11", port: 8080), healthPort: 9000, tls: true,
                tlsName: "primary.example.com", location: SourceLocation(line: 42, column: 5)),
            ServerConfig(
                name: "secondary", address: Endpoint(host: "2001:db8::12", port: 8080), tls: true,
                location: SourceLocation(line: 43, column: 5)),
            ServerConfig(
                name: "tertiary", address: Endpoint(host: "db-3.example.com", port: 1),
                location: SourceLocation(line: 44, column: 5)),
            ServerConfig(
                name: "quaternary", address: Endpoint(host: "::ffff:10.0.0.14", port: 65535),
                location: SourceLocation(line: 45, column: 5)),
        ])
        #expect(role.servers[0].effectiveTLSName == "primary.example.com")
        #expect(role.servers[1].effectiveTLSName == "2001:db8::12")
        #expect(role.servers[0].healthAddress.description == "10.0.0.11:9000")
        #expect(role.servers[1].address.description == "[2001:db8::12]:8080")
    }

    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("2s", .seconds(2)), ("1m", .seconds(60)), ("1h", .seconds(3600)),
        ("0s", .zero),
    ])
    func durations(text: String, expected: Duration) throws {
        #expect(try ValueParsers.duration(text) == expected)
    }

    @Test(arguments: ["5", "", "s", "2sec", "1.5s", "-1s", "2 s", "1d", "9999999999s"])
    func badDurations(text: String) {
        #expect(throws: ValueError.self) { try ValueParsers.duration(text) }
    }

    @Test(arguments: [("512", 512), ("16k", 16384), ("1m", 1_048_576), ("0", 0), ("2K", 2048)])
    func sizes(text: String, expected: Int) throws {
        #expect(try ValueParsers.size(text) == expected)
    }

    @Test(arguments: ["", "k", "1g", "1.5k", "-1", "1kb"])
    func badSizes(text: String) {
        #expect(throws: ValueError.self) { try ValueParsers.size(text) }
    }

    @Test func booleans() throws {
        #expect(try ValueParsers.boolean("on") == true)
        #expect(try ValueParsers.boolean("off") == false)
        #expect(throws: ValueError(expected: "'on' or 'off'")) { try ValueParsers.boolean("true") }
    }

    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080), ("0.0.0.0:8080", "0.0.0.0", 8080), ("[::1]:8080", "::1", 8080),
        ("localhost:80", "localhost", 80), ("[::]:1", "::", 1), ("[fe80::1:2:3:4]:65535", "fe80::1:2:3:4", 65535),
        ("[1:2:3:4:5:6:7:8]:9", "1:2:3:4:5:6:7:8", 9), ("my_host.example:443", "my_host.example", 443),
    ])
    func addresses(text: String, host: String, port: UInt16) throws {
        let address = try ValueParsers.address(text)
        #expect(address == Endpoint(host: host, port: port))
        #expect(address.description == text)
    }

    @Test(arguments: [
        "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", ":80", "[::1]", "[::1]80", "::1:80", "[1::2::3]:80",
        "[1:2:3:4:5:6:7:8:9]:80", "[12345::]:80", "1.2.3:80", "1.2.3.999:80", "host name:80", "[::1:80",
        "-host:80", "host:8o",
    ])
    func badAddresses(text: String) {
        #expect(throws: ValueError.self) { try ValueParsers.address(text) }
    }

    @Test func statusRanges() throws {
        #expect(try ValueParsers.statusRange("200-399") == 200...399)
        #expect(try ValueParsers.statusRange("200") == 200...200)
        for bad in ["399-200", "99-200", "200-600", "200-", "-399", "a-b", "200-300-400"] {
            #expect(throws: ValueError.self, "\(bad)") { try ValueParsers.statusRange(bad) }
        }
    }

    @Test func urls() throws {
        let plain = try ValueParsers.httpURL("http://127.0.0.1:7000/events")
        #expect(plain == HTTPURL(scheme: "http", host: "127.0.0.1", port: 7000, path: "/events", text: "http://127.0.0.1:7000/events"))
        #expect(!plain.isTLS)
        let bare = try ValueParsers.httpURL("http://[::1]")
        #expect(bare.address == Endpoint(host: "::1", port: 80))
        #expect(bare.path == "/")
        for bad in ["ftp://h/x", "http://", "http:///x", "127.0.0.1:7000/events", "http://h:99999/"] {
            #expect(throws: ValueError.self, "\(bad)") { try ValueParsers.httpURL(bad) }
        }
    }

    @Test func quotedStringsKeepUnknownEscapes() {
        let text = #"""
            role r {
                listen 127.0.0.1:1; server a 127.0.0.1:2;
                database "REMOTESERVER\SQLEXPRESS";
                tls-key "a \"b\" c\\d \n";   # a comment after the value
            }
            """#
        let result = ConfigParser.parse(text, file: "q.conf")
        #expect(result.diagnostics == [])
        let role = result.configuration?.roles.first
        #expect(role?.database == #"REMOTESERVER\SQLEXPRESS"#)
        #expect(role?.tlsKey == #"a "b" c\d \n"#)
    }

    @Test(arguments: ["primary.example.com", "localhost", "10.0.0.11", "::1", "2001:db8::7", String(repeating: "a", count: 253)])
    func tlsNames(text: String) throws {
        #expect(try ValueParsers.tlsName(text) == text)
    }

    /// What OpenSSL would refuse as SNI at every connect, or no certificate could name.
    @Test(arguments: [String(repeating: "a", count: 254), String(repeating: "b", count: 300), "bad name", "a/b", "[::1]", "-lead"])
    func badTLSNames(text: String) {
        #expect(throws: ValueError.self) { try ValueParsers.tlsName(text) }
    }

    @Test func anOverlongTLSNameIsAnErrorAtItsLineAndColumn() {
        let long = String(repeating: "x", count: 300)
        let text = "role r {\n    listen 127.0.0.1:1;\n    server a 127.0.0.1:2 tls tls-name \(long);\n}\n"
        let result = ConfigParser.parse(text, file: "t.conf")
        #expect(result.configuration == nil)
        #expect(result.diagnostics.map(\.description) == [
            "t.conf:3:39: error: invalid value '\(long)' for 'tls-name': expected a DNS name or an IP address, at most 253 characters (e.g. primary.example.com)",
        ])
    }

    @Test func hashInsideAWordIsNotAComment() {
        let text = "role r { listen 127.0.0.1:1; server a 127.0.0.1:2; events http://h/e#frag; }#end"
        #expect(ConfigParser.parse(text, file: "h.conf").configuration?.roles.first?.events?.path == "/e#frag")
    }

    @Test func braceOnItsOwnLineOpensTheBlock() {
        let text = "role r\n{\n    listen 127.0.0.1:1;\n    server a 127.0.0.1:2;\n}\n"
        #expect(ConfigParser.parse(text, file: "b.conf").diagnostics == [])
    }
}
