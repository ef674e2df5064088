import AdminAPI
import FailoverModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// The admin API's JSON as `ctl` reads it: the very documents the admin server encodes
/// (AdminAPI), and the tables `ctl` prints from them.
enum CtlJSON {
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body))
    }

    static func errorMessage(_ body: [UInt8]) -> String? {
        (try? JSONDecoder().decode(ErrorDocument.self, from: Data(body)))?.error
    }

    /// One line per server: the role's servers in priority order, `*` on the active one.
    static func rolesTable(_ roles: [RoleDocument]) -> String {
        var rows = [["ROLE", "SERVER", "ADDRESS", "STATE", "ACTIVE", "SESSIONS", "LAST CHECK"]]
        for role in roles {
            if role.servers.isEmpty { rows.append([role.name, "-", "-", "-", "", "0", "-"]) }
            for server in role.servers {
                let check = server.lastCheck.map { "\($0.detail) \(format($0.durationMs))ms" } ?? "-"
                rows.append([role.name, server.name, server.address, server.state, server.active ? "*" : "",
                             String(server.sessions), check])
            }
        }
        var text = table(rows)
        for role in roles {
            text += "\(role.name): \(role.mode), active \(role.active ?? "none"), failback \(role.failback ? "on" : "off")"
                + (role.feed.map { ", following \($0)" } ?? "") + "\n"
        }
        return text
    }

    static func eventLine(_ event: ModelEvent) -> String {
        switch event {
        case .failover(let e):
            "\(e.at.rfc3339) failover role=\(e.role) from=\(e.from ?? "-") to=\(e.to ?? "-") reason=\(e.reason.rawValue)"
        case .health(let e):
            "\(e.at.rfc3339) health role=\(e.role) server=\(e.server) state=\(e.state.rawValue)"
        }
    }

    static func clusterTable(_ cluster: ClusterDocument) -> String {
        var text = "cluster \(cluster.name), this node \(cluster.node), leader \(cluster.leader ?? "none"), "
            + "\(cluster.fresh ? "fresh" : "STALE"), revision \(cluster.revision)\n"
        text += "store: \(cluster.store.connected ?? "not connected") of \(cluster.store.endpoints.joined(separator: " "))"
        text += cluster.store.error.map { ", last error: \($0)" } ?? ""
        text += "\n"
        var rows = [["NODE", "ADVERTISE", "LEADER", "FRESH", "ACKED"]]
        for m in cluster.members {
            rows.append([m.node, m.advertise ?? "-", m.leader ? "*" : "", m.fresh ? "yes" : "no", String(m.acked)])
        }
        return text + table(rows)
    }

    /// Left-aligned columns, two spaces apart, no trailing blanks.
    static func table(_ rows: [[String]]) -> String {
        let widths = rows.reduce(into: [Int](repeating: 0, count: rows.first?.count ?? 0)) { widths, row in
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        return rows.map { row in
            var line = row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[i] + 2 - cell.count))
            }.joined()
            while line.last?.isWhitespace == true { line.removeLast() }
            return line
        }.joined(separator: "\n") + "\n"
    }

    /// One decimal, rounded half away from zero (what "%.1f" printed).
    static func format(_ ms: Double) -> String {
        guard ms.isFinite, abs(ms) < 1e15 else { return "\(ms)" }
        let tenths = Int((abs(ms) * 10).rounded())
        return "\(ms < 0 && tenths > 0 ? "-" : "")\(tenths / 10).\(tenths % 10)"
    }
}
