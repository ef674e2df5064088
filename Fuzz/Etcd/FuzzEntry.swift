// libFuzzer entry for etcd's gateway answers (scripts/fuzz.sh etcd), compiled with
// Cluster's store types and Sources/Proxy/Etcd's lines, responses and watch messages as one
// module. The last byte picks the reader; the bytes before it are the body. Checks: no crash
// on any bytes; a stream cut in two at a byte chosen from the input gives the same lines as
// the whole, and its non-empty lines are the ones `split` finds; every watch line is an
// update or a StoreError; the readers' promises hold (a lease id is not 0, a kept-alive TTL
// is positive, a token is not empty, changes are not empty, a compaction revision is positive).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEtcd(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let body = Array(UnsafeBufferPointer(start: data, count: size - 1))
    let pick = Int(data[size - 1])
    let lines = checkLines(body, cut: pick * body.count / 256)
    switch pick % 8 {
    case 0, 1, 2: for line in lines where !line.isEmpty { checkWatch(line) }
    case 3: _ = try? EtcdResponses.read(body)
    case 4: _ = try? EtcdResponses.transaction(body)
    case 5:
        if let id = try? EtcdResponses.grantedLease(body) { precondition(id != 0, "lease id 0") }
        if let token = try? EtcdResponses.token(body) { precondition(!token.isEmpty, "empty token") }
    case 6:
        if let ttl = try? EtcdResponses.keptAlive(body) { precondition(ttl > .zero, "kept alive without a TTL") }
    default:
        let error = EtcdResponses.error(status: 400 + pick, body: body)
        _ = EtcdResponses.isExpiredToken(error)
    }
    return 0
}

/// The lines of `body` fed whole and fed in two pieces; returns them.
private func checkLines(_ body: [UInt8], cut: Int) -> [[UInt8]] {
    var whole = EtcdLines()
    let expected = try! whole.append(body)
    var split = EtcdLines()
    let pieces = try! split.append(Array(body[..<cut])) + split.append(Array(body[cut...]))
    precondition(pieces == expected, "split at \(cut) gave other lines")
    precondition(expected.allSatisfy { !$0.contains(UInt8(ascii: "\n")) }, "a line holds a newline")
    var closed = EtcdLines()
    let all = try! closed.append(body + [UInt8(ascii: "\n")])
    precondition(all.filter { !$0.isEmpty } == EtcdLines.split(body), "append and split disagree")
    return expected
}

private func checkWatch(_ line: [UInt8]) {
    let update: WatchUpdate
    do {
        update = try EtcdResponses.watchUpdate(line)
    } catch {
        return
    }
    switch update {
    case .changes(let changes, _): precondition(!changes.isEmpty, "changes without a change")
    case .compacted(let revision): precondition(revision > 0, "compaction at \(revision)")
    case .started, .progress, .ended: break
    }
}
