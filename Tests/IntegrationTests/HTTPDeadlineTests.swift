import Foundation
@testable import Proxy
import Testing

/// HTTP deadlines are enforced within about 10 ms of when they fall due, by one ticker per
/// loop scheduled for the earliest of them (not a coarse periodic tick).
@Suite(.serialized) struct HTTPDeadlineTests {
    @Test func theTickerIsDueWithTheEarliestDeadline() throws {
        let fixture = try HTTPProxyFixture(loops: 1) { $0.headTimeout = .milliseconds(300) }
        defer { fixture.stop() }
        let plane = try #require(fixture.proxy.controllers.first?.planes.first)
        let client = try fixture.client()
        // The silent client's head deadline is set on accept.
        var due: (ticker: UInt64, deadline: UInt64)?
        #expect(waitUntil {
            due = plane.loop.queue.sync {
                guard let state = plane.http, let deadline = state.earliestDeadline else { return nil }
                return (state.tickerDeadline, deadline)
            }
            return due != nil
        })
        let (ticker, deadline) = try #require(due)
        #expect(ticker <= deadline + HTTPPlaneState.resolution, "the ticker fires \(Double(Int64(ticker) - Int64(deadline)) / 1e6) ms after the deadline")
        // And the deadline is enforced: 408 for the silent client.
        #expect(client.readResponse()?.status == 408)
    }
}
