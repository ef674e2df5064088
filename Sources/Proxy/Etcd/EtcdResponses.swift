import Cluster
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads etcd's gateway answers into the store's types. Fields at their zero value are
/// omitted by the gateway, so absent means 0, false or empty; 64-bit numbers are strings
/// and are parsed as `Int64` from the string (never through `Double`).
enum EtcdResponses {
    static func read(_ body: [UInt8]) throws(StoreError) -> StoreRead {
        let object = try json(body)
        return StoreRead(values: try values(object["kvs"]), revision: try revision(object))
    }

    static func transaction(_ body: [UInt8]) throws(StoreError) -> TransactionOutcome {
        let object = try json(body)
        let succeeded = object["succeeded"] as? Bool ?? false
        var found: [StoredValue] = []
        if !succeeded {
            for response in object["responses"] as? [[String: Any]] ?? [] {
                guard let range = response["response_range"] as? [String: Any] else { continue }
                found += try values(range["kvs"])
            }
        }
        return TransactionOutcome(succeeded: succeeded, revision: try revision(object), values: found)
    }

    static func grantedLease(_ body: [UInt8]) throws(StoreError) -> LeaseID {
        let object = try json(body)
        if let error = object["error"] as? String, !error.isEmpty { throw StoreError(.rejected, error) }
        let id = try int64(object, "ID")
        guard id != 0 else { throw StoreError(.badResponse, "lease grant without an ID") }
        return id
    }

    /// The keep-alive stream's one answer; no TTL (or 0) means the lease is gone.
    static func keptAlive(_ body: [UInt8]) throws(StoreError) -> Duration {
        guard let line = EtcdLines.split(body).first(where: { !$0.isEmpty }) else {
            throw StoreError(.badResponse, "empty keep-alive answer")
        }
        let object = try json(line)
        if let error = object["error"] { throw failure(error) }
        guard let result = object["result"] as? [String: Any] else {
            throw StoreError(.badResponse, "keep-alive answer without a result")
        }
        let ttl = try int64(result, "TTL")
        guard ttl > 0 else { throw StoreError(.leaseNotFound, "lease not found") }
        return .seconds(ttl)
    }

    static func token(_ body: [UInt8]) throws(StoreError) -> String {
        guard let token = try json(body)["token"] as? String, !token.isEmpty else {
            throw StoreError(.unauthorized, "authentication answered no token")
        }
        return token
    }

    /// A non-200 answer: the gateway's error body, or the status alone.
    static func error(status: Int, body: [UInt8]) -> StoreError {
        guard let object = try? json(body), let error = object["error"] ?? object["message"] else {
            return StoreError(.rejected, "HTTP \(status)")
        }
        return failure(error, code: object["code"] as? Int)
    }

    /// The token was refused as stale or unknown: logging in again may cure it.
    static func isExpiredToken(_ error: StoreError) -> Bool {
        error.kind == .unauthorized && (error.message.contains("invalid auth token") || error.message.contains("token is expired"))
    }

    /// An error as the gateway writes it: a string (unary answers) or an object with a
    /// message and a gRPC code (stream messages).
    static func failure(_ error: Any, code: Int? = nil) -> StoreError {
        let object = error as? [String: Any]
        let message = error as? String ?? object?["message"] as? String ?? "error"
        let grpcCode = code ?? object?["grpc_code"] as? Int
        if message.contains("lease not found") { return StoreError(.leaseNotFound, message) }
        // 16 is gRPC's UNAUTHENTICATED.
        if grpcCode == 16 || message.contains("auth token") || message.contains("authentication failed")
            || message.contains("user name is empty") {
            return StoreError(.unauthorized, message)
        }
        return StoreError(.rejected, message)
    }

    // MARK: fields

    static func json(_ bytes: [UInt8]) throws(StoreError) -> [String: Any] {
        guard let object = JSONAny.decode(bytes) as? [String: Any] else {
            throw StoreError(.badResponse, "not a JSON object: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        return object
    }

    static func revision(_ object: [String: Any]) throws(StoreError) -> Revision {
        try int64(object["header"] as? [String: Any] ?? [:], "revision")
    }

    static func int64(_ object: [String: Any], _ field: String) throws(StoreError) -> Int64 {
        guard let raw = object[field] else { return 0 }
        guard let text = raw as? String, let value = Int64(text) else {
            throw StoreError(.badResponse, "\(field) is not a 64-bit number in a string: \(raw)")
        }
        return value
    }

    static func values(_ kvs: Any?) throws(StoreError) -> [StoredValue] {
        var values: [StoredValue] = []
        for kv in kvs as? [[String: Any]] ?? [] { values.append(try value(kv)) }
        return values
    }

    static func value(_ kv: [String: Any]) throws(StoreError) -> StoredValue {
        StoredValue(key: String(decoding: try base64(kv, "key"), as: UTF8.self), value: try base64(kv, "value"),
                    createRevision: try int64(kv, "create_revision"), modRevision: try int64(kv, "mod_revision"),
                    lease: try int64(kv, "lease"))
    }

    static func base64(_ object: [String: Any], _ field: String) throws(StoreError) -> [UInt8] {
        guard let raw = object[field] else { return [] }
        guard let text = raw as? String, let data = Data(base64Encoded: text) else {
            throw StoreError(.badResponse, "\(field) is not base64")
        }
        return Array(data)
    }
}
