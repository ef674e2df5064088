import Foundation
import Testing

@Suite(.serialized) struct MetricsTests {
    @Test func metricsAreValidPrometheusTextWithPerServerGauges() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())
        #expect(try harness.call("POST", "/api/roles/web/servers/primary/maintenance", #"{"enabled":true}"#).status == 200)
        let reply = try harness.get("/metrics")
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let samples = try PrometheusText.parse(reply.text)
        #expect(samples["failover_proxy_server_active{role=\"web\",server=\"secondary\"}"] == 1)
        #expect(samples["failover_proxy_server_active{role=\"web\",server=\"primary\"}"] == 0)
        #expect(samples["failover_proxy_server_state{role=\"web\",server=\"primary\",state=\"maintenance\"}"] == 1)
        #expect(samples["failover_proxy_server_state{role=\"web\",server=\"primary\",state=\"up\"}"] == 0)
        #expect(samples["failover_proxy_server_sessions{role=\"web\",server=\"primary\"}"] == 0)
        #expect(samples["failover_proxy_failovers_total{role=\"web\",reason=\"maintenance\"}"] == 1)
        #expect(samples["failover_proxy_failovers_total{role=\"web\",reason=\"startup\"}"] == 1)
        #expect(samples["failover_proxy_failovers_total{role=\"web\",reason=\"failure\"}"] == 0)
        #expect((samples["failover_proxy_health_checks_total{role=\"web\",server=\"primary\",result=\"pass\"}"] ?? 0) >= 1)
        #expect((samples["failover_proxy_health_check_duration_seconds_count{role=\"web\",server=\"primary\"}"] ?? 0) >= 1)
        #expect((samples["process_open_fds"] ?? 0) > 0)
        #expect((samples["process_resident_memory_bytes"] ?? 0) > 0)
    }

    @Test func aRemovedServerLeavesTheGauges() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(try PrometheusText.parse(harness.get("/metrics").text).keys.contains { $0.contains("server=\"secondary\"") && $0.hasPrefix("failover_proxy_server_active") })
        #expect(try harness.call("DELETE", "/api/roles/web/servers/secondary").status == 200)
        let samples = try PrometheusText.parse(harness.get("/metrics").text)
        #expect(!samples.keys.contains { $0.hasPrefix("failover_proxy_server_") && $0.contains("server=\"secondary\"") })
        #expect(samples["failover_proxy_server_active{role=\"web\",server=\"primary\"}"] == 1)
    }
}

/// A strict-enough reader of the Prometheus text format: `# HELP`/`# TYPE` comments,
/// then `name{label="value",…} number` samples. Throws on any other line.
enum PrometheusText {
    static func parse(_ text: String) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        var typed = Set<String>()
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                    throw TestError("bad TYPE line: \(line)")
                }
                typed.insert(String(parts[2]))
                continue
            }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw TestError("bad sample line: \(line)")
            }
            let series = String(line[..<space])
            let name = series.prefix { $0 != "{" }
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }), !name.isEmpty else {
                throw TestError("bad metric name: \(line)")
            }
            if series.contains("{") {
                guard series.hasSuffix("}"), series.range(of: #"^[a-zA-Z_:][a-zA-Z0-9_:]*\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\}$"#, options: .regularExpression) != nil else {
                    throw TestError("bad labels: \(line)")
                }
            }
            let family = ["_bucket", "_sum", "_count"].reduce(String(name)) { n, suffix in
                n.hasSuffix(suffix) && typed.contains(String(n.dropLast(suffix.count))) ? String(n.dropLast(suffix.count)) : n
            }
            guard typed.contains(family) else { throw TestError("sample without TYPE: \(line)") }
            samples[series] = value
        }
        return samples
    }
}
