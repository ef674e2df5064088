import struct TestSupport.CertificateFixtures
import DemoBackends
import Foundation
import Testing

/// A role following an authoritative failover feed (`events URL`) served by the test.
@Suite(.serialized) struct EventFeedTests {
    /// Health checks every 5 s, so the feed's event moves the role, which its id on the
    /// "role moved" line proves.
    static let slowHealth = "interval 5s; timeout 500ms; rise 1; fall 1;"

    @Test func aMoveByEventIsFollowedWithoutWaitingForAHealthCheck() throws {
        let feed = try FeedServer()
        let h = try ProxyHarness(directives: "events http://127.0.0.1:\(feed.port)/events;", health: Self.slowHealth)
        #expect(h.waitForActive("primary"))
        #expect(eventually { feed.subscriberCount == 1 })
        #expect(h.logs.all.contains { $0.contains("event feed connected") })
        let checksBefore = h.backend("secondary").served  // tcp demo: every connection, checks included
        feed.sendFailover(role: "test", to: "secondary", id: 7)
        #expect(h.waitForActive("secondary"))
        #expect(h.backend("secondary").served == checksBefore)  // no health check was needed for the move
        #expect(try h.greeting() == "secondary")
        #expect(h.logs.all.contains { $0.contains("from=primary") && $0.contains("to=secondary") && $0.contains("reason=event") && $0.contains("event_id=7") })
    }

    @Test func anEventNamingADownServerIsIgnored() throws {
        let feed = try FeedServer()
        let h = try ProxyHarness(directives: "events http://127.0.0.1:\(feed.port)/events;",
                                 health: "interval 200ms; timeout 300ms; rise 1; fall 1;")
        #expect(h.waitForActive("primary"))
        #expect(eventually { feed.subscriberCount == 1 })
        h.backend("secondary").stop()
        #expect(eventually { h.logs.all.contains { $0.contains("server=secondary state=down") } })
        feed.sendFailover(role: "test", to: "secondary", id: 1)
        #expect(eventually { h.logs.all.contains { $0.contains("failover event ignored") && $0.contains("state=down") } })
        #expect(h.active == "primary")
    }

    @Test func eventsForOtherRolesUnknownServersAndGarbageAreSurvived() throws {
        let feed = try FeedServer()
        let h = try ProxyHarness(directives: "events http://127.0.0.1:\(feed.port)/events;", health: Self.slowHealth)
        #expect(h.waitForActive("primary"))
        #expect(eventually { feed.subscriberCount == 1 })
        feed.sendFailover(role: "other-role", to: "secondary", id: 1)
        feed.sendFailover(role: "test", to: "nosuchserver", id: 2)
        feed.broadcast("event: failover\ndata: {not json\n\n")
        feed.broadcast("garbage without a colon\n\u{1}\u{2}binary: \u{7f}\n\n")
        feed.broadcast("data: " + String(repeating: "x", count: 200_000) + "\n\n")  // oversized line
        feed.sendFailover(role: "test", to: "secondary", id: 3)
        #expect(h.waitForActive("secondary"))
        // Moved by event 3, the only valid one: none of the others moved it.
        #expect(h.logs.all.filter { $0.contains("role moved") && $0.contains("reason=event") }.count == 1)
        #expect(h.logs.all.contains { $0.contains("role moved") && $0.contains("to=secondary") && $0.contains("event_id=3") })
        #expect(h.logs.all.contains { $0.contains("unknown server") && $0.contains("nosuchserver") })
        #expect(h.logs.all.contains { $0.contains("malformed failover event ignored") })
    }

    @Test func feedLossFallsBackToTheModelAfterOneInterval() throws {
        let feed = try FeedServer()
        let h = try ProxyHarness(separateHealth: true, directives: "failback on; events http://127.0.0.1:\(feed.port)/events;",
                                 health: "interval 300ms; timeout 300ms; rise 1; fall 1;")
        #expect(h.waitForActive("primary"))
        #expect(eventually { feed.subscriberCount == 1 })
        #expect(eventually { h.logs.all.contains { $0.contains("event feed connected") } })
        // The feed moves the role down the list; while it is the authority, failback waits.
        feed.sendFailover(role: "test", to: "secondary", id: 1)
        #expect(h.waitForActive("secondary"))
        // Three more passing checks of the primary: failback would have run by then.
        let checks = h.health("primary").healthChecks
        #expect(eventually { h.health("primary").healthChecks >= checks + 3 })
        #expect(h.active == "secondary")
        // The feed goes away: after one interval the proxy decides alone, and fails back.
        feed.stop()
        #expect(eventually { h.logs.all.contains { $0.contains("decides with its own model") } })
        #expect(h.waitForActive("primary"))
        #expect(h.logs.all.contains { $0.contains("from=secondary") && $0.contains("to=primary") && $0.contains("reason=failback") })
    }

    /// The feed's `retry:` sets the reconnect delay. An hour here: the feed restarts and no
    /// subscriber comes while ten more health checks run (without `retry:` the proxy is back
    /// within a few hundred milliseconds, see the test below).
    @Test func theFeedsRetryFieldDelaysTheReconnect() throws {
        let feed = try FeedServer()
        let h = try ProxyHarness(separateHealth: true, directives: "events http://127.0.0.1:\(feed.port)/events;",
                                 health: "interval 200ms; timeout 300ms; rise 1; fall 1;")
        #expect(h.waitForActive("primary"))
        #expect(eventually { feed.subscriberCount == 1 })
        feed.broadcast("retry: 3600000\n\n")
        feed.sendFailover(role: "test", to: "secondary", id: 1)  // applied: the retry line before it was read
        #expect(h.waitForActive("secondary"))
        feed.stop()
        try feed.start()  // same port
        let checks = h.health("primary").healthChecks
        #expect(eventually { h.health("primary").healthChecks >= checks + 10 })
        #expect(feed.subscriberCount == 0)
        #expect(feed.requestHeads.count == 1)
    }

    @Test func reconnectsWithLastEventIDAfterTheFeedRestarts() throws {
        let feed = try FeedServer()
        let h = try ProxyHarness(directives: "events http://127.0.0.1:\(feed.port)/events;", health: Self.slowHealth)
        #expect(h.waitForActive("primary"))
        #expect(eventually { feed.subscriberCount == 1 })
        feed.sendFailover(role: "test", to: "secondary", id: 41)
        feed.sendFailover(role: "test", to: "primary", id: 42)
        #expect(eventually { h.logs.all.contains { $0.contains("to=primary") && $0.contains("reason=event") } })
        feed.stop()
        try feed.start()  // same port
        #expect(eventually(timeout: 15) { feed.subscriberCount == 1 })
        #expect(feed.requestHeads.last?.contains("Last-Event-ID: 42\r\n") == true)
        #expect(feed.requestHeads.last?.contains("Accept: text/event-stream\r\n") == true)
    }
}

/// The feed over https: verified with the role's `tls-ca`.
@Suite(.serialized) struct HTTPSEventFeedTests {
    @Test func anHTTPSFeedIsFollowedAndAnUnknownCAIsRefused() throws {
        let certs = try CertificateFixtures.shared
        let feed = try FeedServer()
        // TLS in front of the test's plain feed: a second proxy with a tls listener.
        let front = try ConfiguredProxy("""
        role feedtls {
            listen 127.0.0.1:0 tls;
            mode tcp;
            tls-certificate \(certs.server.certificate);
            tls-key \(certs.server.key);
            health { interval 5s; timeout 500ms; rise 1; fall 1; }
            server feed 127.0.0.1:\(feed.port);
        }

        """)
        defer { front.stop() }
        #expect(front.waitForActive("feedtls", "feed"))
        let url = "https://127.0.0.1:\(front.port("feedtls"))/events"

        let h = try ProxyHarness(directives: "events \(url); tls-ca \(certs.caCertificate);", health: EventFeedTests.slowHealth)
        #expect(h.waitForActive("primary"))
        #expect(eventually { feed.subscriberCount == 1 })
        #expect(eventually { h.logs.all.contains { $0.contains("event feed connected") } })
        feed.sendFailover(role: "test", to: "secondary", id: 5)
        #expect(h.waitForActive("secondary"))
        #expect(h.logs.all.contains { $0.contains("role moved") && $0.contains("to=secondary") && $0.contains("event_id=5") })

        let untrusting = try ProxyHarness(directives: "events \(url); tls-ca \(certs.otherCACertificate);", health: EventFeedTests.slowHealth)
        #expect(eventually { untrusting.logs.all.contains { $0.contains("event feed lost") && $0.contains("tls") } })
        #expect(!untrusting.logs.all.contains { $0.contains("event feed connected") })
    }
}
