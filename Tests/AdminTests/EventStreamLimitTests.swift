import Foundation
import Testing
@testable import Admin

/// The event stream's limits at their real values (AdminServer's defaults): 1,000 events
/// of history for `Last-Event-ID`, 256 KiB of backlog before a subscriber is dropped.
@Suite(.serialized) struct EventStreamLimitTests {
    /// Waits until `stream` has seen `count` events about `server`; the last one.
    private func nthEvent(_ stream: EventStreamClient, server: String, _ count: Int) -> EventStreamClient.Event? {
        var seen = 0
        return stream.waitFor(seconds: 30) { event in
            if event.json["server"] as? String == server { seen += 1 }
            return seen == count
        }
    }

    @Test func lastEventIDZeroReplaysExactlyTheLastThousandEvents() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(harness.waitForAllUp())
        let live = try EventStreamClient(port: harness.port, lastEventID: 0)
        let toggler = try MaintenanceToggler(port: harness.port, server: "secondary")
        for _ in 0..<6 { #expect(try toggler.batch()) }  // 1,200 events, more than the history
        // One event per flip, after the secondary's start-up "up" (replayed to `live` too).
        let newest = try #require(nthEvent(live, server: "secondary", 1 + toggler.toggles)?.id)
        let replay = try EventStreamClient(port: harness.port, lastEventID: 0)
        #expect(replay.waitFor(seconds: 30) { $0.id == newest } != nil)
        let ids = replay.events.compactMap(\.id)
        #expect(ids.count == 1000)
        #expect(ids == Array((newest - 999)...newest))
    }

    @Test func aStalledSubscriberIsDroppedOnlyPastTwoHundredFiftySixKiB() throws {
        let harness = try AdminHarness()  // the default backlog
        defer { harness.stop() }
        #expect(harness.waitForAllUp())
        // Never reads, with a small receive buffer: the kernel holds little for it.
        let stalled = try ClientSocket(port: harness.port)
        defer { stalled.close() }
        var small: Int32 = 4096
        setsockopt(stalled.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        try stalled.send("GET /events HTTP/1.1\r\nHost: a\r\n\r\n")
        let reader = try EventStreamClient(port: harness.port)
        #expect(eventually { harness.admin.eventSubscriberCount == 2 })
        let toggler = try MaintenanceToggler(port: harness.port, server: "secondary")
        for _ in 0..<500 where harness.admin.eventSubscriberCount == 2 {
            #expect(try toggler.batch())
        }
        #expect(harness.admin.eventSubscriberCount == 1)
        // The reader got every event; what they add up to is what the stalled one was offered
        // by the time its drop was seen: at least the backlog (plus what the kernel held).
        #expect(nthEvent(reader, server: "secondary", toggler.toggles) != nil)  // subscribed after start-up
        #expect(reader.frameBytes >= 256 * 1024, "dropped after \(reader.frameBytes) bytes of events")
        #expect(reader.frameBytes <= 256 * 1024 + (4 << 20), "dropped only after \(reader.frameBytes) bytes of events")
    }
}
