import Foundation
import Testing

/// The admin API's body limit (64 KiB): at the limit served, one byte over it 413.
@Suite(.serialized) struct AdminLimitsTests {
    @Test func aBodyOneByteOverSixtyFourKiBIs413() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(harness.waitForAllUp())
        let json = #"{"enabled":true}"#
        let atLimit = json + String(repeating: " ", count: 64 * 1024 - json.utf8.count)  // JSON allows trailing spaces
        let served = try harness.call("POST", "/api/roles/web/servers/secondary/maintenance", atLimit)
        #expect(served.status == 200, "\(served.text)")
        let refused = try harness.call("POST", "/api/roles/web/servers/primary/maintenance", atLimit + " ")
        #expect(refused.status == 413, "\(refused.text)")
        #expect(refused.error != nil)
        #expect(harness.active == "primary")  // the refused call changed nothing
    }
}
