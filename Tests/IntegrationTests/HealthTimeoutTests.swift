import class TestSupport.Collected
import DemoBackends
import Foundation
import Proxy
import Testing

/// `health { timeout }`: a check that connects but gets no answer fails by the timeout.
@Suite(.serialized) struct HealthTimeoutTests {
    @Test func aHealthEndpointThatNeverAnswersFailsByTimeout() throws {
        let hanging = try SilentServer()
        defer { hanging.stop() }
        let primary = DemoServer(name: "primary", kind: .tcp)
        let secondary = DemoServer(name: "secondary", kind: .tcp)
        let secondaryHealth = DemoServer(name: "secondary-health", kind: .http)
        for s in [primary, secondary, secondaryHealth] { try s.start() }
        defer { for s in [primary, secondary, secondaryHealth] { s.stop() } }
        let proxy = try ConfiguredProxy("""
            role web {
                listen 127.0.0.1:0;
                mode tcp;
                health { path /health; interval 200ms; timeout 300ms; rise 1; fall 1; }
                server primary 127.0.0.1:\(primary.port) health-port \(hanging.port);
                server secondary 127.0.0.1:\(secondary.port) health-port \(secondaryHealth.port);
            }

            """)
        defer { proxy.stop() }
        let checks = Collected<CheckResult>()
        proxy.proxy.observeChecks { _, result in if result.server == "primary" { checks.append(result) } }
        #expect(proxy.waitForActive("web", "secondary"))
        #expect(eventually { checks.count >= 2 })
        #expect(checks.all.allSatisfy { !$0.passed && $0.detail == "timeout" }, "\(checks.all.map(\.detail))")
        #expect(hanging.accepted >= 2)  // each check connected: the failure is the missing answer
        #expect(proxy.active("web") == "secondary")
    }
}
