import Testing
@testable import ProxyConfig

/// The value parsers of the `cluster` block, alone.
struct ClusterValueTests {
    @Test(arguments: ["site-a", "proxy_1", "a.b.c", "A9", String(repeating: "n", count: 253)])
    func keySegments(text: String) throws {
        #expect(try ValueParsers.keySegment(text) == text)
    }

    @Test(arguments: ["", "site/a", "a b", "tab\there", "new\nline", "café", "a:b", String(repeating: "n", count: 254)])
    func notKeySegments(text: String) {
        #expect(throws: ValueError.self, "\(text)") { try ValueParsers.keySegment(text) }
    }

    @Test func etcdURLs() throws {
        #expect(try ValueParsers.etcdURL("http://10.0.0.21:2379").address == Endpoint(host: "10.0.0.21", port: 2379))
        #expect(try ValueParsers.etcdURL("https://etcd.example/").address == Endpoint(host: "etcd.example", port: 443))
        #expect(try ValueParsers.etcdURL("http://etcd").port == 80)
        #expect(try ValueParsers.etcdURL("https://[::1]:2379").address == Endpoint(host: "::1", port: 2379))
        #expect(try ValueParsers.etcdURL("https://[::1]:2379").isTLS)
    }

    @Test(arguments: ["ftp://e:2379", "e:2379", "http://", "http://:2379", "http://e:0", "http://e:65536", "http://e:x",
                      "unix:///run/etcd.sock", "http://user@e:2379"])
    func badEtcdURLs(text: String) {
        #expect(throws: ValueError(expected: "an http:// or https:// URL with a host (e.g. http://10.0.0.21:2379)"), "\(text)") {
            try ValueParsers.etcdURL(text)
        }
    }

    @Test(arguments: ["http://e:2379/v3", "http://e:2379//", "http://e:2379?x=1", "http://e/?x"])
    func etcdURLsWithAPath(text: String) {
        #expect(throws: ValueError(expected: "an etcd client URL without a path (e.g. http://10.0.0.21:2379)"), "\(text)") {
            try ValueParsers.etcdURL(text)
        }
    }

    @Test func leaseTTLs() throws {
        #expect(try ValueParsers.leaseTTL("2s") == .seconds(2))
        #expect(try ValueParsers.leaseTTL("2000ms") == .seconds(2))
        #expect(try ValueParsers.leaseTTL("1m") == .seconds(60))
        #expect(throws: ValueError.self) { try ValueParsers.leaseTTL("1999ms") }
        #expect(throws: ValueError.self) { try ValueParsers.leaseTTL("1s") }
        #expect(throws: ValueError.self) { try ValueParsers.leaseTTL("0s") }
        #expect(throws: ValueError(expected: "whole seconds: etcd grants leases in seconds")) {
            try ValueParsers.leaseTTL("2500ms")
        }
    }

    @Test func staleAfters() throws {
        #expect(try ValueParsers.staleAfter("300ms") == .milliseconds(300))
        #expect(try ValueParsers.staleAfter("5s") == .seconds(5))
        #expect(throws: ValueError.self) { try ValueParsers.staleAfter("299ms") }
        #expect(throws: ValueError.self) { try ValueParsers.staleAfter("0s") }
    }

    @Test func durationTexts() {
        #expect(ValueParsers.durationText(.seconds(10)) == "10s")
        #expect(ValueParsers.durationText(.milliseconds(2500)) == "2500ms")
        #expect(ValueParsers.durationText(.milliseconds(300)) == "300ms")
        #expect(ValueParsers.durationText(.seconds(60)) == "60s")
    }
}
