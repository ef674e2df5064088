import Foundation

/// A blocking one-shot HTTP/1.1 request to 127.0.0.1 (`Connection: close`), for test
/// helpers that drive a server directly; nil when it cannot connect or answer in 10 s.
public func loopbackHTTP(port: UInt16, method: String = "POST", path: String, body: String = "") -> (status: Int, body: String)? {
    guard let peer = BlockingPeer.connect(port: port) else { return nil }
    defer { peer.close() }
    let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    guard peer.send(Array(request.utf8)), let answer = peer.receiveToEOF() else { return nil }
    let text = String(decoding: answer, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { return nil }
    let statusLine = text[..<split.lowerBound].split(separator: " ", maxSplits: 2)
    guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
    return (status, String(text[split.upperBound...]))
}

/// `loopbackHTTP` with a JSON answer.
public func loopbackJSON(port: UInt16, path: String, body: String = "{}") -> [String: Any]? {
    guard let answer = loopbackHTTP(port: port, path: path, body: body), answer.status == 200 else { return nil }
    return (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) as? [String: Any]
}
