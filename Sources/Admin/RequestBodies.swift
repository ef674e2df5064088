#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Request bodies of the mutating calls.
struct EnabledBody: Decodable { let enabled: Bool }
struct PositionBody: Decodable { let position: Int }
struct AddServerBody: Decodable { let name: String; let address: String }
struct ActivateBody: Decodable { let server: String }

/// Reads a mutating call's body. Pure and Foundation-only, so `scripts/fuzz.sh admin`
/// compiles it alone.
enum RequestBodies {
    /// Why a body was refused: the HTTP status and the message of the JSON error.
    struct Refusal: Error, Equatable {
        let status: Int
        let message: String
    }

    static func decode<T: Decodable>(_ type: T.Type, body: [UInt8], contentType: String?) -> Result<T, Refusal> {
        // Only JSON: a browser may send a cross-site form POST (text/plain) without asking
        // first, but must ask before sending application/json, and this server never allows it.
        let type = (contentType?.split(separator: ";").first ?? "").drop(while: \.isWhitespace)
        let mediaType = String(type.reversed().drop(while: \.isWhitespace).reversed()).lowercased()
        if !body.isEmpty, mediaType != "application/json" {
            return .failure(Refusal(status: 415, message: "send the body as Content-Type: application/json"))
        }
        do {
            return .success(try JSONDecoder().decode(T.self, from: Data(body)))
        } catch {
            return .failure(Refusal(status: 400, message: "bad request body: \(describe(error))"))
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "wrong type for '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted: "not valid JSON"
        default: "\(error)"
        }
    }
}
