import FailoverModel
import Foundation
import Testing

/// SPEC §5: event JSON and RFC 3339 times.
@Suite struct WireFormatTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1_795_598_111_123), "2026-11-25T09:15:11.123Z"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
        (Int64(253_402_300_799_999), "9999-12-31T23:59:59.999Z"),
    ])
    func rfc3339FormatsUTCWithMilliseconds(milliseconds: Int64, text: String) {
        let time = Timestamp(milliseconds: milliseconds)
        #expect(time.rfc3339 == text)
        #expect(Timestamp(rfc3339: text) == time)
    }

    @Test func rfc3339ParsesOffsetsAndFractions() {
        let reference = Timestamp(rfc3339: "2026-11-25T09:15:11.123Z")
        #expect(reference != nil)
        #expect(Timestamp(rfc3339: "2026-11-25T10:15:11.123+01:00") == reference)
        #expect(Timestamp(rfc3339: "2026-11-25T04:45:11.123456-04:30") == reference)
        #expect(Timestamp(rfc3339: "2026-11-25T09:15:11.1Z")?.milliseconds == reference.map { $0.milliseconds - 23 })
        #expect(Timestamp(rfc3339: "2026-11-25T09:15:11Z")?.milliseconds == reference.map { $0.milliseconds - 123 })
    }

    @Test(arguments: ["", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-25 09:15:11Z",
                      "2026-11-25T09:15:11", "2026-11-25T24:00:00Z", "2026-11-25T09:15:11.Z",
                      "2026-11-25T09:15:11Zjunk"])
    func rfc3339RejectsMalformedText(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    func object(_ json: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test func failoverEventJSONHasTheSpecShape() throws {
        let at = Timestamp(milliseconds: 1_795_598_111_123)
        let event = ModelEvent.failover(FailoverEvent(role: "lpr-plugin", from: "primary", to: nil,
                                                      reason: .failure, at: at))
        #expect(event.json ==
            #"{"at":"2026-11-25T09:15:11.123Z","from":"primary","reason":"failure","role":"lpr-plugin","to":null,"type":"failover"}"#)
        #expect(try JSONDecoder().decode(ModelEvent.self, from: Data(event.json.utf8)) == event)
        #expect(try object(event.json).keys.sorted() == ["at", "from", "reason", "role", "to", "type"])
    }

    @Test func healthEventJSONHasTheSpecShape() throws {
        let at = Timestamp(milliseconds: 1_795_598_111_123)
        let event = ModelEvent.health(HealthEvent(role: "lpr-plugin", server: "secondary",
                                                  state: .maintenance, at: at))
        #expect(event.json ==
            #"{"at":"2026-11-25T09:15:11.123Z","role":"lpr-plugin","server":"secondary","state":"maintenance","type":"health"}"#)
        #expect(try JSONDecoder().decode(ModelEvent.self, from: Data(event.json.utf8)) == event)
    }

    @Test func decodingRefusesTheWrongType() {
        let json = #"{"type":"health","role":"r","from":null,"to":"a","reason":"event","at":"2026-11-25T09:15:11.123Z"}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(FailoverEvent.self, from: Data(json.utf8))
        }
    }
}
