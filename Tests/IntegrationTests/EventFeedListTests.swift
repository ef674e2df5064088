import Dispatch
import Foundation
import Proxy
import Synchronization
import Testing

/// `events URL URL`: when the followed URL is lost the next one is tried, resuming with
/// `Last-Event-ID`; the role's status says which URL is followed.
@Suite(.serialized) struct EventFeedListTests {
    /// The URL the role follows now, as `/api/roles` shows it.
    static func followed(_ proxy: ProxyServer) -> String? {
        let result = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        proxy.roleStatuses { statuses in
            result.withLock { $0 = statuses.first?.feed }
            done.signal()
        }
        _ = done.wait(timeout: .now() + 5)
        return result.withLock { $0 }
    }

    @Test func theNextURLIsFollowedWhenTheFirstIsLostResumingAfterTheLastEvent() throws {
        let first = try FeedServer()
        let second = try FeedServer()
        let urls = ["http://127.0.0.1:\(first.port)/events", "http://127.0.0.1:\(second.port)/events"]
        let h = try ProxyHarness(directives: "events \(urls[0]) \(urls[1]);", health: EventFeedTests.slowHealth)
        #expect(h.waitForActive("primary"))
        #expect(eventually { first.subscriberCount == 1 })
        #expect(eventually { Self.followed(h.proxy) == urls[0] })
        #expect(second.subscriberCount == 0)

        first.sendFailover(role: "test", to: "secondary", id: 41)
        #expect(eventually { h.logs.all.contains { $0.contains("to=secondary") && $0.contains("reason=event") } })

        first.stop()  // the directory's first node goes away
        #expect(eventually(timeout: 15) { second.subscriberCount == 1 })
        #expect(second.requestHeads.last?.contains("Last-Event-ID: 41\r\n") == true, "\(second.requestHeads)")
        #expect(eventually { Self.followed(h.proxy) == urls[1] })
        second.sendFailover(role: "test", to: "primary", id: 42)
        #expect(eventually { h.logs.all.contains { $0.contains("to=primary") && $0.contains("reason=event") } })
    }
}
