import DemoBackends
import Foundation
import Testing

/// Traffic counters reach the admin `/metrics` of the real executable (the metrics system
/// is bootstrapped there, not in process): sessions and bytes each way per role and server.
@Suite(.serialized) struct MetricsTrafficTests {
    /// The value of the one sample of `name` whose labels include every one of `labels`.
    static func sample(_ text: String, _ name: String, _ labels: [String]) -> Double? {
        let lines = text.split(separator: "\n").filter { $0.hasPrefix(name + "{") && labels.allSatisfy($0.contains) }
        guard lines.count == 1, let value = lines[0].split(separator: " ").last else { return nil }
        return Double(value)
    }

    @Test func aTCPSessionIsCountedWithItsBytes() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let proxy = try RunningProxy(config: """
            admin { listen 127.0.0.1:0; }
            role r {
                listen 127.0.0.1:0;
                mode tcp;
                health { interval 200ms; timeout 300ms; rise 1; fall 1; }
                server primary 127.0.0.1:\(primary.port);
            }

            """)
        defer { proxy.process.signal(SIGTERM); _ = proxy.process.wait(timeout: 10) }
        let port = try proxy.port(role: "r")
        let pattern = "msg=\"admin listening\" address=127.0.0.1:"
        #expect(proxy.waitForLog(pattern))
        let line = try #require(proxy.process.stderr.split(separator: "\n").first { $0.contains(pattern) })
        let admin = try #require(UInt16(line[line.range(of: pattern)!.upperBound...].prefix { $0.isNumber }))
        #expect(proxy.waitForLog("to=primary"))

        let client = try TestClient(port: port)
        #expect(client.readLine() == "primary")  // 8 bytes down
        let message = String(repeating: "x", count: 999) + "\n"
        try client.send(message)                  // 1000 up
        #expect(client.readLine()?.count == 999)  // 1000 more down
        client.shutdownWrite()
        #expect(client.readToEnd() == [])

        let labels = ["role=\"r\"", "server=\"primary\""]
        var text = ""
        #expect(eventually {
            text = (try? HTTPTestClient(port: admin, timeoutSeconds: 5))?.get("/metrics").map(\.text) ?? ""
            return Self.sample(text, "failover_proxy_sessions_total", labels + ["mode=\"tcp\""]) == 1
        }, "\(text)")
        #expect(Self.sample(text, "failover_proxy_bytes_in_total", labels) == 1000)
        #expect(Self.sample(text, "failover_proxy_bytes_out_total", labels) == 1008)
    }
}
