import Dispatch
import Foundation
import Testing
@testable import Admin
import FailoverModel

@Suite(.serialized) struct EventStreamTests {
    @Test func maintenanceOnTheActiveServerIsAFailoverEvent() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())
        let stream = try EventStreamClient(port: harness.port)
        #expect(eventually { harness.admin.eventSubscriberCount == 1 })
        let traffic = ClientTraffic(port: harness.proxy.boundAddresses(role: "web")[0].port)
        traffic.start()
        #expect(eventually { traffic.outcomes.succeeded >= 5 })

        #expect(try harness.call("POST", "/api/roles/web/servers/primary/maintenance", #"{"enabled":true}"#).status == 200)
        #expect(eventually { traffic.servedBy.contains("secondary") })
        traffic.stop()
        #expect(traffic.outcomes.failed == 0, "failures: \(traffic.failures)")
        #expect(traffic.servedBy.contains("primary"))
        let health = try #require(stream.waitFor { $0.type == "health" })
        #expect(health.json["server"] as? String == "primary")
        #expect(health.json["state"] as? String == "maintenance")
        let failover = try #require(stream.waitFor { $0.type == "failover" })
        #expect(failover.json["type"] as? String == "failover")
        #expect(failover.json["role"] as? String == "web")
        #expect(failover.json["from"] as? String == "primary")
        #expect(failover.json["to"] as? String == "secondary")
        #expect(failover.json["reason"] as? String == "maintenance")
        #expect(Timestampish.isRFC3339(failover.json["at"] as? String))
        #expect(stream.responseHead.contains("Content-Type: text/event-stream"))
        let healthID = try #require(health.id)
        let failoverID = try #require(failover.id)
        #expect(failoverID == healthID + 1)
    }

    @Test func lastEventIDReplaysWhatCameAfterIt() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())
        #expect(try harness.call("POST", "/api/roles/web/servers/primary/maintenance", #"{"enabled":true}"#).status == 200)
        #expect(try harness.call("POST", "/api/roles/web/servers/primary/maintenance", #"{"enabled":false}"#).status == 200)

        let all = try EventStreamClient(port: harness.port, lastEventID: 0)
        let last = try #require(all.waitFor { $0.type == "health" && $0.json["state"] as? String == "up" && $0.json["server"] as? String == "primary" && $0.id ?? 0 > 2 })
        let ids = all.events.compactMap(\.id)
        #expect(ids == Array(1...(last.id ?? 0)))  // every id once, in order
        let failover = try #require(all.events.first { $0.type == "failover" && $0.json["reason"] as? String == "maintenance" })

        let resumed = try EventStreamClient(port: harness.port, lastEventID: failover.id)
        let replayed = try #require(resumed.waitFor { $0.id == last.id })
        #expect(replayed == last)
        #expect(resumed.events.first?.id == (failover.id ?? 0) + 1)
        #expect(resumed.events.allSatisfy { ($0.id ?? 0) > (failover.id ?? 0) })

        // The page's first load asks with a query parameter (EventSource cannot set the header).
        let page = try EventStreamClient(port: harness.port, path: "/events?lastEventId=\(failover.id ?? 0)")
        #expect(page.waitFor { $0.id == last.id } == last)
        #expect(page.events.first?.id == (failover.id ?? 0) + 1)
    }

    @Test func historyIsBoundedAndReplaysInOrder() {
        let hub = EventHub(historyLimit: 3)
        let sink = FrameSink()
        let events = (0..<5).map { i in
            ModelEvent.health(HealthEvent(role: "r", server: "s\(i)", state: .up, at: Timestamp(milliseconds: Int64(i))))
        }
        hub.publish(events)
        hub.subscribe(sink, after: 1)
        #expect(sink.ids == [3, 4, 5])  // 1 and 2 fell out of the history
        hub.publish([events[0]])
        #expect(sink.ids == [3, 4, 5, 6])
        hub.unsubscribe(sink)
        hub.publish([events[0]])
        #expect(sink.ids.count == 4)
    }

    @Test func aSlowSubscriberIsDroppedAndOthersKeepReceiving() throws {
        let harness = try AdminHarness(eventStreamBacklog: 8 * 1024)
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())
        // A subscriber that never reads: the kernel buffers fill, then its backlog, then it is dropped.
        let stalled = try ClientSocket(port: harness.port)
        defer { stalled.close() }
        var small: Int32 = 4096
        setsockopt(stalled.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        try stalled.send("GET /events HTTP/1.1\r\nHost: a\r\n\r\n")
        let reader = try EventStreamClient(port: harness.port)
        #expect(eventually { harness.admin.eventSubscriberCount == 2 })
        // Toggle maintenance in pipelined batches on one keep-alive connection: each toggle is one event.
        let caller = try ClientSocket(port: harness.port)
        defer { caller.close() }
        var toggles = 0
        let deadline = Date().addingTimeInterval(30)
        while harness.admin.eventSubscriberCount == 2 && toggles < 100_000 && Date() < deadline {
            var batch = ""
            for i in 0..<200 {
                let body = #"{"enabled":\#((toggles + i) % 2 == 0)}"#
                batch += "POST /api/roles/web/servers/secondary/maintenance HTTP/1.1\r\nHost: a\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            }
            try caller.send(batch)
            var replies: [UInt8] = []
            var answered = 0
            while answered < 200, let chunk = caller.receive(), !chunk.isEmpty {
                replies += chunk
                answered = String(decoding: replies, as: UTF8.self).components(separatedBy: "HTTP/1.1 200").count - 1
            }
            #expect(answered == 200)
            toggles += 200
        }
        #expect(harness.admin.eventSubscriberCount == 1)
        #expect(reader.waitFor { $0.id ?? 0 > UInt64(toggles) } != nil)  // the reader got every event
    }
}

final class FrameSink: EventStreamSubscriber, @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var frames: [[UInt8]] = []
    func deliver(_ frame: [UInt8]) { lock.lock(); frames.append(frame); lock.unlock() }
    var ids: [Int] {
        lock.lock(); defer { lock.unlock() }
        return frames.compactMap { frame in
            String(decoding: frame, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("id: ") }.flatMap { Int($0.dropFirst(4)) }
        }
    }
}

enum Timestampish {
    static func isRFC3339(_ text: String?) -> Bool { text.flatMap { Timestamp(rfc3339: $0) } != nil }
}

/// Clients sending one HTTP request per connection through the proxy, one after another,
/// on a thread of their own (at most 2000 requests or 20 s), recording who served each.
final class ClientTraffic: @unchecked Sendable {  // guarded by `lock`
    private let port: UInt16
    private let lock = NSLock()
    private var stopped = false
    private var succeeded = 0
    private(set) var failures: [String] = []
    private var served = Set<String>()
    private let finished = DispatchSemaphore(value: 0)

    init(port: UInt16) { self.port = port }

    var outcomes: (succeeded: Int, failed: Int) { lock.withLock { (succeeded, failures.count) } }
    var servedBy: Set<String> { lock.withLock { served } }

    func start() {
        Thread { [self] in
            let deadline = Date().addingTimeInterval(20)
            for _ in 0..<2000 where Date() < deadline && !lock.withLock({ stopped }) {
                do {
                    let reply = try HTTPReply.request("GET", port: port, path: "/")
                    let text = reply.text
                    lock.withLock {
                        if reply.status == 200, let name = text.split(separator: " ").last {
                            succeeded += 1
                            served.insert(name.trimmingCharacters(in: .whitespacesAndNewlines))
                        } else {
                            failures.append("status \(reply.status): \(text)")
                        }
                    }
                } catch {
                    lock.withLock { failures.append("\(error)") }
                }
            }
            finished.signal()
        }.start()
    }

    func stop() {
        lock.withLock { stopped = true }
        _ = finished.wait(timeout: .now() + 25)
    }
}
