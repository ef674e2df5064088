import AdminAPI
import ArgumentParser
import FailoverModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

struct CtlStatus: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show each role and its servers.")
    @OptionGroup var options: CtlOptions
    @Argument(help: "Only this role.") var role: String?

    func run() throws {
        try runCtl {
            let client = try options.client()
            let path = role.map { "/api/roles/\(pathSegment($0))" } ?? "/api/roles"
            let body = try get(client, path)
            if options.json { return print(String(decoding: body, as: UTF8.self)) }
            let roles = role == nil ? try CtlJSON.decode(RolesDocument.self, body).roles : [try CtlJSON.decode(RoleDocument.self, body)]
            print(CtlJSON.rolesTable(roles), terminator: "")
        }
    }
}

struct CtlMaintenance: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "maintenance", abstract: "Put a server into scheduled downtime, or take it out.")
    @OptionGroup var options: CtlOptions
    @Argument var role: String
    @Argument var server: String
    @Argument var state: OnOff

    func run() throws {
        try change(options, "POST", "/api/roles/\(pathSegment(role))/servers/\(pathSegment(server))/maintenance",
                   "{\"enabled\":\(state.enabled)}")
    }
}

struct CtlActivate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "activate", abstract: "Move the role to this server now.")
    @OptionGroup var options: CtlOptions
    @Argument var role: String
    @Argument var server: String

    func run() throws {
        try change(options, "POST", "/api/roles/\(pathSegment(role))/activate", json(["server": server]))
    }
}

struct CtlMove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "move", abstract: "Give a server a new priority (0 = top).")
    @OptionGroup var options: CtlOptions
    @Argument var role: String
    @Argument var server: String
    @Argument var position: Int

    func run() throws {
        try change(options, "POST", "/api/roles/\(pathSegment(role))/servers/\(pathSegment(server))/move", "{\"position\":\(position)}")
    }
}

struct CtlFailback: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "failback", abstract: "Force execution on the highest-priority server, or not.")
    @OptionGroup var options: CtlOptions
    @Argument var role: String
    @Argument var state: OnOff

    func run() throws {
        try change(options, "PUT", "/api/roles/\(pathSegment(role))/failback", "{\"enabled\":\(state.enabled)}")
    }
}

struct CtlAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a server at the bottom of the role's list.")
    @OptionGroup var options: CtlOptions
    @Argument var role: String
    @Argument var name: String
    @Argument(help: "HOST:PORT") var address: String

    func run() throws {
        try change(options, "POST", "/api/roles/\(pathSegment(role))/servers", json(["name": name, "address": address]))
    }
}

struct CtlRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a server from the role.")
    @OptionGroup var options: CtlOptions
    @Argument var role: String
    @Argument var server: String

    func run() throws {
        try change(options, "DELETE", "/api/roles/\(pathSegment(role))/servers/\(pathSegment(server))", nil)
    }
}

struct CtlEvents: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Follow the event stream until interrupted.")
    @OptionGroup var options: CtlOptions
    @Option(help: "Replay the events after this id first.") var after: UInt64?

    func run() throws {
        try runCtl {
            var client = try options.client()
            client.timeoutSeconds = nil  // keep-alive comments come every 15 s; wait as long as it runs
            var parser = SSELines()
            let path = after.map { "/events?lastEventId=\($0)" } ?? "/events"
            try client.stream(path) { bytes in
                for event in parser.feed(bytes) {
                    if options.json {
                        print(event.data)
                    } else if let decoded = try? CtlJSON.decode(ModelEvent.self, Array(event.data.utf8)) {
                        print("\(event.id.map { "[\($0)] " } ?? "")\(CtlJSON.eventLine(decoded))")
                    }
                }
                fflush(nil)  // every open stream: stdout is line-buffered only on a terminal
            }
            throw CtlFailure("the event stream ended")
        }
    }
}

struct CtlCluster: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cluster", abstract: "Show the cluster: leader, freshness, members.")
    @OptionGroup var options: CtlOptions

    func run() throws {
        try runCtl {
            let body = try get(try options.client(), "/api/cluster")
            if options.json { return print(String(decoding: body, as: UTF8.self)) }
            print(CtlJSON.clusterTable(try CtlJSON.decode(ClusterDocument.self, body)), terminator: "")
        }
    }
}

// MARK: shared steps

private func get(_ client: AdminClient, _ path: String) throws -> [UInt8] {
    let response = try client.request("GET", path)
    guard response.status == 200 else { throw AdminClient.error(response) }
    return response.body
}

/// A mutating call: prints the events it caused and the role after it (or the JSON).
private func change(_ options: CtlOptions, _ method: String, _ path: String, _ body: String?) throws {
    try runCtl {
        let response = try options.client().request(method, path, json: body)
        guard response.status == 200 else { throw AdminClient.error(response) }
        if options.json { return print(response.text) }
        let change = try CtlJSON.decode(ChangeDocument.self, response.body)
        for event in change.events { print(CtlJSON.eventLine(event)) }
        if let role = change.role { print(CtlJSON.rolesTable([role]), terminator: "") }
    }
}

private func json(_ fields: [String: String]) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: (try? encoder.encode(fields)) ?? Data("{}".utf8), as: UTF8.self)
}

/// Server-Sent Events from a byte stream: `id:` and `data:` of each event, on its blank line.
struct SSELines {
    struct Event { var id: String?; var data: String }
    private var buffer: [UInt8] = []
    private var id: String?
    private var data: [String] = []

    mutating func feed(_ bytes: [UInt8]) -> [Event] {
        buffer += bytes
        var events: [Event] = []
        while let lf = buffer.firstIndex(of: 10) {
            var line = String(decoding: buffer[..<lf], as: UTF8.self)
            buffer.removeSubrange(...lf)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty {
                if !data.isEmpty { events.append(Event(id: id, data: data.joined(separator: "\n"))) }
                data = []
                id = nil
            } else if line.hasPrefix("data:") {
                data.append(String(line.dropFirst(5).drop { $0 == " " }))
            } else if line.hasPrefix("id:") {
                id = String(line.dropFirst(3).drop { $0 == " " })
            }
        }
        return events
    }
}
