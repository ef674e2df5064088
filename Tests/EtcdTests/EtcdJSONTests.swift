import Cluster
import Foundation
import Testing
@testable import Proxy

/// The gateway's JSON, without a server: base64 keys, 64-bit numbers as strings, omitted zero values.
@Suite struct EtcdJSONTests {
    private func object(_ dictionary: [String: Any]) -> [String: Any] {
        // Through the bytes actually sent, not the dictionary built.
        (try? JSONSerialization.jsonObject(with: Data(EtcdRequests.encode(dictionary)))) as? [String: Any] ?? [:]
    }

    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func prefixReadSendsBase64KeyAndRangeEnd() {
        let sent = object(EtcdRequests.range(prefix: "/fp/a/"))
        #expect(sent["key"] as? String == Data("/fp/a/".utf8).base64EncodedString())
        #expect(sent["range_end"] as? String == Data("/fp/a0".utf8).base64EncodedString())
        let high = EtcdRequests.prefixRange("a\u{7f}")
        #expect(high.end == [UInt8(ascii: "a"), 0x80])
        #expect(EtcdRequests.prefixRange("").key == [0] && EtcdRequests.prefixRange("").end == [0])
    }

    @Test func transactionShapeWithLeaseAbove2To53() {
        let lease: LeaseID = (1 << 53) + 1
        let sent = object(EtcdRequests.transaction(
            if: [.createRevision(key: "/k", equals: 0), .modRevision(key: "/m", equals: 42)],
            then: [.put(key: "/k", value: [1, 2, 255], lease: lease), .delete(key: "/d")],
            readOnFailure: ["/k"]))
        let compare = sent["compare"] as? [[String: Any]] ?? []
        #expect(compare.count == 2)
        #expect(compare.first?["target"] as? String == "CREATE")
        #expect(compare.first?["result"] as? String == "EQUAL")
        #expect(compare.first?["create_revision"] as? String == "0")
        #expect(compare.last?["target"] as? String == "MOD")
        #expect(compare.last?["mod_revision"] as? String == "42")
        let success = sent["success"] as? [[String: Any]] ?? []
        let put = success.first?["request_put"] as? [String: Any]
        #expect(put?["key"] as? String == "L2s=")
        #expect(put?["value"] as? String == Data([1, 2, 255]).base64EncodedString())
        #expect(put?["lease"] as? String == "9007199254740993")
        #expect((success.last?["request_delete_range"] as? [String: Any])?["key"] as? String == "L2Q=")
        let failure = sent["failure"] as? [[String: Any]] ?? []
        #expect((failure.first?["request_range"] as? [String: Any])?["key"] as? String == "L2s=")
        // A put without a lease leaves the field out.
        let bare = object(EtcdRequests.transaction(if: [], then: [.put(key: "/k", value: [], lease: 0)], readOnFailure: []))
        #expect(((bare["success"] as? [[String: Any]])?.first?["request_put"] as? [String: Any])?["lease"] == nil)
    }

    @Test func leaseIDAbove2To53IsExact() throws {
        let id = try EtcdResponses.grantedLease(bytes(#"{"header":{"revision":"7"},"ID":"9007199254740993","TTL":"10"}"#))
        #expect(id == 9_007_199_254_740_993)
        #expect(object(EtcdRequests.lease(id))["ID"] as? String == "9007199254740993")
        #expect(throws: StoreError.self) { try EtcdResponses.grantedLease(bytes(#"{"ID":9007199254740993}"#)) }
    }

    @Test func omittedZeroValues() throws {
        // A failed txn has no `succeeded`; a key without create_revision/lease reads 0.
        let failed = try EtcdResponses.transaction(bytes(
            #"{"header":{"revision":"12"},"responses":[{"response_range":{"header":{"revision":"12"},"#
            + #""kvs":[{"key":"L2s=","mod_revision":"11","value":"dg==","version":"1"}],"count":"1"}}]}"#))
        #expect(failed == TransactionOutcome(succeeded: false, revision: 12,
                                             values: [StoredValue(key: "/k", value: Array("v".utf8), createRevision: 0, modRevision: 11)]))
        let empty = try EtcdResponses.read(bytes(#"{"header":{"revision":"3"}}"#))
        #expect(empty == StoreRead(values: [], revision: 3))
        let succeeded = try EtcdResponses.transaction(bytes(#"{"header":{"revision":"13"},"succeeded":true,"responses":[{"response_put":{}}]}"#))
        #expect(succeeded == TransactionOutcome(succeeded: true, revision: 13))
    }

    @Test func keepAliveWithoutTTLIsLeaseNotFound() throws {
        #expect(try EtcdResponses.keptAlive(bytes("{\"result\":{\"header\":{},\"ID\":\"5\",\"TTL\":\"10\"}}\n")) == .seconds(10))
        #expect(throws: StoreError(.leaseNotFound, "lease not found")) {
            try EtcdResponses.keptAlive(bytes("{\"result\":{\"header\":{\"revision\":\"9\"},\"ID\":\"5\"}}\n"))
        }
    }

    @Test func gatewayErrors() {
        let lease = EtcdResponses.error(status: 404, body: bytes(#"{"error":"etcdserver: requested lease not found","code":5}"#))
        #expect(lease.kind == .leaseNotFound)
        let token = EtcdResponses.error(status: 401, body: bytes(#"{"error":"etcdserver: invalid auth token","code":16}"#))
        #expect(token.kind == .unauthorized && EtcdResponses.isExpiredToken(token))
        #expect(EtcdResponses.error(status: 502, body: bytes("<html>")).kind == .rejected)
    }

    @Test func watchMessages() throws {
        #expect(try EtcdResponses.watchUpdate(bytes(#"{"result":{"header":{"revision":"5"},"created":true}}"#)) == .started(revision: 5))
        #expect(try EtcdResponses.watchUpdate(bytes(#"{"result":{"header":{"revision":"6"}}}"#)) == .progress(revision: 6))
        #expect(try EtcdResponses.watchUpdate(bytes(
            #"{"result":{"header":{"revision":"9"},"canceled":true,"compact_revision":"8"}}"#)) == .compacted(compactRevision: 8))
        #expect(try EtcdResponses.watchUpdate(bytes(
            #"{"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader","http_status":"Service Unavailable"}}"#))
            == .ended(StoreError(.rejected, "etcdserver: no leader")))
    }

    /// Watch messages in a chunked body cut at odd places, read as the client reads them.
    @Test func watchLinesSplitAcrossChunks() throws {
        let messages = [
            #"{"result":{"header":{"revision":"5"},"created":true}}"#,
            #"{"result":{"header":{"revision":"7"},"events":[{"kv":{"key":"L2Ev","create_revision":"6","mod_revision":"6","version":"1","value":"eA=="}},"#
                + #"{"type":"DELETE","kv":{"key":"L2Ev","mod_revision":"7"}}]}}"#,
            #"{"error":{"grpc_code":14,"message":"etcdserver: no leader"}}"#,
        ]
        let text = messages.joined(separator: "\n") + "\n"
        // Chunks that do not follow lines: 10 bytes, then the rest in two uneven chunks.
        let cuts = [0, 10, 61, text.utf8.count]
        var body = ""
        for i in 0..<(cuts.count - 1) {
            let piece = String(decoding: Array(text.utf8)[cuts[i]..<cuts[i + 1]], as: UTF8.self)
            body += String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n"
        }
        body += "0\r\n\r\n"
        let wire = Array(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + body).utf8)
        var reader = HTTPResponseReader(method: .post)
        var lines = EtcdLines()
        var updates: [WatchUpdate] = []
        var offset = 0
        var step = 1
        while offset < wire.count {  // 1, 2, 3… bytes at a time: every boundary lands somewhere odd
            let end = min(wire.count, offset + step)
            let progress = try reader.consume(wire[offset..<end])
            for line in try lines.append(progress.data) { updates.append(try EtcdResponses.watchUpdate(line)) }
            offset = end
            step = step % 7 + 1
        }
        #expect(reader.isComplete)
        #expect(updates == [
            .started(revision: 5),
            .changes([.put(StoredValue(key: "/a/", value: Array("x".utf8), createRevision: 6, modRevision: 6)),
                      .delete(key: "/a/", revision: 7)], revision: 7),
            .ended(StoreError(.rejected, "etcdserver: no leader")),
        ])
    }
}
