import Foundation

/// Flips one server's maintenance flag through the API in pipelined batches on one
/// keep-alive connection: each flip of a server that is not active is exactly one event.
final class MaintenanceToggler {
    private let caller: ClientSocket
    private let server: String
    /// Flips answered 200 so far.
    private(set) var toggles = 0

    init(port: UInt16, server: String) throws {
        caller = try ClientSocket(port: port)
        self.server = server
    }

    deinit { caller.close() }

    /// Sends `count` flips at once and reads their answers; false unless all were 200.
    func batch(_ count: Int = 200) throws -> Bool {
        var requests = ""
        for i in 0..<count {
            let body = #"{"enabled":\#((toggles + i) % 2 == 0)}"#
            requests += "POST /api/roles/web/servers/\(server)/maintenance HTTP/1.1\r\nHost: a\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        try caller.send(requests)
        var replies: [UInt8] = []
        var answered = 0
        for _ in 0..<100_000 where answered < count {
            guard let chunk = caller.receive(), !chunk.isEmpty else { break }
            replies += chunk
            answered = String(decoding: replies, as: UTF8.self).components(separatedBy: "HTTP/1.1 200").count - 1
        }
        toggles += answered
        return answered == count
    }
}
