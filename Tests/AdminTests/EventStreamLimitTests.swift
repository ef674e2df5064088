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

    /// Bytes of events offered to a subscriber that never reads until its drop was seen
    /// (counted by a second subscriber that reads everything); `backlog` nil: the default.
    private func bytesOfferedUntilDrop(backlog: Int?) throws -> Int {
        let harness = try AdminHarness(eventStreamBacklog: backlog)
        defer { harness.stop() }
        #expect(harness.waitForAllUp())
        let stalled = try ClientSocket(port: harness.port, receiveBuffer: 4096)
        defer { stalled.close() }
        try stalled.send("GET /events HTTP/1.1\r\nHost: a\r\n\r\n")
        let reader = try EventStreamClient(port: harness.port)
        #expect(eventually { harness.admin.eventSubscriberCount == 2 })
        let toggler = try MaintenanceToggler(port: harness.port, server: "secondary")
        for _ in 0..<2000 where harness.admin.eventSubscriberCount == 2 {
            #expect(try toggler.batch(50))
        }
        #expect(harness.admin.eventSubscriberCount == 1)
        #expect(nthEvent(reader, server: "secondary", toggler.toggles) != nil)  // subscribed after start-up
        return reader.frameBytes
    }

    /// What the kernel buffers for the stalled client is large (MiBs on loopback) and not
    /// the product's: measured with an 8 KiB backlog (a reading subscriber stays under it),
    /// then subtracted.
    @Test func aStalledSubscriberIsDroppedAfterTwoHundredFiftySixKiBOfBacklog() throws {
        let small = try bytesOfferedUntilDrop(backlog: 8 * 1024)
        let offered = try bytesOfferedUntilDrop(backlog: nil)
        let backlog = offered - small + 8 * 1024
        #expect(abs(backlog - 256 * 1024) <= 32 * 1024, "dropped at a backlog of about \(backlog) bytes (\(offered) offered, \(small) with 8 KiB)")
    }
}
