import MetricsTestKit
import Testing
@testable import Proxy

struct TrafficMetricsTests {
    @Test func sessionsBytesAndResponseClassesPerServer() throws {
        let factory = TestMetrics()
        let metrics = TrafficMetrics(role: "r", mode: "http", factory: factory)
        metrics.httpResponse(server: "a", status: 200, bytesIn: 100, bytesOut: 2000)
        metrics.httpResponse(server: "a", status: 204, bytesIn: 50, bytesOut: 0)
        metrics.httpResponse(server: "a", status: 503, bytesIn: 10, bytesOut: 20)
        metrics.httpResponse(server: nil, status: 0, bytesIn: 7, bytesOut: 0)

        let ok = try factory.expectCounter("failover_proxy_http_responses_total", [("role", "r"), ("server", "a"), ("class", "2xx")])
        #expect(ok.totalValue == 2)
        let unavailable = try factory.expectCounter("failover_proxy_http_responses_total", [("role", "r"), ("server", "a"), ("class", "5xx")])
        #expect(unavailable.totalValue == 1)
        let none = try factory.expectCounter("failover_proxy_http_responses_total", [("role", "r"), ("server", "-"), ("class", "none")])
        #expect(none.totalValue == 1)
        #expect(try factory.expectCounter("failover_proxy_bytes_in_total", [("role", "r"), ("server", "a")]).totalValue == 160)
        #expect(try factory.expectCounter("failover_proxy_bytes_out_total", [("role", "r"), ("server", "a")]).totalValue == 2020)
        #expect(try factory.expectCounter("failover_proxy_sessions_total", [("role", "r"), ("server", "a"), ("mode", "http")]).totalValue == 3)
    }

    @Test func tcpSessions() throws {
        let factory = TestMetrics()
        let metrics = TrafficMetrics(role: "t", mode: "tcp", factory: factory)
        metrics.sessionEnded(server: "b", bytesIn: 5, bytesOut: 6)
        metrics.sessionEnded(server: "b", bytesIn: 0, bytesOut: 0)
        #expect(try factory.expectCounter("failover_proxy_sessions_total", [("role", "t"), ("server", "b"), ("mode", "tcp")]).totalValue == 2)
        #expect(try factory.expectCounter("failover_proxy_bytes_out_total", [("role", "t"), ("server", "b")]).totalValue == 6)
    }

    @Test func clientsTurnedAwayByAFullHoldQueueAreCountedPerRole() throws {
        let factory = TestMetrics()
        let metrics = TrafficMetrics(role: "r", mode: "tcp", factory: factory)
        metrics.holdQueueFull()
        metrics.holdQueueFull()
        #expect(try factory.expectCounter("failover_proxy_hold_queue_full_total", [("role", "r")]).totalValue == 2)
    }
}
