import Cluster

extension EtcdResponses {
    /// One line of a watch stream as the update it reports.
    static func watchUpdate(_ line: [UInt8]) throws(StoreError) -> WatchUpdate {
        let object = try json(line)
        if let error = object["error"] { return .ended(failure(error)) }
        guard let result = object["result"] as? [String: Any] else {
            throw StoreError(.badResponse, "watch message without a result")
        }
        let revision = try revision(result)
        if result["canceled"] as? Bool ?? false {
            let compacted = try int64(result, "compact_revision")
            if compacted > 0 { return .compacted(compactRevision: compacted) }
            return .ended(StoreError(.rejected, result["cancel_reason"] as? String ?? "watch canceled"))
        }
        if result["created"] as? Bool ?? false { return .started(revision: revision) }
        let events = result["events"] as? [[String: Any]] ?? []
        guard !events.isEmpty else { return .progress(revision: revision) }
        var changes: [StoreChange] = []
        for event in events {
            guard let kv = event["kv"] as? [String: Any] else { throw StoreError(.badResponse, "watch event without kv") }
            let value = try value(kv)
            // A PUT is proto3's zero value: it has no `type`.
            switch event["type"] as? String {
            case nil, "PUT": changes.append(.put(value))
            case "DELETE": changes.append(.delete(key: value.key, revision: value.modRevision))
            case let other?: throw StoreError(.badResponse, "unknown watch event type \(other)")
            }
        }
        return .changes(changes, revision: revision)
    }
}
