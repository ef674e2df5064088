import Cluster
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON bodies of etcd's HTTP gateway requests. Keys and values travel base64, 64-bit
/// numbers as JSON strings (the gateway's proto3 JSON mapping).
enum EtcdRequests {
    static func range(prefix: String) -> [String: Any] {
        let (key, end) = prefixRange(prefix)
        return ["key": base64(key), "range_end": base64(end)]
    }

    static func transaction(if conditions: [StoreCondition], then writes: [StoreWrite], readOnFailure: [String]) -> [String: Any] {
        let compare: [[String: Any]] = conditions.map { condition in
            switch condition {
            case .createRevision(let key, let revision):
                ["key": base64(key), "target": "CREATE", "result": "EQUAL", "create_revision": String(revision)]
            case .modRevision(let key, let revision):
                ["key": base64(key), "target": "MOD", "result": "EQUAL", "mod_revision": String(revision)]
            }
        }
        let success: [[String: Any]] = writes.map { write in
            switch write {
            case .put(let key, let value, let lease):
                var put: [String: Any] = ["key": base64(key), "value": Data(value).base64EncodedString()]
                if lease != 0 { put["lease"] = String(lease) }
                return ["request_put": put]
            case .delete(let key):
                return ["request_delete_range": ["key": base64(key)]]
            }
        }
        let failure: [[String: Any]] = readOnFailure.map { ["request_range": ["key": base64($0)]] }
        return ["compare": compare, "success": success, "failure": failure]
    }

    /// Whole seconds, rounded up: etcd's leases count in seconds.
    static func grantLease(ttl: Duration) -> [String: Any] {
        let (seconds, attoseconds) = ttl.components
        return ["TTL": String(max(1, seconds + (attoseconds > 0 ? 1 : 0)))]
    }

    static func lease(_ id: LeaseID) -> [String: Any] { ["ID": String(id)] }

    static func watch(prefix: String, after revision: Revision) -> [String: Any] {
        let (key, end) = prefixRange(prefix)
        return ["create_request": [
            "key": base64(key), "range_end": base64(end),
            "start_revision": String(revision + 1), "progress_notify": true,
        ] as [String: Any]]
    }

    static func authenticate(user: String, password: String) -> [String: Any] {
        ["name": user, "password": password]
    }

    static func encode(_ object: [String: Any]) -> [UInt8] {
        // Only strings, booleans, arrays and dictionaries built above: serialization cannot fail.
        JSONAny.encode(object) ?? []
    }

    /// etcd's prefix range: [prefix, prefix with its last byte below 0xff raised by one);
    /// the empty prefix is every key ("\0" to "\0").
    static func prefixRange(_ prefix: String) -> (key: [UInt8], end: [UInt8]) {
        let key = Array(prefix.utf8)
        var end = key
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return (key, end)
            }
            end.removeLast()
        }
        return (key.isEmpty ? [0] : key, [0])
    }

    static func base64(_ key: String) -> String { Data(key.utf8).base64EncodedString() }
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
