import DemoBackends
import Foundation
import Proxy
import Testing
import TestSupport

/// The state file under SIGKILL in the middle of admin changes: after every crash it still
/// parses, and it holds every change the admin API acknowledged before the crash.
@Suite(.serialized) struct StateFileCrashTests {
    @Test func everyAcknowledgedChangeSurvivesAKillAtAnyMoment() throws {
        let primary = DemoServer(name: "primary", kind: .http)
        let secondary = DemoServer(name: "secondary", kind: .http)
        try primary.start()
        try secondary.start()
        defer { primary.stop(); secondary.stop() }
        let admin = try #require(freeLoopbackPort())
        let dir = try TemporaryDirectory()
        try dir.write("proxy.conf", """
        admin { listen 127.0.0.1:\(admin); }
        state-file proxy.state;
        role r {
            listen 127.0.0.1:0;
            mode http;
            health { path /health; interval 200ms; timeout 500ms; rise 1; fall 1; }
            server primary 127.0.0.1:\(primary.port);
            server secondary 127.0.0.1:\(secondary.port);
        }

        """)
        let statePath = dir.url.appendingPathComponent("proxy.state").path
        var acknowledged: [String] = []
        var added = 0
        for round in 0..<5 {
            let process = ProxyProcess(["run", "--config", "proxy.conf"], currentDirectory: dir.url)
            try process.start()
            defer { process.signal(SIGKILL); process.wait(timeout: 5) }
            #expect(eventually(timeout: 20) { (try? HTTPTestClient(port: admin, timeoutSeconds: 2))?.get("/healthz")?.status == 200 })
            // Servers are added one after another on a thread; the crash comes at a random moment.
            let acked = Box<[String]>([])
            let stop = Box(false)
            let lock = NSLock()
            let start = added
            let adder = Thread {
                for i in start..<start + 200 {
                    if lock.withLock({ stop.value }) { return }
                    let name = "s\(i)"
                    let body = #"{"name":"\#(name)","address":"127.0.0.1:\#(9 + i % 50)"}"#
                    guard let client = try? HTTPTestClient(port: admin, timeoutSeconds: 5),
                          client.send("POST /api/roles/r/servers HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"),
                          client.readResponse()?.status == 200 else { return }
                    lock.withLock { acked.value.append(name) }
                }
            }
            adder.start()
            #expect(eventually(timeout: 20) { lock.withLock { acked.value.count } >= 2 + round * 3 })
            usleep(UInt32.random(in: 0...20_000))
            process.signal(SIGKILL)
            process.wait(timeout: 5)
            lock.withLock { stop.value = true }
            #expect(eventually(timeout: 10) { adder.isFinished })
            let thisRound = lock.withLock { acked.value }
            acknowledged += thisRound
            added += 200
            // The file parses and holds every acknowledged server.
            let saved = try #require(try JSONDecoder().decode(SavedState.self, from: Data(contentsOf: URL(fileURLWithPath: statePath))))
            let names = Set(saved.roles.first?.snapshot.servers.map(\.name) ?? [])
            let missing = acknowledged.filter { !names.contains($0) }
            #expect(missing.isEmpty, "round \(round): acknowledged but not in the state file: \(missing)")
        }
    }
}
