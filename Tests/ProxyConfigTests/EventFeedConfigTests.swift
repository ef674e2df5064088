import Testing
import ProxyConfig

/// `events URL [URL…]`: the feed's URLs in order.
struct EventFeedConfigTests {
    static func role(_ events: String) -> String {
        "role r { listen 127.0.0.1:8080; server a 127.0.0.1:9001; server b 127.0.0.1:9002; \(events) }"
    }

    @Test func severalURLsAreKeptInOrder() throws {
        let result = ConfigParser.parse(Self.role("events http://10.0.0.1:7000/events https://10.0.0.2:7000/events;"), file: "p.conf")
        let role = try #require(result.configuration?.roles.first)
        #expect(role.eventFeeds.map(\.text) == ["http://10.0.0.1:7000/events", "https://10.0.0.2:7000/events"])
        #expect(role.events?.text == "http://10.0.0.1:7000/events")
    }

    @Test func aBadURLIsAnErrorAndARepeatedOneAWarning() {
        let bad = ConfigParser.parse(Self.role("events http://10.0.0.1:7000/events ftp://x/;"), file: "p.conf")
        #expect(bad.errors.map(\.message).contains { $0.contains("invalid value 'ftp://x/' for 'events'") }, "\(bad.diagnostics)")
        let twice = ConfigParser.parse(Self.role("events http://10.0.0.1:7000/e http://10.0.0.1:7000/e;"), file: "p.conf")
        #expect(twice.configuration?.roles.first?.eventFeeds.count == 1)
        #expect(twice.warnings.map(\.message) == ["duplicate events URL 'http://10.0.0.1:7000/e'"])
        let none = ConfigParser.parse(Self.role("events;"), file: "p.conf")
        #expect(none.hasErrors)
    }
}
