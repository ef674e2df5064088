// libFuzzer entry for the admin API's request bodies (scripts/fuzz.sh admin), compiled with
// Sources/Admin/RequestBodies.swift alone. The last byte picks the body type and the
// Content-Type; the bytes before it are the body. Checks: no crash on any bytes; a non-empty
// body not declared JSON is 415 without being read; anything else is decoded or 400, never
// another status; a decoded body encodes and decodes back to the same fields.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdminBodies(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let body = Array(UnsafeBufferPointer(start: data, count: size - 1))
    let pick = Int(data[size - 1])
    let contentTypes: [(String?, declaredJSON: Bool)] = [
        ("application/json", true), (" Application/JSON ; charset=utf-8", true), (nil, false), ("text/plain", false),
        (";", false), ("application/jsonx", false),
    ]
    let (contentType, declaredJSON) = contentTypes[(pick / 4) % contentTypes.count]
    switch pick % 4 {
    case 0: check(EnabledBody.self, body, contentType, declaredJSON) { ["enabled": $0.enabled] }
    case 1: check(PositionBody.self, body, contentType, declaredJSON) { ["position": $0.position] }
    case 2: check(AddServerBody.self, body, contentType, declaredJSON) { ["name": $0.name, "address": $0.address] }
    default: check(ActivateBody.self, body, contentType, declaredJSON) { ["server": $0.server] }
    }
    return 0
}

/// `fields` gives the decoded body as a JSON object, to encode and decode again.
private func check<T: Decodable>(_ type: T.Type, _ body: [UInt8], _ contentType: String?, _ declaredJSON: Bool,
                                 fields: (T) -> [String: Any]) {
    let result = RequestBodies.decode(type, body: body, contentType: contentType)
    if !body.isEmpty, !declaredJSON {
        precondition(result == .failure(RequestBodies.Refusal(status: 415, message: "send the body as Content-Type: application/json")),
                     "undeclared body not refused with 415")
        return
    }
    switch result {
    case .failure(let refusal):
        precondition(refusal.status == 400 && refusal.message.hasPrefix("bad request body: "), "unexpected refusal \(refusal)")
    case .success(let decoded):
        let again = json(fields(decoded))
        guard case .success(let redecoded) = RequestBodies.decode(type, body: Array(again), contentType: "application/json") else {
            preconditionFailure("re-encoded body \(String(decoding: again, as: UTF8.self)) did not decode")
        }
        precondition(json(fields(redecoded)) == again, "fields changed on the way back")
    }
}

private func json(_ object: [String: Any]) -> Data {
    try! JSONSerialization.data(withJSONObject: object, options: .sortedKeys)
}

private extension Result where Success: Decodable, Failure == RequestBodies.Refusal {
    static func == (lhs: Self, rhs: Self) -> Bool {
        if case .failure(let a) = lhs, case .failure(let b) = rhs { return a == b }
        return false
    }
}
