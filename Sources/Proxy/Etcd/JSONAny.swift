#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Untyped JSON as `[String: Any]`, `[Any]`, `String`, `Bool`, `Int`, `Double` (and
/// `JSONAny.null`), read and written with JSONDecoder/JSONEncoder: what JSONSerialization
/// did, without linking Foundation (and ICU under it) for it.
enum JSONAny: Codable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONAny])
    case object([String: JSONAny])

    /// The marker for a JSON `null` inside an untyped value.
    struct Null: Sendable {}

    static func decode(_ bytes: [UInt8]) -> Any? {
        (try? JSONDecoder().decode(JSONAny.self, from: Data(bytes)))?.untyped
    }

    /// nil when `value` holds something JSON cannot say.
    static func encode(_ value: Any) -> [UInt8]? {
        guard let typed = JSONAny(untyped: value), let data = try? JSONEncoder().encode(typed) else { return nil }
        return Array(data)
    }

    init?(untyped value: Any) {
        switch value {
        case is Null: self = .null
        case let v as Bool: self = .bool(v)
        case let v as Int: self = .int(v)
        case let v as Double: self = .double(v)
        case let v as String: self = .string(v)
        case let v as [Any]:
            var items: [JSONAny] = []
            for item in v {
                guard let typed = JSONAny(untyped: item) else { return nil }
                items.append(typed)
            }
            self = .array(items)
        case let v as [String: Any]:
            var fields: [String: JSONAny] = [:]
            for (key, item) in v {
                guard let typed = JSONAny(untyped: item) else { return nil }
                fields[key] = typed
            }
            self = .object(fields)
        default: return nil
        }
    }

    var untyped: Any {
        switch self {
        case .null: Null()
        case .bool(let v): v
        case .int(let v): v
        case .double(let v): v
        case .string(let v): v
        case .array(let v): v.map(\.untyped)
        case .object(let v): v.mapValues(\.untyped)
        }
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let v = try? container.decode(Bool.self) { self = .bool(v) }
        else if let v = try? container.decode(Int.self) { self = .int(v) }
        else if let v = try? container.decode(Double.self) { self = .double(v) }
        else if let v = try? container.decode(String.self) { self = .string(v) }
        else if let v = try? container.decode([JSONAny].self) { self = .array(v) }
        else { self = .object(try container.decode([String: JSONAny].self)) }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let v): try container.encode(v)
        case .int(let v): try container.encode(v)
        case .double(let v): try container.encode(v)
        case .string(let v): try container.encode(v)
        case .array(let v): try container.encode(v)
        case .object(let v): try container.encode(v)
        }
    }
}
